#!/bin/sh
# deps.sh: the object files of a folder that depend on each other in a circle, from their symbols.
#
# Usage: harness/deps.sh DIR...   (object files below each DIR, but those under tests/, form one
# group). File a depends on file b when a uses a global symbol that b defines. Prints one line per
# group ("PASS deps DIR: no import cycle among N files") or the files of each cycle found, and
# exits 1 if any group has one.
fail=0
for dir in "$@"; do
	objs=$(find "$dir" -name '*.o' ! -path '*/tests/*' | sort)
	[ -n "$objs" ] || { echo "FAIL deps $dir: no object files (build first)"; fail=1; continue; }
	for o in $objs; do
		nm --defined-only -g "$o" | awk -v f="$o" 'NF >= 3 {print "D", f, $3}'
		nm -u "$o" | awk -v f="$o" '{print "U", f, $NF}'
	done | awk -v dir="$dir" '
	$1 == "D" { if (!($3 in def)) def[$3] = $2; files[$2] = 1 }
	$1 == "U" { nu++; user[nu] = $2; sym[nu] = $3; files[$2] = 1 }
	# Tarjan: each strongly connected component of more than one file is a cycle
	function visit(v,    w, i, c, members) {
		index_of[v] = low[v] = ++counter
		stack[++top] = v
		on[v] = 1
		for (i = 1; i <= nadj[v]; i++) {
			w = adj[v, i]
			if (!(w in index_of)) {
				visit(w)
				if (low[w] < low[v]) low[v] = low[w]
			} else if (on[w] && index_of[w] < low[v])
				low[v] = index_of[w]
		}
		if (low[v] != index_of[v]) return
		c = 0; members = ""
		do { w = stack[top--]; on[w] = 0; c++; members = members " " w } while (w != v)
		if (c > 1) { print "FAIL deps " dir ": import cycle among" members; cycles++ }
	}
	END {
		for (i = 1; i <= nu; i++) {
			d = def[sym[i]]
			if (d == "" || d == user[i] || ((user[i], d) in edge)) continue
			edge[user[i], d] = 1
			adj[user[i], ++nadj[user[i]]] = d
		}
		n = 0
		for (f in files) { n++; if (!(f in index_of)) visit(f) }
		if (!cycles) print "PASS deps " dir ": no import cycle among " n " files"
		exit cycles > 0
	}' || fail=1
done
exit $fail
