#!/bin/sh
# complexity.sh: each design's MMU code, hypercalls, refusal rules and KVM paths, from the source.
# usage: paper/complexity.sh ROOT OUT_DIR   (ROOT: a pagelab tree; writes OUT_DIR/complexity.md
# and complexity.tsv; paper/generate.sh runs it on this tree)
# Lines of code: lines with code left once /* */ and // comments are removed (a comment marker
# inside a string literal is taken for one). A function is a column-0 definition line up to the
# next line that starts with `}`. Modes are the folders hv/M/ whose HV_MODE is named "M".
# Guest (guests/kernel/), per file: the file that defines mmu_M is M's backend; a header some
# backends include but not all (and its .c) is shared by those modes; mm.h and the .c files its
# comments name are shared by all, a whole file when mm.h declares every non-static function of
# it, else (a file that mixes concerns) only the functions mm.h declares.
# hv: every file of hv/M/, and each non-static function of hv/*.c that no other hv file (tests
# and tools left out) names but M's. Hypercalls: M's mode_calls table. A refusal rule is one
# -HC_EINVAL, -HC_EPERM, -HC_EFAULT or -HC_EBADF in M's hv code; it has a test when a line of a
# unit test (hv/tests/*.c and the headers they include) expects that code from a hypercall
# whose handler reaches the rule's function in M's call graph (the line's own HC_* names, or
# those of its file when the line names none). KVM: the KVM and userfaultfd ioctls M's hv files
# issue, the memslots they add, their host paging calls.
set -e
root=${1:?usage: paper/complexity.sh ROOT OUT_DIR}
out=${2:?usage: paper/complexity.sh ROOT OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$root"
modes=$(grep -l '^HV_MODE(' hv/*/mode.c | sed 's|hv/\(.*\)/mode.c|\1|')
[ -n "$modes" ] || { echo "complexity: no HV_MODE under $root/hv" >&2; exit 2; }
# what each design leans on in KVM beyond what its code shows (a mode not named here: "-")
leans='classic	KVM'"'"'s nested-paging fault path (NPT/EPT violations on first touch) or, without it, the shadow MMU: guest tables write-protected, leaf tables let go unsync and resynced on invlpg and CR3 loads; shootdown by the guest'"'"'s own IPIs
pvmmu	the same nested-paging and shadow paths (its tables are ordinary guest tables to KVM), plus a way for each validated update to reach the shadow entries: the vCPU'"'"'s own trapped stores (vcpu apply) or, under NPT/EPT, the hv'"'"'s store and a TLB flush (direct); remote flushes by kicking vCPUs
ptefree	KVM'"'"'s memslots and MMU notifiers: host mprotect and madvise on a window'"'"'s backing reach the nested or shadow entries; the hv'"'"'s GVA->GPA tables never change after first use; first touch served by KVM and the host; lazy fork by userfaultfd; an invalid access returns from KVM_RUN as EFAULT or a memory-fault exit'
# shellcheck disable=SC2046 # file lists are words
awk -v modes="$modes" -v leans="$leans" -v md="$out/complexity.md" -v tsv="$out/complexity.tsv" '
# the code of a line, comments removed; incom carries a /* comment to the next line
function code_of(s,   r, i) {
	r = ""
	while (s != "") {
		if (incom) {
			i = index(s, "*/")
			if (!i) return r
			s = substr(s, i + 2); incom = 0
		} else if (match(s, /\/\*|\/\//)) {
			r = r substr(s, 1, RSTART - 1)
			if (substr(s, RSTART, 2) == "//") return r
			s = substr(s, RSTART + 2); incom = 1
		} else {
			return r s
		}
	}
	return r
}
function base(f) { sub(/.*\//, "", f); return f }
FNR == 1 { incom = 0; fn = ""; table = ""; nfiles++; file[nfiles] = FILENAME }
{
	f = FILENAME; raw = $0; c = code_of(raw)
	if (c ~ /[^ \t]/) { loc[f]++; if (fn != "") fnloc[f, fn]++ }
	# function definitions, bodies and the calls in them
	if (fn == "" && f ~ /\.c$/ && c ~ /^[A-Za-z_].*\(/ && c !~ /[;=]/ && c !~ /^(typedef|struct|enum|union)/) {
		s = c; gsub(/__attribute__\(\([^)]*\)\)/, "", s)
		if (match(s, /[A-Za-z_][A-Za-z0-9_]*\(/)) {
			fn = substr(s, RSTART, RLENGTH - 1); fnloc[f, fn] = 1
			fnfile[f] = fnfile[f] " " fn; static[f, fn] = c ~ /^static/
		}
	} else if (fn != "" && c ~ /^}/) {
		fn = ""
	}
	for (s = c; match(s, /[A-Za-z_][A-Za-z0-9_]*/); s = substr(s, RSTART + RLENGTH)) {
		id = substr(s, RSTART, RLENGTH)
		refs[f, id]++
		if (fn != "" && substr(s, RSTART + RLENGTH, 1) == "(") calls[f, fn] = calls[f, fn] " " id
	}
	if (fn != "")
		for (s = c; match(s, /-HC_E(INVAL|PERM|FAULT|BADF)/); s = substr(s, RSTART + RLENGTH))
			rule[f, ++nrule[f]] = fn SUBSEP substr(s, RSTART + 1, RLENGTH - 1) SUBSEP FNR
	if (c ~ /#include "/) { s = c; sub(/.*#include "/, "", s); sub(/".*/, "", s); inc[f, s] = 1 }
	if (c ~ /mmu_backend mmu_[a-z]+ *=/) {
		s = c; sub(/.*mmu_backend mmu_/, "", s); sub(/[^a-z].*/, "", s); backend[f] = s
	}
	if (f ~ /abi\.h$/ && c ~ /^enum hc_number/) hcenum = 1
	if (f ~ /abi\.h$/ && c ~ /^}/) hcenum = 0
	if (hcenum && c ~ /^\tHC_[A-Z_]+ = [0-9]+,/) {
		split(c, w, /[ \t=,]+/); hcnum[w[2]] = w[3]; hcname[w[3]] = w[2]
	}
	if (f ~ /mm\.h$/ && raw ~ /^\/\* [a-z]+\.c:/) { s = raw; sub(/^\/\* /, "", s); sub(/:.*/, "", s); named[s] = 1 }
	if (f ~ /mm\.h$/ && c ~ /\);[ \t]*$/)
		for (s = c; match(s, /[A-Za-z_][A-Za-z0-9_]*\(/); s = substr(s, RSTART + RLENGTH))
			declared[substr(s, RSTART, RLENGTH - 1)] = 1
	if (c ~ /mode_calls [a-z_]+ = \{HC_/) { s = c; sub(/.*= \{/, "", s); sub(/,.*/, "", s); first[f] = s }
	# a hypercall table: handlers[] = {fn, ...} or {[HC_X - HC_Y] = fn, ...}
	if (c ~ /hc_handler handlers\[[A-Z_]*\] = \{/) table = " "
	if (table != "") {
		table = table " " c
		if (c ~ /}/) { sub(/.*= \{/, "", table); sub(/}.*/, "", table); htable[f] = table; table = "" }
	}
	if (c ~ /ioctl\(/)
		for (s = c; match(s, /(KVM|UFFDIO)_[A-Z_]+/); s = substr(s, RSTART + RLENGTH))
			ioctls[f, substr(s, RSTART, RLENGTH)] = 1
	for (s = c; match(s, /(vm_add_memslot|mprotect|madvise|mincore)\(/); s = substr(s, RSTART + RLENGTH))
		hostcall[f, substr(s, RSTART, RLENGTH - 1)]++
}
function modeof(f,   m) { if (f !~ /^hv\/[a-z]+\//) return ""; m = f; sub(/^hv\//, "", m); sub(/\/.*/, "", m); return m in ismode ? m : "" }
function add(set, x) { return index(" " set " ", " " x " ") ? set : set (set == "" ? "" : " ") x }
# the words of s, sorted, comma-separated
function words(s,   n, w, i, j, t, r) {
	n = split(s, w, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && w[j - 1] > w[j]; j--) { t = w[j]; w[j] = w[j - 1]; w[j - 1] = t }
	for (i = 1; i <= n; i++) r = r (i > 1 ? ", " : "") w[i]
	return r
}
# the functions of mode m that fn (of mode m) reaches, fn included
function reach(m, fn,   n, i, w) {
	if ((m, fn) in seen) return
	seen[m, fn] = 1; reached = reached " " fn
	n = split(mcalls[m, fn], w, " ")
	for (i = 1; i <= n; i++) if ((m, w[i]) in mcalls) reach(m, w[i])
}
END {
	nm = split(modes, mode, /[ \n]+/)
	n = split(leans, w, "\n")
	for (i = 1; i <= n; i++) { split(w[i], v, "\t"); lean[v[1]] = v[2] }
	for (i = 1; i <= nm; i++) ismode[mode[i]] = 1
	for (i = 1; i <= nfiles; i++) {
		f = file[i]; m = modeof(f)
		if (m != "") {
			hv[m] += loc[f]; hvfiles[m] = hvfiles[m] " " base(f)
			n = split(fnfile[f], w, " ")
			for (j = 1; j <= n; j++) mcalls[m, w[j]] = calls[f, w[j]] " "
		}
	}
	# guest: backends, the headers only some of them include, mm.h and the files it names
	for (i = 1; i <= nfiles; i++) if (file[i] ~ /^guests\/kernel\// && file[i] in backend) {
		f = file[i]; own[backend[f]] += loc[f]; ownfiles[backend[f]] = base(f); nbackends++
		for (k in inc) { split(k, w, SUBSEP); if (w[1] == f) incby[w[2]] = add(incby[w[2]], backend[f]) }
	}
	for (i = 1; i <= nfiles; i++) {
		f = file[i]; b = base(f); stem = b; sub(/\.[ch]$/, ".h", stem)
		if (f !~ /^guests\/kernel\// || f in backend) continue
		if (b == "mm.h" || b in named) {
			n = split(fnfile[f], w, " "); mixed = 0; fns = ""
			for (j = 1; j <= n; j++) mixed += !static[f, w[j]] && !(w[j] in declared)
			if (!mixed) { common += loc[f]; commonfiles = commonfiles ", " b; continue }
			for (j = 1; j <= n; j++) if (w[j] in declared) { common += fnloc[f, w[j]]; fns = fns " " w[j] "()" }
			commonfiles = commonfiles ", " b " (only " words(fns) ")"
		} else if (stem in incby && split(incby[stem], w, " ") < nbackends) {
			for (j = 1; j in w; j++) sub_[w[j]] += loc[f]
			subnote[words(incby[stem])] = add(subnote[words(incby[stem])], b)
		}
	}
	# hv: the shared functions that only one mode names
	for (i = 1; i <= nfiles; i++) {
		f = file[i]
		if (f !~ /^hv\/[a-z_]+\.c$/) continue
		n = split(fnfile[f], w, " ")
		for (j = 1; j <= n; j++) {
			if (static[f, w[j]]) continue
			users = ""; other = refs[f, w[j]] > 1
			for (k = 1; k <= nfiles; k++) {
				g = file[k]
				if (g == f || g ~ /\.h$/ || g !~ /^hv\// || g ~ /^hv\/(tests|tools)\// || !((g, w[j]) in refs)) continue
				if (modeof(g) == "") other = 1
				else users = add(users, modeof(g))
			}
			if (!other && users != "" && users !~ / /) {
				hv[users] += fnloc[f, w[j]]; hvfiles[users] = hvfiles[users] " " base(f) ":" w[j] "()"
				for (k in calls) { split(k, v, SUBSEP); if (v[1] == f && v[2] == w[j]) mcalls[users, w[j]] = calls[k] }
			}
		}
	}
	# each mode s hypercalls, and the functions each one reaches
	for (i = 1; i <= nfiles; i++) {
		f = file[i]; m = modeof(f)
		if (m == "" || !(f in htable)) continue
		n = split(htable[f], w, /,/)
		for (j = 1; j <= n; j++) {
			e = w[j]; gsub(/[ \t]/, "", e)
			if (e == "") continue
			if (e ~ /^\[/) { nr = e; sub(/^\[/, "", nr); sub(/[^A-Z_].*/, "", nr); h = e; sub(/.*=/, "", h) }
			else { nr = hcname[hcnum[first[f]] + j - 1]; h = e }
			if (h == "NULL") continue
			hcs[m] = add(hcs[m], nr); handler[m, nr] = h
		}
	}
	for (nr in hcnum) for (i = 1; i <= nfiles; i++)
		if (file[i] ~ /^guests\/kernel\/.*\.c$/ && (file[i], nr) in refs) { guestnames[nr] = 1; break }
	# what the unit tests expect: (hypercall, code) pairs
	for (i = 1; i <= nfiles; i++) {
		f = file[i]
		if (f !~ /^hv\/tests\//) continue
		for (nr in hcnum) if ((f, nr) in refs) named_in[f] = add(named_in[f], nr)
	}
	for (i = 1; i <= nfiles; i++) {
		f = file[i]
		if (f !~ /^hv\/tests\/.*\.c$/) continue
		names = named_in[f]
		for (k in inc) { split(k, w, SUBSEP); if (w[1] == f) { n = split(named_in["hv/tests/" w[2]], v, " "); for (j = 1; j <= n; j++) names = add(names, v[j]) } }
		while ((getline line < f) > 0) {
			if (!match(line, /-HC_E[A-Z]+/)) continue
			code = substr(line, RSTART + 1, RLENGTH - 1); these = ""
			for (s = line; match(s, /HC_[A-Z_]+/); s = substr(s, RSTART + RLENGTH))
				if (substr(s, RSTART, RLENGTH) in hcnum) these = add(these, substr(s, RSTART, RLENGTH))
			n = split(these == "" ? names : these, v, " ")
			for (j = 1; j <= n; j++) expects[v[j], code] = 1
		}
		close(f)
	}
	print "mode\tguest_own_loc\tguest_shared_loc\tguest_loc\thv_loc\thypercalls\thypercalls_guest_names\trules\trules_tested\tkvm_ioctls\tuffd_ioctls\tmemslots\thost_paging_calls" >tsv
	for (i = 1; i <= nm; i++) {
		m = mode[i]; n = split(hcs[m], w, " "); named_n = 0; list = ""
		for (j = 1; j <= n; j++) {
			named_n += w[j] in guestnames; list = list (j > 1 ? ", " : "") w[j] " (" hcnum[w[j]] ")"
			reached = ""; split("", seen); reach(m, handler[m, w[j]]); reaches[m, w[j]] = reached " "
		}
		hclist[m] = list; hcn[m] = n; hcguest[m] = named_n
		rules[m] = tested[m] = 0
		for (k = 1; k <= nfiles; k++) {
			f = file[k]
			if (modeof(f) != m) continue
			for (r = 1; r <= nrule[f]; r++) {
				split(rule[f, r], v, SUBSEP); rules[m]++; ok = 0
				for (j = 1; j <= n; j++) if (index(reaches[m, w[j]], " " v[1] " ") && (w[j], v[2]) in expects) ok = 1
				if (ok) tested[m]++
				else untested[m] = untested[m] sprintf("  - `%s:%d` %s() -%s\n", f, v[3], v[1], v[2])
			}
			for (k2 in ioctls) { split(k2, v, SUBSEP); if (v[1] == f) { if (v[2] ~ /^KVM/) kvm[m] = add(kvm[m], v[2]); else uffd[m] = add(uffd[m], v[2]) } }
			for (k2 in hostcall) { split(k2, v, SUBSEP); if (v[1] == f) { if (v[2] == "vm_add_memslot") slots[m] += hostcall[k2]; else hostn[m, v[2]] += hostcall[k2] } }
		}
		paging[m] = ""
		split("mprotect madvise mincore", v, " ")
		for (j = 1; j <= 3; j++) if (hostn[m, v[j]]) paging[m] = paging[m] (paging[m] == "" ? "" : ", ") v[j] " " hostn[m, v[j]]
		printf "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", m, own[m], sub_[m] + common,
			own[m] + sub_[m] + common, hv[m], n, named_n, rules[m], tested[m],
			split(kvm[m], v, " "), split(uffd[m], v, " "), slots[m], hostn[m, "mprotect"] + hostn[m, "madvise"] + hostn[m, "mincore"] >tsv
	}
	print "| design | guest MMU code (own + shared = lines) | hv MMU code (lines) | its hypercalls (guest names) | refusal rules (with a test) | KVM / userfaultfd ioctls, memslots, host paging calls of its hv | KVM MMU paths it leans on |" >md
	print "|---|---|---|---|---|---|---|" >md
	for (i = 1; i <= nm; i++) {
		m = mode[i]
		printf "| %s | %d + %d = %d | %d | %d: %s (%d) | %d (%d) | %s; %s; %d memslots; %s | %s |\n", m,
			own[m], sub_[m] + common, own[m] + sub_[m] + common, hv[m], hcn[m], hclist[m],
			hcguest[m], rules[m], tested[m], kvm[m] == "" ? "no KVM ioctl" : words(kvm[m]),
			uffd[m] == "" ? "no uffd" : words(uffd[m]), slots[m],
			paging[m] == "" ? "no host paging" : paging[m], m in lean ? lean[m] : "-" >md
	}
	print "\nWhat each row counts (the rule heading `paper/complexity.sh`):\n" >md
	printf "- shared guest MMU code, all modes: %s\n", substr(commonfiles, 3) >md
	for (s in subnote) printf "- shared guest MMU code, %s only: %s\n", s, words(subnote[s]) >md
	for (i = 1; i <= nm; i++) {
		m = mode[i]
		printf "- %s: guest backend %s; hv %s\n", m, ownfiles[m], words(hvfiles[m]) >md
		if (untested[m] != "") printf "  refusal rules no unit test expects:\n%s", untested[m] >md
	}
}' $(find guests/kernel hv include -name '*.[ch]' | LC_ALL=C sort)
