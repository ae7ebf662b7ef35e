#!/bin/sh
# snapshot.sh: copies a results folder into a new folder DEST (make-paper.sh's paper/data/).
# usage: paper/snapshot.sh RESULTS_DIR TRACE_RESULTS_DIR|"" DEST
# DEST gets the raw results (results.json, the TSVs) and MANIFEST: RESULTS_DIR's own (written
# by paper/experiments.sh) or, for a folder made by hand, one taken from results.json's
# context (commit, dirty, command, date, machine, KVM module; QEMU's version is not recorded
# there). The second folder, from a `bench --trace` run, gives DEST/trace-exits.tsv and
# trace-summary.txt (without it, RESULTS_DIR's own when it ran with --trace, else
# paper/data's). Both must be complete results folders of this bench, and DEST must not exist.
# What is derived from DEST (tables, summaries, figures) is paper/generate.sh's. Exit status as
# in harness/README.md (2: a refused input).
set -e
src=${1:?usage: paper/snapshot.sh RESULTS_DIR TRACE_DIR|\"\" DEST}
trace=$2
dst=${3:?usage: paper/snapshot.sh RESULTS_DIR TRACE_DIR|\"\" DEST}
[ -x build/bench ] || { echo "snapshot: build/bench is missing; run 'make' first" >&2; exit 3; }
[ ! -e "$dst" ] || { echo "snapshot: $dst exists; it takes a new folder" >&2; exit 2; }
mkdir -p "$dst" || exit 4
cp "$src"/results.json "$src"/*.tsv "$dst/" || exit 4
if [ -e "$src/MANIFEST" ]; then
	cp "$src/MANIFEST" "$dst/MANIFEST" || exit 4
else
	awk -v src="$src" '
	/^ "context"/ { c = 1 }
	c && /^ }/ { c = 0 }
	!c { next }
	/"command": \[/ { cmd = 1; command = ""; next }
	cmd && /\]/ { cmd = 0; next }
	cmd { v = $0; gsub(/^ *"|",?$/, "", v); command = command (command == "" ? "" : " ") v; next }
	{
		k = $1; gsub(/[":]/, "", k)
		v = $0; sub(/^[^:]*: */, "", v); gsub(/^"|",?$|,$/, "", v); f[k] = v
	}
	END {
		printf "experiment: %s (a results folder made by hand; manifest from its results.json)\n", src
		printf "command: %s\ncommit: %s\ndirty: %s\nstarted: %s\n", command, f["git_commit"],
			f["git_dirty"], f["date"]
		printf "machine: %s, %s, %s, %s CPUs\n", f["host"], f["kernel"], f["cpu"], f["num_cpus"]
		printf "kvm: %s (mmu %s)\nqemu: not recorded\n", f["kvm_module"], f["mmu"]
	}' "$src/results.json" >"$dst/MANIFEST"
fi
[ -n "$trace" ] || [ ! -e "$src/trace-exits.tsv" ] || trace=$src
if [ -n "$trace" ]; then
	cp "$trace/trace-exits.tsv" "$dst/trace-exits.tsv" || exit 4
	build/bench --summary "$trace" >"$dst/trace-summary.txt"
else
	cp paper/data/trace-exits.tsv paper/data/trace-summary.txt "$dst/" || exit 4
fi
