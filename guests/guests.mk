# guests.mk: build rules for guests/ (filled in by its owner).
