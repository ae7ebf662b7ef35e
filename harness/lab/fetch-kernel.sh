#!/bin/sh
# fetch-kernel.sh: provides the lab VM's kernel and KVM modules; prints the directory holding them.
#
# Usage: harness/lab/fetch-kernel.sh            (from the repository top)
#
# By default it takes Debian's linux-image-amd64 (apt-get download of the versioned package
# it depends on, then dpkg -x) and caches vmlinuz and the modules kvm-amd needs under
# build/lab/kernel/. With LAB_KERNEL=path/to/bzImage (and LAB_MODULES=dir holding kvm.ko,
# kvm-amd.ko and their dependencies, searched recursively; omit it if KVM is built in) it
# uses that kernel instead, cached under build/lab/kernel-custom/ until either changes.
#
# The directory printed on stdout holds:
#   vmlinuz              the kernel image
#   vmlinux              the same kernel uncompressed, if it boots through PVH (faster)
#   modules/NAME.ko      uncompressed modules
#   modules/load-order   module names, dependencies first (kvm-amd last); may be empty
#   version              the kernel release the modules were built for
# Progress and errors go to stderr.
set -eu

BUILD=${BUILD:-build}
# kvm-amd is the module the lab needs; its dependencies are read from the modules themselves.
ROOT_MODULE=kvm-amd

die() {
	echo "fetch-kernel: $*" >&2
	exit 1
}

note() {
	echo "fetch-kernel: $*" >&2
}

# Decompresses (or copies) module file $1 to $2.
unpack_module() {
	case $1 in
	*.ko.xz) xz -dc "$1" >"$2" ;;
	*.ko.zst) zstd -qdc "$1" >"$2" ;;
	*.ko.gz) gzip -dc "$1" >"$2" ;;
	*.ko) cp "$1" "$2" ;;
	*) die "unknown module format: $1" ;;
	esac
}

# Prints a module field (depends, vermagic) from an uncompressed .ko's .modinfo strings.
module_field() {
	tr '\0' '\n' <"$1" | sed -n "s/^$2=//p" | head -n 1
}

# Copies module $1 (and, first, everything it depends on) from tree $2 into $3/, appending
# each name to $3/load-order once. Module names use '-' or '_' interchangeably. Only the
# positional parameters survive the recursion (sh has no local variables).
add_module() {
	grep -qx "$1" "$3/load-order" && return 0
	file=$(find "$2" \( -name "$1.ko*" -o -name "$(echo "$1" | tr _- -_).ko*" \) | head -n 1)
	[ -n "$file" ] || die "module $1 not found under $2 (needed by $ROOT_MODULE)"
	unpack_module "$file" "$3/$1.ko"
	for dep in $(module_field "$3/$1.ko" depends | tr ',' ' '); do
		add_module "$dep" "$2" "$3"
	done
	echo "$1" >>"$3/load-order"
}

# Fills $2/modules from module tree $1 (kvm-amd and its dependencies).
collect_modules() {
	rm -rf "$2/modules"
	mkdir -p "$2/modules"
	: >"$2/modules/load-order"
	add_module "$ROOT_MODULE" "$1" "$2/modules"
	module_field "$2/modules/$ROOT_MODULE.ko" vermagic | cut -d' ' -f1 >"$2/version"
}

# Writes the ELF kernel inside bzImage $1 to $2 if it can boot directly through PVH (Xen's
# PHYS32_ENTRY note, which QEMU's -kernel honours): that skips decompressing the kernel under
# TCG, which takes half of the boot time. Leaves no $2 otherwise.
extract_pvh_elf() {
	for format in 'xz -dc' 'zstd -qdc' 'gzip -dc'; do
		case $format in
		xz*) magic=$(printf '\3757zXZ') ;;
		zstd*) magic=$(printf '\050\265\057\375') ;;
		gzip*) magic=$(printf '\037\213\010') ;;
		esac
		command -v "${format%% *}" >/dev/null || continue
		for offset in $(LC_ALL=C grep -abo "$magic" "$1" | head -n 3 | cut -d: -f1); do
			tail -c +$((offset + 1)) "$1" | $format >"$2" 2>/dev/null || true # trailing data
			readelf -nW "$2" 2>/dev/null | grep -aq 'Xen.*0x00000012' && return 0
		done
	done
	rm -f "$2"
}

# Moves finished directory $1 to cache $2 in one rename: an interrupted fetch leaves no half
# cache, and of two concurrent fetches the second rename fails harmlessly (mv -T will not
# replace a non-empty directory).
install_cache() {
	chmod 0755 "$1"
	mv -T "$1" "$2" 2>/dev/null || rm -rf "$1"
}

# The user's own kernel: copied again whenever the kernel file or the module directory changes.
if [ -n "${LAB_KERNEL:-}" ]; then
	out=$BUILD/lab/kernel-custom
	[ -f "$LAB_KERNEL" ] || die "LAB_KERNEL=$LAB_KERNEL is not a file (give the path to a bzImage)"
	[ -z "${LAB_MODULES:-}" ] || [ -d "$LAB_MODULES" ] ||
		die "LAB_MODULES=$LAB_MODULES is not a directory"
	origin="$LAB_KERNEL $(stat -c %Y:%s "$LAB_KERNEL") ${LAB_MODULES:-builtin}"
	if [ "$(cat "$out/source" 2>/dev/null)" != "$origin" ]; then
		mkdir -p "$BUILD/lab"
		new=$(mktemp -d "$out.XXXXXX")
		cp "$LAB_KERNEL" "$new/vmlinuz"
		extract_pvh_elf "$new/vmlinuz" "$new/vmlinux"
		if [ -n "${LAB_MODULES:-}" ]; then
			collect_modules "$LAB_MODULES" "$new"
		else
			note "LAB_MODULES not set: assuming kvm and kvm-amd are built into $LAB_KERNEL"
			mkdir -p "$new/modules"
			: >"$new/modules/load-order"
			echo custom >"$new/version"
		fi
		echo "$origin" >"$new/source"
		rm -rf "$out"
		install_cache "$new" "$out"
	fi
	echo "$out"
	exit 0
fi

out=$BUILD/lab/kernel
if [ -f "$out/vmlinuz" ] && [ -f "$out/modules/load-order" ]; then
	echo "$out"
	exit 0
fi

command -v apt-get >/dev/null && command -v dpkg >/dev/null ||
	die "apt-get/dpkg not found: this is not a Debian-like host. Set LAB_KERNEL=path/to/bzImage and LAB_MODULES=dir (with kvm.ko, kvm-amd.ko and their dependencies)."

# linux-image-amd64 is a metapackage; the kernel is in the versioned package it depends on.
versioned_package() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/pagelab-kernel.XXXXXX")
trap 'rm -rf "$work"' EXIT
# apt-get download drops privileges to _apt where it can; let it write here.
chmod 0777 "$work"

download() {
	pkg=$(versioned_package)
	[ -n "$pkg" ] || return 1
	note "downloading $pkg"
	(cd "$work" && apt-get download -q "$pkg" >&2)
}

if ! download; then
	note "download failed; running apt-get update and retrying"
	apt-get update -q >&2 ||
		die "apt-get update failed (no network or no Debian mirror?). Set LAB_KERNEL=path/to/bzImage and LAB_MODULES=dir instead."
	download ||
		die "cannot download linux-image-amd64's kernel package. Set LAB_KERNEL=path/to/bzImage and LAB_MODULES=dir instead."
fi

deb=$(ls "$work"/*.deb)
note "unpacking $(basename "$deb")"
dpkg -x "$deb" "$work/root"
vmlinuz=$(ls "$work"/root/boot/vmlinuz-* 2>/dev/null | head -n 1)
[ -n "$vmlinuz" ] || die "no /boot/vmlinuz-* in $(basename "$deb")"

mkdir -p "$BUILD/lab"
new=$(mktemp -d "$out.XXXXXX")
cp "$vmlinuz" "$new/vmlinuz"
extract_pvh_elf "$new/vmlinuz" "$new/vmlinux"
collect_modules "$work/root/lib/modules" "$new"
install_cache "$new" "$out"
note "kernel $(cat "$out/version") cached in $out (modules: $(tr '\n' ' ' <"$out/modules/load-order"))"
echo "$out"
