#!/bin/sh
# list.sh: hv --list shows exactly the programs the guest kernel image embeds, in its order, each
# with the description the image holds for it and nothing else; the image's table is read here
# with readelf and od (guests/kernel/exec.c's struct program), not through the hv. No KVM needed.
HV=${HV:-build/hv}
KERNEL=${KERNEL:-build/guest/kernel.elf}
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check NAME COMMAND...: PASS if the command succeeds, else FAIL
check() {
	name=$1
	shift
	if "$@"; then echo "PASS list $name"; else echo "FAIL list $name"; fail=1; fi
}

# offset ADDRESS: the file offset of a kernel virtual address (hex), through the image's loadable
# segments. The kernel lies in the top 2 GiB, so only the low 32 bits of its addresses differ:
# shell arithmetic holds those (a whole address overflows it).
low() { echo $((0x$(printf '%s' "${1#0x}" | tail -c 8))); }
offset() {
	va=$(low "$1")
	readelf -lW "$KERNEL" | awk '$1 == "LOAD" { print $2, $3, $5 }' |
		while read -r off vaddr filesz; do
			start=$(low "$vaddr")
			[ "$va" -ge "$start" ] && [ "$va" -lt $((start + filesz)) ] &&
				echo $((off + va - start))
		done
}
# string ADDRESS: the NUL-terminated string there
string() { tail -c +$(($(offset "$1") + 1)) "$KERNEL" | tr '\0' '\n' | head -n 1; }

# The table: {name, image, size, description} per program, 8 bytes each; a NULL name ends it.
table=$(readelf -sW "$KERNEL" | awk '$8 == "embedded_programs" { print $2 }')
at=$(offset "$table")
n=0
while [ -n "$at" ] && [ $n -lt 1000 ]; do
	# shellcheck disable=SC2046 # the four words of an entry
	set -- $(od -A n -t x8 -j "$at" -N 32 "$KERNEL")
	[ "$1" = 0000000000000000 ] && break
	printf '%s %s\n' "$(string "$1")" "$(string "$4")"
	at=$((at + 32)) n=$((n + 1))
done >"$tmp/image"
check "reads the image's table of programs (wl and true among them)" \
	sh -c "grep -q '^wl .' '$tmp/image' && grep -q '^true .' '$tmp/image'"

# --list's programs section: "  NAME  DESCRIPTION" lines under its heading
"$HV" --list >"$tmp/out"
check "--list exits 0" [ $? -eq 0 ]
awk '/^[^ ]/ { sect = $1 } sect == "programs" && /^  [^ ]/ {
	name = $1; sub(/^  [^ ]+ +/, ""); print name " " $0 }' "$tmp/out" >"$tmp/listed"
check "--list's programs are the image's, each with its description, nothing else" \
	diff "$tmp/image" "$tmp/listed"
check "every description is non-empty" awk 'NF < 2 { bad = 1 } END { exit bad }' "$tmp/listed"

# An image without the table lists none; a kernel that cannot be read is an I/O error (4).
check "an image without programs lists none" sh -c \
	"'$HV' --list --kernel build/hv.d/tests/guest_hello.elf | grep -q '^  (none: '"
"$HV" --list --kernel "$tmp/missing" >/dev/null 2>&1
check "an unreadable kernel exits 4" [ $? -eq 4 ]
exit $fail
