# harness.mk: build rules for harness/ (filled in by its owner).
