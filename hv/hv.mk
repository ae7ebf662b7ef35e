# hv.mk: build rules for hv/ (filled in by its owner).
