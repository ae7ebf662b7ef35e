/* main.c: the small tree's program (harness/trace/record-all.sh records its build). */
int f1(int);
int f2(int);
int f3(int);
int main(void)
{
	return f1(1) + f2(2) + f3(3) - 14;
}
