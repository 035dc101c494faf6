/* The read buffer under the capture-file readers (pcapfile.c, pcapng.c):
 * records are parsed in place, so no record is copied on its way to the
 * engine.  A regular file is read through private mapped windows that
 * advance with the reader (the kernel's copy into a buffer was 12-20 % of a
 * replay's CPU); the lines ahead of the reader are prefetched, which is
 * what made mapping pay: the copy had warmed the cache for the decoder.
 * A file cut shorter while a window of it is mapped would raise SIGBUS on
 * the next touch of a lost page: a guard, installed while windows are
 * mapped, puts zero pages there and marks the read cut, and the reader
 * ends at the cut as the pread(2) path would.  When no window can be
 * mapped, a growing buffer filled by pread(2), one megabyte a call. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_priv.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14; older kernels refuse it, and faults map instead */
#endif

/* Bytes of the file mapped at a time (0: pread only); tests set less. */
static size_t window_bytes = SL_FILEBUF_WINDOW;

void sl_filebuf_test_window(size_t bytes)
{
	window_bytes = bytes;
}

/* The SIGBUS guard: installed while any thread has a window mapped. */
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned guard_users;
static struct sigaction guard_prev;
static uintptr_t page_mask;
static _Thread_local struct sl_filebuf *guarded; /* this thread's mapped reader */

/* A fault that is not ours goes where it went before: the previous
 * handler, or the default action (the fault repeats and ends the process). */
static void guard_pass(int sig, siginfo_t *si, void *ctx)
{
	if ((guard_prev.sa_flags & SA_SIGINFO) && guard_prev.sa_sigaction) {
		guard_prev.sa_sigaction(sig, si, ctx);
	} else if (guard_prev.sa_handler != SIG_DFL && guard_prev.sa_handler != SIG_IGN) {
		guard_prev.sa_handler(sig);
	} else {
		struct sigaction dfl = { .sa_handler = SIG_DFL };
		sigaction(sig, &dfl, NULL);
	}
}

/* A page of this thread's window is gone (the file was cut, or its read
 * failed): zero pages from there to the window's end, so the faulting
 * read goes on with zeros, and the reader told where. */
static void guard_fault(int sig, siginfo_t *si, void *ctx)
{
	struct sl_filebuf *b = guarded;
	uintptr_t a = (uintptr_t)si->si_addr, lo = b ? (uintptr_t)b->buf : 0;
	if (b && b->mapped && lo && a >= lo && a < lo + b->maplen) {
		uintptr_t page = a & page_mask;
		if (mmap((void *)page, lo + b->maplen - page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
			b->cut_at = b->file_off + (page - lo);
			b->cut = 1;
			return;
		}
	}
	guard_pass(sig, si, ctx);
}

/* Arm the guard for b on this thread; false when this thread already
 * reads another mapped file (b then uses pread) or sigaction fails. */
static bool guard_arm(struct sl_filebuf *b)
{
	if (b->guarding)
		return true;
	if (guarded)
		return false;
	pthread_mutex_lock(&guard_lock);
	bool ok = true;
	if (guard_users == 0) {
		struct sigaction sa = { .sa_sigaction = guard_fault, .sa_flags = SA_SIGINFO };
		sigemptyset(&sa.sa_mask);
		page_mask = ~(uintptr_t)(b->page - 1);
		ok = sigaction(SIGBUS, &sa, &guard_prev) == 0;
	}
	guard_users += ok;
	pthread_mutex_unlock(&guard_lock);
	b->guarding = ok;
	if (ok)
		guarded = b;
	return ok;
}

static void guard_disarm(struct sl_filebuf *b)
{
	if (!b->guarding)
		return;
	if (guarded == b)
		guarded = NULL;
	pthread_mutex_lock(&guard_lock);
	if (--guard_users == 0)
		sigaction(SIGBUS, &guard_prev, NULL);
	pthread_mutex_unlock(&guard_lock);
	b->guarding = false;
}

int sl_filebuf_open(struct sl_filebuf *b, const char *path, size_t cap, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->fd = open(path, O_RDONLY | O_CLOEXEC);
	b->opened = b->fd >= 0;
	struct stat st;
	if (b->fd < 0 || fstat(b->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		sl_filebuf_close(b);
		return -1;
	}
	b->first = cap; /* allocated by the first fill: a file looked at and refused costs none */
	b->max = max > cap ? max : cap;
	b->size = (uint64_t)st.st_size;
	b->mapped = window_bytes > 0;
	b->page = (uint64_t)sysconf(_SC_PAGESIZE);
	posix_fadvise(b->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return 0;
}

/* Drop the mapped window; what is held from pos on is then nothing. */
static void unmap(struct sl_filebuf *b)
{
	if (b->buf)
		munmap(b->buf, b->maplen);
	b->buf = NULL;
	b->maplen = 0;
	b->len = 0;
	b->file_off = b->pos;
}

/* No window can be had: read the rest of the file with pread. */
static void to_pread(struct sl_filebuf *b)
{
	unmap(b);
	guard_disarm(b);
	b->mapped = false;
}

/*
 * Map the window holding [pos, pos + need): from pos's page for
 * window_bytes (or need, if that ends later), but not past the end of the
 * file as fstat(2) tells it now, so a file still being written is read on
 * as it grows (as pread would).  eof when the file ends before need.
 * Returns the bytes held at pos, or -1 (mmap failed: use pread).
 */
static long map_window(struct sl_filebuf *b, size_t need)
{
	uint64_t base = b->pos & (uint64_t)page_mask, end = base + window_bytes;
	struct stat st;
	if (end < b->pos + need)
		end = b->pos + need;
	if (end > b->size && fstat(b->fd, &st) == 0)
		b->size = (uint64_t)st.st_size;
	if (end > b->size)
		end = b->size;
	unmap(b);
	if (end <= b->pos) {
		b->eof = true;
		return 0;
	}
	size_t maplen = (size_t)((end - base + ~page_mask) & page_mask);
	/* Private and writable: pcapng.c swaps a byte-swapped NFLOG record's
	 * TLVs in place, and a page written is then copied, not the file. */
	void *m = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE, b->fd, (off_t)base);
	if (m == MAP_FAILED)
		return -1;
	madvise(m, maplen, MADV_POPULATE_READ); /* one call, not a fault per 64 kB */
	b->buf = m;
	b->maplen = maplen;
	b->file_off = base;
	b->len = (size_t)(end - base);
	b->ahead = b->pos;
	b->eof = end < b->pos + need;
	return (long)(end - b->pos);
}

/* The file ends at end for this reader (eof): the window holds nothing
 * past it.  Returns the bytes left at pos. */
static size_t end_at(struct sl_filebuf *b, uint64_t end)
{
	if (end < b->pos)
		end = b->pos;
	if (end < b->file_off + b->len)
		b->len = (size_t)(end - b->file_off);
	b->eof = true;
	return b->len - (size_t)(b->pos - b->file_off);
}

/*
 * The guard put zero pages from b->cut_at on: the file ends there (or at
 * its new size, if that is less).  A file whose size did not drop below
 * the lost page lost it to a read error: read_error, as pread would have
 * reported it.
 */
static size_t cut(struct sl_filebuf *b)
{
	struct stat st;
	uint64_t end = b->cut_at;
	b->cut = 0;
	if (fstat(b->fd, &st) == 0 && (uint64_t)st.st_size <= end) {
		end = (uint64_t)st.st_size;
	} else {
		b->read_error = true;
		b->read_errno = EIO;
	}
	return end_at(b, end);
}

size_t sl_filebuf_confirm(struct sl_filebuf *b, size_t need, size_t have)
{
	struct stat st;
	if (b->cut)
		return cut(b);
	if (fstat(b->fd, &st) != 0 || (uint64_t)st.st_size >= b->pos + need)
		return have;
	return end_at(b, (uint64_t)st.st_size);
}

/* The mapped path of sl_filebuf_fill(). */
static size_t fill_mapped(struct sl_filebuf *b, size_t need)
{
	size_t have = b->len - (size_t)(b->pos - b->file_off);
	if (have >= need || b->eof)
		return need && have >= need ? sl_filebuf_present(b, need, have) : have;
	if (b->cut) /* a fault under the engine cut the window */
		return cut(b);
	if (!guard_arm(b)) {
		to_pread(b);
		return sl_filebuf_fill(b, need);
	}
	long got = map_window(b, need);
	if (got < 0) {
		to_pread(b);
		return sl_filebuf_fill(b, need);
	}
	have = (size_t)got;
	return need && have >= need ? sl_filebuf_present(b, need, have) : have;
}

/* Room for need bytes from the start of the buffer: grow up to b->max. */
static bool room(struct sl_filebuf *b, size_t need)
{
	if (need <= b->cap)
		return true;
	if (need > b->max)
		return false;
	size_t cap = b->cap ? b->cap : b->first;
	while (cap < need)
		cap = cap * 2 > b->max ? b->max : cap * 2;
	uint8_t *nb = realloc(b->buf, cap);
	if (!nb)
		return false;
	b->buf = nb;
	b->cap = cap;
	return true;
}

size_t sl_filebuf_fill(struct sl_filebuf *b, size_t need)
{
	if (b->mapped)
		return fill_mapped(b, need);
	size_t have = b->len - (size_t)(b->pos - b->file_off);
	if (have >= need || b->eof)
		return have;
	if (have)
		memmove(b->buf, b->buf + (b->pos - b->file_off), have);
	b->file_off = b->pos;
	b->len = have;
	if (!room(b, need > b->first ? need : b->first))
		return have;
	while (b->len < need && !b->eof) {
		ssize_t n = pread(b->fd, b->buf + b->len, b->cap - b->len,
				  (off_t)(b->file_off + b->len));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			b->eof = true;
			b->read_error = n < 0;
			b->read_errno = n < 0 ? errno : 0;
		} else {
			b->len += (size_t)n;
		}
	}
	return b->len;
}

void sl_filebuf_close(struct sl_filebuf *b)
{
	if (b->opened)
		close(b->fd);
	if (b->mapped)
		unmap(b);
	else
		free(b->buf);
	guard_disarm(b);
	memset(b, 0, sizeof(*b));
}
