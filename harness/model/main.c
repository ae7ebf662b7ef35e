/* main.c: build/model, the cost model: check it against a results folder, write the paper's
 * generated tables and values, splice them into the write-up. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "model.h"

#define HW_COSTS "paper/hwcosts.json" /* model check's default, from the source tree */

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: model check RESULTS_DIR [HW_COSTS]\n"
	       "                                        the fitted costs, the model check and the\n"
	       "                                        projection (HW_COSTS: paper/hwcosts.json)\n"
	       "       model paper RESULTS_DIR HW_COSTS OUT_DIR\n"
	       "                                        every generated table, TSV and value of\n"
	       "                                        the write-up into OUT_DIR\n"
	       "       model frames RESULTS_DIR\n"
	       "                                        the cold-warm table of a run with --vary\n"
	       "                                        frames=reused,fresh, on stdout\n"
	       "       model splice DOC GEN_DIR RESULTS_DIR\n"
	       "                                        DOC with its generated blocks and values\n"
	       "                                        replaced from GEN_DIR (values also by\n"
	       "                                        query of RESULTS_DIR), on stdout\n"
	       "RESULTS_DIR holds results.json (a bench run); HW_COSTS is the JSON file of\n"
	       "cited hardware costs (paper/hwcosts.json).\n"
	       "Exit status: 0 ok, 2 bad usage or a results folder that is foreign, of another\n"
	       "schema version or incomplete, 4 a file unreadable or unwritable.\n");
}

/* The results folder dir, checked (results_load) and fitted: 0, or the exit status. */
static int load(struct model *m, const char *dir)
{
	char err[1024];
	int rc;
	json_t *doc = results_load(dir, 0, err, sizeof err, &rc);
	if (!doc) {
		fprintf(stderr, "model: %s\n", err);
		return rc;
	}
	if (model_load(m, doc) < 0)
		return RC_HOST;
	model_fit(m);
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

/* Closes every file: 0, or RC_IO when one could not be opened or written. */
static int close_all(FILE *const files[], int n)
{
	int rc = 0;
	for (int i = 0; i < n; i++)
		if (!files[i] || ferror(files[i]) | fclose(files[i]))
			rc = RC_IO;
	return rc;
}

/* OUT_DIR gets the generated files; it is a folder of the caller's (paper/make-paper.sh
 * writes into a temporary one and swaps it in). */
static int cmd_paper(const char *results, const char *hw, const char *out)
{
	struct model m;
	int rc = load(&m, results);
	if (rc)
		return rc;
	if (mkdir(out, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "model: mkdir %s: %s\n", out, strerror(errno));
		return RC_IO;
	}
	FILE *f[] = {out_file(out, "model-costs.md"), out_file(out, "model-summary.md"),
		     out_file(out, "model-check.md"), out_file(out, "model-check.tsv"),
		     out_file(out, "projection.md"),  out_file(out, "projection.tsv"),
		     out_file(out, "values.txt"),     out_file(out, "hwcosts.md"),
		     out_file(out, "shootdown.md")};
	int n = sizeof f / sizeof f[0];
	for (int i = 0; i < n; i++)
		if (!f[i])
			return close_all(f, n);
	write_costs(&m, f[0]);
	write_check_summary(&m, f[1]);
	write_check(&m, f[2]);
	write_check_tsv(&m, f[3]);
	int hw_rc = write_projection(&m, hw, f[7], f[4], f[5]) ? RC_IO : 0;
	write_values(&m, f[6]);
	write_run_values(&m, f[6]);
	write_hw_values(hw, f[6]);
	write_shootdown(&m, f[8]);
	rc = close_all(f, n);
	if (rc || hw_rc)
		return rc ? rc : hw_rc;
	/* what reads the projection's TSV, now written */
	FILE *rep = out_file(out, "reproduce.md");
	if (rep)
		write_reproduce(&m, out, rep);
	rc = close_all(&rep, 1);
	return rc ? rc : write_summary(out);
}

int main(int argc, char **argv)
{
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "check")) {
		struct model m;
		int rc = load(&m, argv[2]);
		if (rc)
			return rc;
		printf(
		    "Per-event costs (instructions; each lab platform's fitted to its cells)\n\n");
		write_costs(&m, stdout);
		printf("\nModel check: each cell predicted from its counts, costs fitted without "
		       "it\n\n");
		write_check(&m, stdout);
		printf("\n");
		write_check_summary(&m, stdout);
		const char *hw = argc == 4 ? argv[3] : HW_COSTS;
		printf("\nProjection to hardware: the costs (%s)\n\n", hw);
		if (write_projection(&m, hw, stdout, stdout, NULL))
			return RC_IO;
		return fflush(stdout) || ferror(stdout) ? RC_IO : 0;
	}
	if (argc == 5 && !strcmp(argv[1], "paper"))
		return cmd_paper(argv[2], argv[3], argv[4]);
	if (argc == 3 && !strcmp(argv[1], "frames")) {
		char err[1024];
		int rc;
		json_t *doc = results_load(argv[2], 0, err, sizeof err, &rc);
		if (!doc) {
			fprintf(stderr, "model: %s\n", err);
			return rc;
		}
		write_frames(doc, stdout);
		json_decref(doc);
		return fflush(stdout) || ferror(stdout) ? RC_IO : 0;
	}
	if (argc == 5 && !strcmp(argv[1], "splice")) {
		struct model m;
		int rc = load(&m, argv[4]);
		if (rc)
			return rc;
		rc = splice(&m, argv[2], argv[3], stdout);
		return rc ? rc : fflush(stdout) || ferror(stdout) ? RC_IO : 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr,
		"model: unknown command or arguments (valid: check, paper, frames, splice)\n");
	usage(stderr);
	return RC_USAGE;
}
