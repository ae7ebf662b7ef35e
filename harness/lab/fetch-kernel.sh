#!/bin/sh
# fetch-kernel.sh: provides the lab VM's kernel and KVM modules; prints the directory holding them.
#
# Usage: harness/lab/fetch-kernel.sh            (from the repository top)
#
# By default it takes Debian's linux-image-amd64 (apt-get download of the versioned package
# it depends on, then dpkg -x) and caches vmlinuz and the modules kvm-amd needs under
# build/lab/kernel/. With LAB_KERNEL=path/to/bzImage (and LAB_MODULES=dir holding kvm.ko,
# kvm-amd.ko and their dependencies, searched recursively; omit it if KVM is built in) it
# uses that kernel instead, cached under build/lab/kernel-custom/ and refreshed every call.
#
# The directory printed on stdout holds:
#   vmlinuz              the kernel image
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
# each name to $3/load-order once. Module names use '-' or '_' interchangeably.
add_module() {
	name=$1 tree=$2 dest=$3
	grep -qx "$name" "$dest/load-order" 2>/dev/null && return 0
	file=$(find "$tree" \( -name "$name.ko*" -o -name "$(echo "$name" | tr _- -_).ko*" \) |
		head -n 1)
	[ -n "$file" ] || die "module $name not found under $tree (needed by $ROOT_MODULE)"
	unpack_module "$file" "$dest/$name.ko"
	for dep in $(module_field "$dest/$name.ko" depends | tr ',' ' '); do
		add_module "$dep" "$tree" "$dest"
	done
	echo "$name" >>"$dest/load-order"
}

# Fills $2/modules from module tree $1 (kvm-amd and its dependencies).
collect_modules() {
	rm -rf "$2/modules"
	mkdir -p "$2/modules"
	: >"$2/modules/load-order"
	add_module "$ROOT_MODULE" "$1" "$2/modules"
	module_field "$2/modules/$ROOT_MODULE.ko" vermagic | cut -d' ' -f1 >"$2/version"
}

# The user's own kernel: refreshed every call (it is a cheap copy).
if [ -n "${LAB_KERNEL:-}" ]; then
	out=$BUILD/lab/kernel-custom
	[ -f "$LAB_KERNEL" ] || die "LAB_KERNEL=$LAB_KERNEL is not a file (give the path to a bzImage)"
	rm -rf "$out"
	mkdir -p "$out/modules"
	cp "$LAB_KERNEL" "$out/vmlinuz"
	if [ -n "${LAB_MODULES:-}" ]; then
		[ -d "$LAB_MODULES" ] || die "LAB_MODULES=$LAB_MODULES is not a directory"
		collect_modules "$LAB_MODULES" "$out"
	else
		note "LAB_MODULES not set: assuming kvm and kvm-amd are built into $LAB_KERNEL"
		: >"$out/modules/load-order"
		echo custom >"$out/version"
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

# Build into a temporary directory and rename it, so an interrupted fetch leaves no half cache.
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
cp "$vmlinuz" "$out.tmp/vmlinuz"
collect_modules "$work/root/lib/modules" "$out.tmp"
rm -rf "$out"
mv "$out.tmp" "$out"
note "kernel $(cat "$out/version") cached in $out (modules: $(tr '\n' ' ' <"$out/modules/load-order"))"
echo "$out"
