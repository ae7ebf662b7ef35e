/* main.c: build/model, the cost model: check it against a results folder, write the paper's
 * generated tables and values, splice them into the write-up. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "model.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: model check RESULTS_DIR        the calibrated costs and the model check\n"
		"       model paper RESULTS_DIR HW_COSTS OUT_DIR\n"
		"                                        every generated table, TSV and value of\n"
		"                                        the write-up into OUT_DIR\n"
		"       model splice DOC GEN_DIR RESULTS_DIR\n"
		"                                        DOC with its generated blocks and values\n"
		"                                        replaced from GEN_DIR (values also by\n"
		"                                        query of RESULTS_DIR), on stdout\n"
		"RESULTS_DIR holds results.json (a bench run); HW_COSTS is the JSON file of\n"
		"published per-event hardware costs (paper/hwcosts.json).\n");
}

static int load(struct model *m, const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/results.json", dir);
	if (model_load(m, path) < 0)
		return -1;
	model_calibrate(m);
	return 0;
}

static FILE *out_file(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "model: cannot write %s: %s\n", path, strerror(errno));
	return f;
}

static int close_all(FILE *const files[], int n)
{
	int rc = 0;
	for (int i = 0; i < n; i++)
		if (!files[i] || fclose(files[i]) != 0)
			rc = 1;
	return rc;
}

static int cmd_paper(const char *results, const char *hw, const char *out)
{
	struct model m;
	if (load(&m, results) < 0)
		return 1;
	if (mkdir(out, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "model: mkdir %s: %s\n", out, strerror(errno));
		return 1;
	}
	FILE *f[] = {out_file(out, "model-costs.md"), out_file(out, "model-summary.md"),
		     out_file(out, "model-check.md"), out_file(out, "model-check.tsv"),
		     out_file(out, "projection.md"),  out_file(out, "projection.tsv"),
		     out_file(out, "reproduce.md"),   out_file(out, "values.txt"),
		     out_file(out, "hwcosts.md"),     out_file(out, "shootdown.md")};
	int n = sizeof f / sizeof f[0];
	for (int i = 0; i < n; i++)
		if (!f[i])
			return close_all(f, n), 1;
	write_costs(&m, f[0]);
	write_check_summary(&m, f[1]);
	write_check(&m, f[2]);
	write_check_tsv(&m, f[3]);
	int rc = write_projection(&m, hw, f[8], f[4], f[5]);
	write_reproduce(&m, f[6]);
	write_values(&m, f[7]);
	write_shootdown(&m, f[9]);
	return close_all(f, n) || rc;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "check")) {
		struct model m;
		if (load(&m, argv[2]) < 0)
			return 1;
		printf("Per-event costs\n\n");
		write_costs(&m, stdout);
		printf("\nModel check: every cell predicted from its counts\n\n");
		write_check(&m, stdout);
		printf("\n");
		write_check_summary(&m, stdout);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "paper"))
		return cmd_paper(argv[2], argv[3], argv[4]);
	if (argc == 5 && !strcmp(argv[1], "splice")) {
		struct model m;
		if (load(&m, argv[4]) < 0)
			return 1;
		return splice(&m, argv[2], argv[3], stdout) < 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "model: unknown command or arguments (valid: check, paper, splice)\n");
	usage(stderr);
	return 2;
}
