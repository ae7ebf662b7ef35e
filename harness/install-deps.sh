#!/bin/sh
# install-deps.sh: installs what the bench needs (libjansson, gnuplot) when it is missing:
# through apt-get when running as root, otherwise it names the packages to install.
missing=""
[ -f /usr/include/jansson.h ] || missing="$missing libjansson-dev"
command -v gnuplot >/dev/null 2>&1 || missing="$missing gnuplot-nox"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "bench: installing$missing"
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
else
	echo "bench: missing packages:$missing (install them, e.g. sudo apt-get install$missing)" >&2
	exit 1
fi
