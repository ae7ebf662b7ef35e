#!/bin/sh
# fuzz_long.sh: fuzz.sh with 10^6 random hypercalls per mode and fork policy (make fuzz).
TEST=fuzz_long FUZZ_ELF=build/hv.d/tests/guest_fuzz_long.elf FUZZ_TIMEOUT=3600
FUZZ_CHECK_EVERY=10000
. hv/tests/fuzz.sh
