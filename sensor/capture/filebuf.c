/* The read buffer under the capture-file readers (pcapfile.c, pcapng.c):
 * records are parsed in place in a large buffer filled by pread(2), one
 * call per megabyte, so no record is copied on its way to the engine. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_priv.h"

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
	posix_fadvise(b->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return 0;
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
	free(b->buf);
	memset(b, 0, sizeof(*b));
}
