#!/bin/sh
# install-deps.sh: installs what `make test` or `make bench` needs and is missing, through
# `apt-get install --no-install-recommends` when root (an `apt-get update` first only when a
# package cannot be found), otherwise names the packages to install.
#
# Usage: harness/install-deps.sh test|bench
# Required by both (the build): a C compiler, make, libc headers, libjansson; for bench also
# gnuplot (its figures). Optional: gnuplot for test (the plot test says SKIP without it); the
# lab (QEMU, busybox-static, cpio, xz), where KVM tests run and lab platforms are measured
# when this machine has no /dev/kvm (they say SKIP, with the reason, without it); for test,
# linux-perf (the perf trace test says SKIP without it). Exit status 1 only when a required
# package is missing and cannot be installed here.
what=${1:-}
case $what in
test | bench) ;;
*)
	echo "usage: $0 test|bench" >&2
	exit 2
	;;
esac

have() { command -v "$1" >/dev/null 2>&1; }

required="" optional="" perf=""
have cc || have gcc || required="$required gcc"
have make || required="$required make"
[ -f /usr/include/stdio.h ] || required="$required libc6-dev"
[ -f /usr/include/jansson.h ] || required="$required libjansson-dev"
if ! have gnuplot; then
	if [ "$what" = bench ]; then required="$required gnuplot-nox"; else optional="$optional gnuplot-nox"; fi
fi
have qemu-system-x86_64 || optional="$optional qemu-system-x86"
[ -x /bin/busybox ] || optional="$optional busybox-static"
have cpio || optional="$optional cpio"
have xz || optional="$optional xz-utils"
[ "$what" = test ] && ! have perf && [ ! -x /usr/bin/perf ] && perf=linux-perf
[ -z "$required$optional$perf" ] && exit 0

# apt PACKAGES...: installs them; on failure refreshes the package lists once and retries.
apt() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" && return
	[ -n "$updated" ] && return 1
	updated=1
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "$@"
}

if [ "$(id -u)" -eq 0 ] && have apt-get; then
	updated=""
	echo "$what: installing$required$optional${perf:+ $perf}"
	if [ -n "$required" ] && ! apt $required; then
		echo "$what: could not install$required" >&2
		exit 1
	fi
	# shellcheck disable=SC2086 # one word per package
	[ -z "$optional" ] || apt $optional ||
		echo "$what: could not install$optional; what needs them will be skipped" >&2
	[ -z "$perf" ] || apt $perf ||
		echo "$what: could not install $perf; the perf trace test will be skipped" >&2
	exit 0
fi

[ -n "$optional" ] &&
	echo "$what: without$optional what needs them is skipped, with the reason (sudo apt-get install --no-install-recommends$optional)" >&2
[ -n "$perf" ] &&
	echo "$what: without $perf the perf trace test is skipped (sudo apt-get install --no-install-recommends $perf)" >&2
if [ -n "$required" ]; then
	echo "$what: missing packages:$required (install them: sudo apt-get install --no-install-recommends$required)" >&2
	exit 1
fi
exit 0
