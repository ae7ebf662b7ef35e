/* vma.c: the per-process VMA tree: an AVL tree keyed by start address, augmented for gap search. */
#include "mm.h"

static int height(const struct vma *n)
{
	return n ? n->height : 0;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Recomputes n's height and subtree summary from its children. The widest gap of a subtree is
 * local: the VMA before n within the subtree is the one with the highest end on its left. */
static void refresh(struct vma *n)
{
	struct vma *l = n->left, *r = n->right;
	n->height = 1 + (height(l) > height(r) ? height(l) : height(r));
	n->min_start = l ? l->min_start : n->start;
	n->max_end = r ? r->max_end : n->end;
	n->max_gap = 0;
	if (l)
		n->max_gap = max64(l->max_gap, n->start - l->max_end);
	if (r)
		n->max_gap = max64(n->max_gap, max64(r->max_gap, r->min_start - n->end));
}

static struct vma *rotate_right(struct vma *n)
{
	struct vma *l = n->left;
	n->left = l->right;
	l->right = n;
	refresh(n);
	refresh(l);
	return l;
}

static struct vma *rotate_left(struct vma *n)
{
	struct vma *r = n->right;
	n->right = r->left;
	r->left = n;
	refresh(n);
	refresh(r);
	return r;
}

/* Restores the AVL property at n (children differ in height by at most 1). */
static struct vma *rebalance(struct vma *n)
{
	refresh(n);
	int balance = height(n->left) - height(n->right);
	if (balance > 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (balance < -1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

static struct vma *insert_at(struct vma *n, struct vma *v, int *overlap)
{
	if (!n) {
		v->left = v->right = NULL;
		refresh(v);
		return v;
	}
	if (v->end <= n->start)
		n->left = insert_at(n->left, v, overlap);
	else if (v->start >= n->end)
		n->right = insert_at(n->right, v, overlap);
	else
		*overlap = 1;
	return rebalance(n);
}

int vma_insert(struct vma_tree *t, struct vma *v)
{
	int overlap = 0;
	KASSERT(v->start < v->end);
	t->root = insert_at(t->root, v, &overlap);
	if (overlap)
		return -1;
	t->count++;
	return 0;
}

/* Unlinks the lowest node of subtree n into *min; returns the rest, rebalanced. */
static struct vma *take_min(struct vma *n, struct vma **min)
{
	if (!n->left) {
		*min = n;
		return n->right;
	}
	n->left = take_min(n->left, min);
	return rebalance(n);
}

static struct vma *remove_at(struct vma *n, struct vma *v)
{
	KASSERT(n); /* v must be in the tree */
	if (v->start < n->start) {
		n->left = remove_at(n->left, v);
	} else if (v->start > n->start) {
		n->right = remove_at(n->right, v);
	} else {
		KASSERT(n == v);
		if (!n->left || !n->right)
			return n->left ? n->left : n->right;
		struct vma *succ;
		struct vma *right = take_min(n->right, &succ);
		succ->left = n->left;
		succ->right = right;
		n = succ;
	}
	return rebalance(n);
}

void vma_remove(struct vma_tree *t, struct vma *v)
{
	t->root = remove_at(t->root, v);
	t->count--;
}

static void update_at(struct vma *n, struct vma *v)
{
	KASSERT(n);
	if (v->start < n->start)
		update_at(n->left, v);
	else if (v->start > n->start)
		update_at(n->right, v);
	refresh(n);
}

void vma_update(struct vma_tree *t, struct vma *v)
{
	update_at(t->root, v);
}

struct vma *vma_find(struct vma_tree *t, uint64_t va)
{
	struct vma *n = t->root;
	while (n) {
		if (va < n->start)
			n = n->left;
		else if (va >= n->end)
			n = n->right;
		else
			return n;
	}
	return NULL;
}

struct vma *vma_next(struct vma_tree *t, uint64_t va)
{
	struct vma *n = t->root, *best = NULL;
	while (n) {
		if (n->end > va) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

struct gap_query {
	uint64_t len, lo, hi;
};

/* The lowest fitting address in the free range [gs, ge), or 0. */
static uint64_t fit(const struct gap_query *q, uint64_t gs, uint64_t ge)
{
	uint64_t a = PAGE_ROUND_UP(max64(gs, q->lo));
	uint64_t e = ge < q->hi ? ge : q->hi;
	return a < e && e - a >= q->len ? a : 0;
}

/* The lowest fitting address in a gap between two VMAs of subtree n, or 0. Subtrees whose
 * gaps are all too narrow, below lo or above hi are skipped, which keeps the walk O(log n)
 * for the usual bottom-up search. */
static uint64_t search(const struct gap_query *q, const struct vma *n)
{
	if (!n || n->max_gap < q->len || n->max_end <= q->lo || n->min_start >= q->hi)
		return 0;
	uint64_t a = search(q, n->left);
	if (!a && n->left)
		a = fit(q, n->left->max_end, n->start);
	if (!a && n->right)
		a = fit(q, n->end, n->right->min_start);
	if (!a)
		a = search(q, n->right);
	return a;
}

uint64_t vma_find_gap(struct vma_tree *t, uint64_t len, uint64_t lo, uint64_t hi)
{
	struct gap_query q = {len, max64(lo, PAGE_SIZE), hi};
	const struct vma *root = t->root;
	if (len == 0 || q.lo >= hi)
		return 0;
	if (!root)
		return fit(&q, 0, hi);
	uint64_t a = fit(&q, 0, root->min_start);
	if (!a)
		a = search(&q, root);
	if (!a)
		a = fit(&q, root->max_end, hi);
	return a;
}
