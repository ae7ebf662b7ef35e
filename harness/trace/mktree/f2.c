/* f2.c: one function of the small tree whose build harness/trace/record-all.sh records. */
#include <stdio.h>
int f2(int x)
{
	return x * 2;
}
