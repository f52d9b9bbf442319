/*
 * failmalloc.c - an LD_PRELOAD shim that fails the N-th allocation made by
 * pam_rlimit.so or libyaml and tracks the blocks they leave (failmalloc.h).
 * It allocates with glibc's __libc_malloc family, so it needs no dlsym and
 * allocates nothing itself.  Callers are placed by the watched objects'
 * PT_LOAD segments, refreshed when libpam loads or unloads the module.
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "failmalloc.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

#define EXPORT __attribute__((visibility("default")))
#define MAX_SEGS 32
#define TABLE_SIZE 16384 /* power of two; live counted blocks at once */

struct seg {
	uintptr_t lo, hi, base;
	char name[64];
};

static struct {
	unsigned long long adds, subs;
	bool scanned;
	struct seg segs[MAX_SEGS];
	size_t nsegs;
} map;

struct live {
	void *p; /* NULL: empty; TOMB: deleted */
	size_t size;
	struct failmalloc_site site;
};
#define TOMB ((void *)1)

static struct live table[TABLE_SIZE];
static atomic_flag lock = ATOMIC_FLAG_INIT;
static unsigned long counted, fail_at, injected, nlive, live_bytes, overflow;
static int sticky;
static struct failmalloc_site failed_site;

static void take(void)
{
	while (atomic_flag_test_and_set_explicit(&lock, memory_order_acquire))
		;
}

static void give(void)
{
	atomic_flag_clear_explicit(&lock, memory_order_release);
}

static bool watched(const char *path)
{
	const char *list = getenv("FAILMALLOC_OBJECTS");
	if (!list)
		list = "pam_rlimit.so:libyaml";
	while (*list) {
		size_t n = strcspn(list, ":");
		for (const char *s = path; n && *s; s++) {
			if (strncmp(s, list, n) == 0)
				return true;
		}
		list += n + (list[n] == ':');
	}
	return false;
}

struct scan {
	bool rebuild;
};

static int scan_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct scan *sc = data;
	if (!sc->rebuild) {
		/* The first object tells whether anything was loaded or unloaded. */
		if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs) &&
		    map.scanned && info->dlpi_adds == map.adds && info->dlpi_subs == map.subs)
			return 1;
		map.adds = info->dlpi_adds;
		map.subs = info->dlpi_subs;
		map.nsegs = 0;
		map.scanned = true;
		sc->rebuild = true;
	}
	if (!info->dlpi_name || !watched(info->dlpi_name))
		return 0;
	const char *base = strrchr(info->dlpi_name, '/');
	base = base ? base + 1 : info->dlpi_name;
	for (int i = 0; i < info->dlpi_phnum && map.nsegs < MAX_SEGS; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		struct seg *s = &map.segs[map.nsegs++];
		s->lo = info->dlpi_addr + ph->p_vaddr;
		s->hi = s->lo + ph->p_memsz;
		s->base = info->dlpi_addr;
		strncpy(s->name, base, sizeof(s->name) - 1);
		s->name[sizeof(s->name) - 1] = '\0';
	}
	return 0;
}

/* Is caller inside a watched object?  Fills *site when it is. */
static bool classify(const void *caller, struct failmalloc_site *site)
{
	struct scan sc = {false};
	memset(site, 0, sizeof(*site));
	dl_iterate_phdr(scan_cb, &sc);
	uintptr_t a = (uintptr_t)caller;
	for (size_t i = 0; i < map.nsegs; i++) {
		if (a >= map.segs[i].lo && a < map.segs[i].hi) {
			memcpy(site->object, map.segs[i].name, sizeof(site->object));
			site->offset = a - map.segs[i].base;
			return true;
		}
	}
	return false;
}

static size_t slot_of(const void *p)
{
	uintptr_t h = (uintptr_t)p;
	h ^= h >> 17;
	h *= 0x9E3779B97F4A7C15ULL;
	return (size_t)(h >> 20) & (TABLE_SIZE - 1);
}

/* Called with the lock held. */
static void track(void *p, size_t size, const struct failmalloc_site *site)
{
	size_t i = slot_of(p);
	for (size_t n = 0; n < TABLE_SIZE; n++, i = (i + 1) & (TABLE_SIZE - 1)) {
		if (!table[i].p || table[i].p == TOMB) {
			table[i].p = p;
			table[i].size = size;
			table[i].site = *site;
			nlive++;
			live_bytes += size;
			return;
		}
	}
	overflow++;
}

/* Called with the lock held. */
static void untrack(void *p)
{
	if (!p || !nlive)
		return;
	size_t i = slot_of(p);
	for (size_t n = 0; n < TABLE_SIZE && table[i].p; n++, i = (i + 1) & (TABLE_SIZE - 1)) {
		if (table[i].p == p) {
			table[i].p = TOMB;
			nlive--;
			live_bytes -= table[i].size;
			return;
		}
	}
}

/*
 * Decides whether a counted call fails.  Returns true to fail; *site is
 * filled when the call counts (*counts set).
 */
static bool decide(const void *caller, bool *counts, struct failmalloc_site *site)
{
	*counts = classify(caller, site);
	if (!*counts)
		return false;
	take();
	unsigned long n = ++counted;
	bool fail = fail_at && (n == fail_at || (sticky && n > fail_at));
	if (fail && !injected) {
		injected = 1;
		failed_site = *site;
	}
	give();
	if (fail) {
		/* Name the site now: the module may be unloaded by report time. */
		Dl_info di;
		if (n == fail_at && dladdr(caller, &di) && di.dli_sname) {
			take();
			strncpy(failed_site.symbol, di.dli_sname, sizeof(failed_site.symbol) - 1);
			give();
		}
	}
	return fail;
}

static void *counted_alloc(const void *caller, size_t size, size_t nmemb, bool zero)
{
	bool counts;
	struct failmalloc_site site;
	if (decide(caller, &counts, &site)) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = zero ? __libc_calloc(nmemb, size) : __libc_malloc(size);
	if (p && counts) {
		take();
		track(p, zero ? nmemb * size : size, &site);
		give();
	}
	return p;
}

EXPORT void *malloc(size_t size)
{
	return counted_alloc(__builtin_return_address(0), size, 1, false);
}

EXPORT void *calloc(size_t nmemb, size_t size)
{
	return counted_alloc(__builtin_return_address(0), size, nmemb, true);
}

EXPORT void *realloc(void *old, size_t size)
{
	bool counts;
	struct failmalloc_site site;
	if (decide(__builtin_return_address(0), &counts, &site)) {
		errno = ENOMEM;
		return NULL; /* old stays valid and owned by the caller */
	}
	void *p = __libc_realloc(old, size);
	if (p || size == 0) {
		take();
		untrack(old);
		if (p && counts)
			track(p, size, &site);
		give();
	}
	return p;
}

EXPORT void free(void *p)
{
	if (p) {
		take();
		untrack(p);
		give();
	}
	__libc_free(p);
}

static char *dup_n(const void *caller, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = counted_alloc(caller, len + 1, 1, false);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

EXPORT char *strdup(const char *s)
{
	return dup_n(__builtin_return_address(0), s, SIZE_MAX);
}

EXPORT char *strndup(const char *s, size_t n)
{
	return dup_n(__builtin_return_address(0), s, n);
}

EXPORT void failmalloc_arm(unsigned long at, int stick)
{
	take();
	memset(table, 0, sizeof(table));
	counted = injected = nlive = live_bytes = overflow = 0;
	memset(&failed_site, 0, sizeof(failed_site));
	fail_at = at;
	sticky = stick;
	give();
}

EXPORT void failmalloc_report(struct failmalloc_report *r)
{
	memset(r, 0, sizeof(*r));
	take();
	r->counted = counted;
	r->injected = injected;
	r->failed = failed_site;
	r->live = nlive;
	r->live_bytes = live_bytes;
	r->table_overflow = overflow;
	size_t k = 0;
	for (size_t i = 0; i < TABLE_SIZE && k < FAILMALLOC_MAX_LEAKS; i++) {
		if (table[i].p && table[i].p != TOMB)
			r->leaks[k++] = table[i].site;
	}
	give();
}
