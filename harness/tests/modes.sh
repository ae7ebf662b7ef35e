#!/bin/sh
# modes.sh: the run-record schema's mode enum is the hv's registered modes (hv --list-modes) and
# "none" (cells where modes do not apply), and the hv's core (hv/*.c, hv/*.h: all but the modes'
# folders) names none of them: it knows modes through the registry alone. Usage (from the
# repository top): harness/tests/modes.sh HV SCHEMA
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
named=$(for m in $listed; do grep -l -i -w -e "$m" hv/*.c hv/*.h; done | sort -u | tr '\n' ' ')
if [ -z "$named" ]; then
	echo "PASS modes: the hv's core names no mode ($(echo $listed))"
else
	echo "FAIL modes: the hv's core names a mode in: $named(a mode belongs in its folder)"
	exit 1
fi
