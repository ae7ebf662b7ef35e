# console.awk: splits the lab VM's serial console stream (see harness/lab/init.sh) into parts.
#
# Variables (awk -v): dir, the run's scratch directory; start, the host time QEMU started
# (date +%s.%N); accel and npt, what was asked for (for the note printed when the VM is up).
# Writes:
#   stdout                the command's output, line by line as it arrives
#   stderr                "lab: ..." notes: boot time, /dev/kvm, the npt kvm_amd loaded with
#   dir/console.log       every other line (kernel messages, boot output), for diagnostics
#   dir/info              the ==PAGELAB-INFO== fields, one key=value per line
#   dir/ready             host time (date +%s.%N) when the VM reported it was up
#   dir/files/N.name, N.b64   the Nth file sent back: its relative path and its base64 text
#   dir/exit              the command's exit status
# Kernel messages ("[   1.234] ...") never reach stdout, even in the middle of the output.

# Notes on stderr what the VM reported: the MMU flavour is read inside, never assumed.
function report_ready(    now) {
	system("date +%s.%N > " dir "/ready")
	getline now < (dir "/ready")
	close(dir "/ready")
	printf "lab: %s, kernel %s, booted in %.1f s (guest uptime %s s)\n", accel, info["kernel"],
		now - start, info["uptime"] > "/dev/stderr"
	printf "lab: /dev/kvm %s, kvm_amd npt=%s (requested %s)\n", info["kvm"], info["npt"],
		npt > "/dev/stderr"
	if (info["insmod_failed"] != "none")
		print "lab: insmod failed for: " info["insmod_failed"] > "/dev/stderr"
	if (info["npt"] != (npt ? "Y" : "N") && info["npt"] != npt)
		printf "lab: warning: kvm_amd loaded with npt=%s, not %s\n", info["npt"],
			npt > "/dev/stderr"
	fflush("/dev/stderr")
}

function handle(line,    rest, n, i, kv, f) {
	# A marker may follow output that did not end with a newline: split it off.
	i = index(line, "==PAGELAB-")
	if (i > 1) {
		handle(substr(line, 1, i - 1))
		handle(substr(line, i))
		return
	}
	if (file != "") {
		if (line == "==PAGELAB-END==") {
			close(file)
			file = ""
		} else {
			print line > file
		}
		return
	}
	if (line ~ /^==PAGELAB-INFO .*==$/) {
		rest = substr(line, 15, length(line) - 16)
		n = split(rest, kv, " ")
		for (i = 1; i <= n; i++) {
			print kv[i] > (dir "/info")
			split(kv[i], f, "=")
			info[f[1]] = substr(kv[i], length(f[1]) + 2)
		}
		close(dir "/info")
		if (!ready)
			report_ready()
		ready = 1
		return
	}
	if (line ~ /^==PAGELAB-FILE .*==$/) {
		files++
		print substr(line, 16, length(line) - 17) > (dir "/files/" files ".name")
		close(dir "/files/" files ".name")
		file = dir "/files/" files ".b64"
		printf "" > file
		return
	}
	if (line ~ /^==PAGELAB-EXIT [0-9]+==$/) {
		print substr(line, 16, length(line) - 17) > (dir "/exit")
		close(dir "/exit")
		done = 1
		return
	}
	if (!ready || done || line ~ /^\[ *[0-9]+\.[0-9]+\] /) {
		print line >> (dir "/console.log")
		fflush(dir "/console.log")
		return
	}
	print line
	fflush()
}

{
	sub(/\r+$/, "")
	handle($0)
}
