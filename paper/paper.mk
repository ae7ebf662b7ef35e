# paper.mk: `make paper [RESULTS=dir] [TRACE=dir]` regenerates everything the write-up quotes
# from a results folder (default results/latest; without one, the committed snapshot): the
# data snapshot in paper/data/, the generated tables and values in paper/generated/, the
# figures, and the spliced paper/pagelab.md, all or nothing (paper/make-paper.sh). `make test`
# checks that the write-up matches what its snapshot gives.

paper: $(BUILD)/model $(BUILD)/bench
	@sh paper/make-paper.sh "$(RESULTS)" "$(TRACE)"

TESTS += "sh paper/check-generated.sh $(BUILD)/model"
TEST_DEPS += $(BUILD)/model
