/* f1.c: one function of the small tree whose build harness/trace/record-all.sh records. */
#include <stdio.h>
int f1(int x)
{
	return x * 1;
}
