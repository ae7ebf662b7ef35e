/* true.c: exits 0 at once (the program forkexec executes). */
int main(void)
{
	return 0;
}
