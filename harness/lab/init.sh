#!/bin/sh
# init.sh: /init of the lab VM: loads KVM, runs one command in /pagelab, sends /pagelab/out back.
#
# Everything it prints goes to the serial console, which harness/lab/run.sh parses. Lines of
# its own start with "==PAGELAB-"; the command's output passes through untouched:
#   ==PAGELAB-INFO key=value...==      facts about the VM (kvm device, npt, boot uptime), once
#   ==PAGELAB-FILE relative/path==     followed by the file, gzipped and in base64, then
#                                      ==PAGELAB-END== (the serial line moves ~100 KB/s)
#   ==PAGELAB-EXIT status==            the command's exit status; the VM powers off next
# Kernel parameters read here: pagelab.npt=0|1 (kvm-amd's npt), pagelab.dmesg=1 (send the
# kernel log as file out/dmesg.txt).

/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
# Keep kernel messages off the console: they would interleave with the command's output.
echo 1 >/proc/sys/kernel/printk

npt=1
dmesg=0
for word in $(cat /proc/cmdline); do
	case $word in
	pagelab.npt=*) npt=${word#*=} ;;
	pagelab.dmesg=*) dmesg=${word#*=} ;;
	esac
done

failed=none
for module in $(cat /lib/pagelab/modules/load-order); do
	args=
	[ "$module" = kvm-amd ] && args="npt=$npt"
	insmod "/lib/pagelab/modules/$module.ko" $args && continue
	if [ "$failed" = none ]; then failed=$module; else failed=$failed,$module; fi
done

# What actually got loaded: the MMU flavour is read back, never assumed.
kvm=absent
[ -c /dev/kvm ] && kvm=present
loaded_npt=none
[ -r /sys/module/kvm_amd/parameters/npt ] && loaded_npt=$(cat /sys/module/kvm_amd/parameters/npt)
echo "==PAGELAB-INFO kvm=$kvm npt=$loaded_npt insmod_failed=$failed kernel=$(uname -r) uptime=$(cut -d' ' -f1 /proc/uptime)=="

mkdir -p /pagelab/out
cd /pagelab || exit 1
sh -c "$(cat /etc/pagelab-cmd)" </dev/null
status=$?
cd /
[ "$dmesg" = 1 ] && dmesg >/pagelab/out/dmesg.txt

# Files go out in a stable order; base64 keeps binary data intact.
(cd /pagelab/out && find . -type f | sort) | while IFS= read -r path; do
	echo "==PAGELAB-FILE ${path#./}=="
	gzip -c "/pagelab/out/$path" | base64
	echo "==PAGELAB-END=="
done
echo "==PAGELAB-EXIT $status=="
poweroff -f
