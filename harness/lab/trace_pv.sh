T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null || T=/sys/kernel/debug/tracing
echo 4096 > $T/buffer_size_kb
for e in kvm/kvm_inj_exception kvm/kvm_exit kvm/kvm_cr kvm/kvm_inj_virq kvm/kvm_entry; do echo 1 > $T/events/$e/enable; done
for i in $(seq 1 40); do
  echo > $T/trace
  build/hv --mode pvmmu --cpus 2 --timeout 300 --exec "smp 10" > out/pv.log 2>&1; r=$?
  echo "run $i: $r"
  if [ $r != 0 ]; then echo 0 > $T/tracing_on; grep -v "killed" out/pv.log | head -30; tail -60 $T/trace > out/trace_tail.txt; grep -B2 -A2 "shutdown\|SHUTDOWN\|exception" $T/trace | tail -40 > out/trace_exc.txt; break; fi
done
