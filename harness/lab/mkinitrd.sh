#!/bin/sh
# mkinitrd.sh: builds the lab VM's initramfs: busybox, the KVM modules, the init, the project.
#
# Usage: harness/lab/mkinitrd.sh KERNEL_DIR CMD_FILE OUT.cpio.gz     (from the repository top)
#   KERNEL_DIR  what harness/lab/fetch-kernel.sh printed (modules/ and load-order inside)
#   CMD_FILE    the shell command to run inside, stored as /etc/pagelab-cmd (a file, so quotes
#               and spaces survive unchanged)
# Project files keep their relative paths under /pagelab: build/hv-static as build/hv,
# build/bench-static as build/bench, build/validate-static as build/validate (each falls back
# to the dynamic build), build/hv-testmode, every build/**.elf (the guest kernel, test
# guests), build/native/*, the scripts hv/tests/*.sh, guests/tests/*.sh, harness/*.sh,
# harness/lab/*.sh, and the schemas harness/*.json. Dynamically linked programs get
# the shared libraries ldd names copied along (static builds are preferred: smaller, exact).
# LAB_PERF=PATH adds that perf program as /usr/bin/perf, with its libraries (bench --trace).
set -eu

die() {
	echo "mkinitrd: $*" >&2
	exit 1
}

[ $# -eq 3 ] || die "usage: $0 KERNEL_DIR CMD_FILE OUT.cpio.gz"
kernel_dir=$1 cmd_file=$2 out=$3
BUILD=${BUILD:-build}
BUSYBOX=${BUSYBOX:-/bin/busybox}

[ -f "$kernel_dir/modules/load-order" ] || die "$kernel_dir has no modules/load-order: run harness/lab/fetch-kernel.sh"
[ -f "$cmd_file" ] || die "command file $cmd_file missing"
[ -x "$BUSYBOX" ] || die "$BUSYBOX missing: apt-get install busybox-static"
readelf -lW "$BUSYBOX" | grep -q 'program interpreter' &&
	die "$BUSYBOX is dynamically linked: apt-get install busybox-static"

root=$(mktemp -d "${TMPDIR:-/tmp}/pagelab-initrd.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" \
	"$root/lib/pagelab" "$root/pagelab/out"

# /init links the other applets itself (busybox --install): one process, not hundreds here.
cp "$BUSYBOX" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp -r "$kernel_dir/modules" "$root/lib/pagelab/modules"
cp harness/lab/init.sh "$root/init"
chmod 0755 "$root/init"
cp "$cmd_file" "$root/etc/pagelab-cmd"

# Copies the shared libraries a dynamically linked program needs to the same paths inside.
copy_libraries() {
	readelf -lW "$1" 2>/dev/null | grep -q 'program interpreter' || return 0
	echo "mkinitrd: $1 is dynamically linked; copying its libraries (a static build is preferred)" >&2
	for lib in $(ldd "$1" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# Installs project file $1 as /pagelab/$2 (default: $1's path, with $BUILD/ seen as build/,
# so that commands inside find build outputs at build/ whatever BUILD is here).
install_file() {
	rel=${2:-$1}
	case $rel in "$BUILD"/*) rel=build/${rel#"$BUILD"/} ;; esac
	mkdir -p "$(dirname "$root/pagelab/$rel")"
	cp "$1" "$root/pagelab/$rel"
	copy_libraries "$1"
}

# Installs the static build of program $1 under $1's name, or else $1 itself with its libraries.
install_program() {
	if [ -f "$1-static" ]; then
		install_file "$1-static" "$1"
	elif [ -f "$1" ]; then
		install_file "$1"
	fi
}

install_program "$BUILD/hv"
install_program "$BUILD/hv-testmode"
install_program "$BUILD/bench"
install_program "$BUILD/validate"
# Guest images (the guest kernel, the hv's test guests: every *.elf built), natives, scripts.
for f in $(find "$BUILD" -path "$BUILD/lab" -prune -o -name '*.elf' -type f -print) \
	"$BUILD"/native/* hv/tests/*.sh guests/tests/*.sh harness/*.sh harness/*.json harness/lab/*.sh; do
	[ -f "$f" ] && install_file "$f"
done

# perf (for `bench --trace`), with its libraries, when LAB_PERF names it.
if [ -n "${LAB_PERF:-}" ]; then
	[ -x "$LAB_PERF" ] || die "LAB_PERF=$LAB_PERF is not an executable"
	mkdir -p "$root/usr/bin"
	cp "$LAB_PERF" "$root/usr/bin/perf"
	copy_libraries "$LAB_PERF"
fi

mkdir -p "$(dirname "$out")"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
