/*
 * heapcount.c - an LD_PRELOAD malloc counter for the benchmark.
 *
 * Wraps glibc's allocator (every entry point glibc lets a program replace)
 * and keeps the live and peak byte counts, measured with
 * malloc_usable_size so that what free returns balances what malloc gave.
 * pam_bench finds heapcount_* with dlsym and reads the peak a PAM session
 * reached above what was live before it.  Counts are atomic: threads are
 * fine.  Nothing here allocates.
 */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void __libc_free(void *ptr);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t align, size_t size);

size_t heapcount_live(void);
size_t heapcount_peak(void);
unsigned long long heapcount_allocs(void);
void heapcount_reset_peak(void);

static size_t live, peak;
static unsigned long long allocs;

static void account_add(void *p)
{
	if (!p)
		return;
	size_t now = __atomic_add_fetch(&live, malloc_usable_size(p), __ATOMIC_RELAXED);
	__atomic_add_fetch(&allocs, 1, __ATOMIC_RELAXED);
	size_t seen = __atomic_load_n(&peak, __ATOMIC_RELAXED);
	while (now > seen && !__atomic_compare_exchange_n(&peak, &seen, now, true, __ATOMIC_RELAXED,
							  __ATOMIC_RELAXED))
		;
}

static void account_sub(void *p)
{
	if (p)
		__atomic_sub_fetch(&live, malloc_usable_size(p), __ATOMIC_RELAXED);
}

void *malloc(size_t size)
{
	void *p = __libc_malloc(size);
	account_add(p);
	return p;
}

void free(void *ptr)
{
	account_sub(ptr);
	__libc_free(ptr);
}

void *calloc(size_t n, size_t size)
{
	void *p = __libc_calloc(n, size);
	account_add(p);
	return p;
}

void *realloc(void *ptr, size_t size)
{
	size_t old = ptr ? malloc_usable_size(ptr) : 0;
	void *p = __libc_realloc(ptr, size);
	if (!p && ptr && size != 0)
		return NULL; /* failed: ptr is untouched */
	__atomic_sub_fetch(&live, old, __ATOMIC_RELAXED);
	account_add(p);
	return p;
}

void *reallocarray(void *ptr, size_t n, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(ptr, total);
}

void *memalign(size_t align, size_t size)
{
	void *p = __libc_memalign(align, size);
	account_add(p);
	return p;
}

void *aligned_alloc(size_t align, size_t size)
{
	return memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	if (align % sizeof(void *) != 0 || (align & (align - 1)) != 0)
		return EINVAL;
	void *p = memalign(align, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *valloc(size_t size)
{
	return memalign((size_t)sysconf(_SC_PAGESIZE), size);
}

void *pvalloc(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	return memalign(page, (size + page - 1) / page * page);
}

size_t heapcount_live(void)
{
	return __atomic_load_n(&live, __ATOMIC_RELAXED);
}

size_t heapcount_peak(void)
{
	return __atomic_load_n(&peak, __ATOMIC_RELAXED);
}

unsigned long long heapcount_allocs(void)
{
	return __atomic_load_n(&allocs, __ATOMIC_RELAXED);
}

void heapcount_reset_peak(void)
{
	__atomic_store_n(&peak, heapcount_live(), __ATOMIC_RELAXED);
}
