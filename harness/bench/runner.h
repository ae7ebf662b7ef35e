/* runner.h: runs the cells of a matrix into the "runs" array of a results document. */
#ifndef PAGELAB_BENCH_RUNNER_H
#define PAGELAB_BENCH_RUNNER_H

#include "matrix.h"

/* Returns the number of failed cells; results are rewritten into out_dir after each, and
 * marked complete after the last one. Interrupted (proc_interrupted), it stops at once and
 * leaves them incomplete. */
int runner_run(struct matrix *m, const struct budget *b, json_t *doc, const char *out_dir);

#endif
