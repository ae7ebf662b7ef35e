# paper.mk: `make paper [RESULTS=dir] [TRACE=dir]` regenerates everything the write-up quotes
# from a results folder (default results/latest): the data snapshot in paper/data/, the
# generated tables and values in paper/generated/, the figures, and the spliced
# paper/pagelab.md. `make test` checks that the write-up matches what its snapshot gives.

RESULTS ?= results/latest

paper: $(BUILD)/model $(BUILD)/bench
	@sh paper/make-paper.sh "$(RESULTS)" "$(TRACE)"

TESTS += "sh paper/check-generated.sh $(BUILD)/model"
TEST_DEPS += $(BUILD)/model
