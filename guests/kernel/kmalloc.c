/* kmalloc.c: the small-object allocator: power-of-two size classes carved from kalloc pages. */
#include "mm.h"

#define MIN_SHIFT  4 /* 16 bytes */
#define NCLASSES   8 /* 16 .. 2048 */
#define JUNK_BYTE  0x6b
#define FREE_MAGIC 0x6672656564626c6bull /* word 1 of a free object is FREE_MAGIC ^ its address */
#define SLAB_TAG   0xa5000000u		 /* page_meta of a kmalloc page: tag | class << 16 | used */
#define TAG_MASK   0xff000000u
#define USED_MASK  0xffffu

/* A free object: links are guest-physical addresses (0: none), which fit in 32 bits because
 * kernel memory is at most 1 GiB, so that the 16-byte class can hold links and the magic. */
struct free_obj {
	uint32_t next, prev;
	uint64_t magic;
};

struct size_class {
	uint32_t head;	     /* free objects, doubly linked */
	uint32_t spare_page; /* one wholly free page kept to avoid churn, or 0 */
};

static struct size_class classes[NCLASSES];
static struct spinlock lock; /* the classes' lists and their pages' meta words */

static struct free_obj *obj_at(uint32_t pa)
{
	return pa ? P2V(pa) : NULL;
}

static uint64_t class_size(int c)
{
	return 1ull << (MIN_SHIFT + c);
}

static void list_push(struct size_class *sc, uint32_t pa)
{
	struct free_obj *o = obj_at(pa);
	o->prev = 0;
	o->next = sc->head;
	o->magic = FREE_MAGIC ^ pa;
	if (sc->head)
		obj_at(sc->head)->prev = pa;
	sc->head = pa;
}

static void list_del(struct size_class *sc, uint32_t pa)
{
	struct free_obj *o = obj_at(pa);
	if (o->prev)
		obj_at(o->prev)->next = o->next;
	else
		sc->head = o->next;
	if (o->next)
		obj_at(o->next)->prev = o->prev;
}

/* A fresh page for class c, all its objects on the free list (lowest address first). */
static int refill(int c)
{
	void *page = kalloc_page();
	if (!page)
		return -1;
	uint64_t pa = V2P(page), size = class_size(c);
	*page_meta(pa) = SLAB_TAG | (uint32_t)c << 16;
	for (uint64_t off = PAGE_SIZE; off >= size; off -= size)
		list_push(&classes[c], (uint32_t)(pa + off - size));
	classes[c].spare_page = (uint32_t)pa;
	return 0;
}

static void *alloc_locked(size_t size)
{
	int c = 0;
	while (class_size(c) < size)
		c++;
	struct size_class *sc = &classes[c];
	if (!sc->head && refill(c) < 0)
		return NULL;
	uint32_t pa = sc->head;
	struct free_obj *o = obj_at(pa);
	if (o->magic != (FREE_MAGIC ^ pa))
		panic("kmalloc: free object %p was written after kfree", (void *)o);
	list_del(sc, pa);
	uint64_t page = PAGE_ROUND_DOWN((uint64_t)pa);
	uint32_t *meta = page_meta(page);
	if ((*meta & USED_MASK) == 0 && sc->spare_page == page)
		sc->spare_page = 0;
	(*meta)++;
	memset(o, 0, class_size(c));
	return o;
}

/* The page's objects leave the free list and the page goes back to kalloc. */
static void release_page(int c, uint64_t page)
{
	for (uint64_t off = 0; off < PAGE_SIZE; off += class_size(c))
		list_del(&classes[c], (uint32_t)(page + off));
	kfree_page(P2V(page));
}

void *kmalloc(size_t size)
{
	if (size == 0 || size > KMALLOC_MAX)
		return NULL;
	spin_lock(&lock);
	void *o = alloc_locked(size);
	spin_unlock(&lock);
	return o;
}

static void free_locked(void *obj)
{
	uint64_t pa = V2P(obj), page = PAGE_ROUND_DOWN(pa);
	uint32_t *meta = page_meta(page);
	if ((*meta & TAG_MASK) != SLAB_TAG)
		panic("kfree(%p): not an object kmalloc returned", obj);
	int c = (*meta >> 16) & 0xff;
	uint64_t size = class_size(c);
	if (c >= NCLASSES || (pa - page) % size)
		panic("kfree(%p): not the start of a %lu-byte object", obj, size);
	struct free_obj *o = obj;
	if (o->magic == (FREE_MAGIC ^ pa))
		panic("kfree(%p): double free", obj);
	KASSERT((*meta & USED_MASK) > 0);
	memset(obj, JUNK_BYTE, size);
	struct size_class *sc = &classes[c];
	list_push(sc, (uint32_t)pa);
	if ((--*meta & USED_MASK) != 0)
		return;
	if (!sc->spare_page)
		sc->spare_page = (uint32_t)page;
	else
		release_page(c, page);
}

void kfree(void *obj)
{
	if (!obj)
		return;
	spin_lock(&lock);
	free_locked(obj);
	spin_unlock(&lock);
}
