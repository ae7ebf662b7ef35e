/* true.c: the tiny program that forkexec executes: it exits 0 at once. */
#include "program.h"

PROGRAM_DESC("exits 0 at once (what the forkexec workload executes)");

int main(void)
{
	return 0;
}
