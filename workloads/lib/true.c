/* true.c: the tiny program that forkexec executes: it exits 0 at once. */
int main(void)
{
	return 0;
}
