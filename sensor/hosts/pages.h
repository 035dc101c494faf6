/* Zeroed memory for the hosts table's fixed parts (private to sensor/hosts),
 * mapped straight from the kernel: pages cost nothing until a table entry
 * is first written, and creating a large table is one system call (no
 * allocator bookkeeping proportional to its size, which matters when
 * fuzzers and tests create a table per input). */
#ifndef SIGHTLINE_HOSTS_PAGES_H
#define SIGHTLINE_HOSTS_PAGES_H

#include <stddef.h>
#include <sys/mman.h>

/* n bytes of zeroed memory, or NULL (also for n == 0).  Free with sl_pages_free(p, n). */
static inline void *sl_pages_alloc(size_t n)
{
	if (n == 0)
		return NULL;
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Accepts NULL. */
static inline void sl_pages_free(void *p, size_t n)
{
	if (p)
		munmap(p, n);
}

#endif
