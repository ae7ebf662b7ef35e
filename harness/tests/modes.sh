#!/bin/sh
# modes.sh: the run-record schema's mode enum is the hv's registered modes (hv --list-modes) and
# "none" (cells where modes do not apply). Usage: harness/tests/modes.sh HV SCHEMA
hv=$1 schema=$2
listed=$("$hv" --list-modes | cut -d' ' -f1 | sort)
[ -n "$listed" ] || { echo "FAIL modes: $hv --list-modes lists no mode"; exit 1; }
want=$(printf '%s\nnone\n' "$listed" | sort | tr '\n' ' ')
got=$(sed -n 's/.*"mode": *{"enum": *\[\([^]]*\)\].*/\1/p' "$schema" | tr -d '" ' | tr ',' '\n' |
	sort | tr '\n' ' ')
if [ "$got" = "$want" ]; then
	echo "PASS modes: $schema's mode enum is the hv's modes and none ($want)"
else
	echo "FAIL modes: $schema's mode enum is '$got', the hv's modes and none are '$want'"
	exit 1
fi
