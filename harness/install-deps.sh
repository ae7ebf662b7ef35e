#!/bin/sh
# install-deps.sh: installs what the bench needs when it is missing, through apt-get when
# running as root, otherwise names the packages. libjansson and gnuplot are required; QEMU,
# busybox-static, cpio and xz are for the lab platforms, which are skipped (with the reason)
# without them.
missing="" lab=""
[ -f /usr/include/jansson.h ] || missing="$missing libjansson-dev"
command -v gnuplot >/dev/null 2>&1 || missing="$missing gnuplot-nox"
command -v qemu-system-x86_64 >/dev/null 2>&1 || lab="$lab qemu-system-x86"
[ -x /bin/busybox ] || lab="$lab busybox-static"
command -v cpio >/dev/null 2>&1 || lab="$lab cpio"
command -v xz >/dev/null 2>&1 || lab="$lab xz-utils"
[ -z "$missing$lab" ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "bench: installing$missing$lab"
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing $lab
	exit
fi
[ -n "$lab" ] && echo "bench: without$lab the lab platforms are skipped (sudo apt-get install$lab)" >&2
if [ -n "$missing" ]; then
	echo "bench: missing packages:$missing (install them, e.g. sudo apt-get install$missing)" >&2
	exit 1
fi
