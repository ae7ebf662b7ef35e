# paper.mk: `make paper [RESULTS=dir] [TRACE=dir]` regenerates everything the write-up quotes
# from a results folder (default results/latest; without one, the committed snapshot): the
# data snapshot in paper/data/ and everything derived from it in paper/generated/ (tables,
# values, summaries, SVG figures), and the spliced paper/pagelab.md, all or nothing
# (paper/make-paper.sh). `make paper-data` runs every experiment of paper/experiments
# (paper/experiments.sh: about an hour on 2 CPUs; not part of make test), installs their
# raw results and regenerates the write-up. `make test` checks that every committed derived
# file is what its inputs give (complexity.md: what the source tree gives, paper/complexity.sh)
# and that the complexity counts follow the source (paper/tests/complexity.sh), and that
# every number of the prose is generated (paper/numbers.sh, paper/tests/numbers.sh).

paper: $(BUILD)/model $(BUILD)/bench
	@sh paper/make-paper.sh "$(RESULTS)" "$(TRACE)"

.PHONY: paper-data
paper-data: all
	@sh paper/experiments.sh

TESTS += "sh paper/check-generated.sh $(BUILD)/model"
TEST_DEPS += $(BUILD)/model $(BUILD)/bench
TESTS += "sh paper/tests/complexity.sh"
TESTS += "sh paper/tests/replay.sh"
TESTS += "sh paper/numbers.sh"
TESTS += "sh paper/tests/numbers.sh"
