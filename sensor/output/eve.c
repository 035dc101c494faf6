/* EVE JSON lines to a file or stdout.  The writer keeps its own buffer and
 * counts the lines in it, so when a write fails (disk full, closed pipe) it
 * knows exactly how many events were lost; losses are counted and reported,
 * never fatal. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sightline/eve.h"

#define EVE_BUF (1u << 16)

struct sl_eve {
	int fd;
	bool is_stdout;
	char *path;
	char *buf;
	size_t len;
	uint64_t pending;   /* lines in buf */
	struct sl_eve_stats st;
};

int sl_eve_open(const char *path, struct sl_eve **out, char *err, size_t errlen)
{
	struct sl_eve *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->is_stdout = strcmp(path, "-") == 0;
	e->fd = e->is_stdout ? STDOUT_FILENO : open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (e->fd < 0) {
		int rc = -errno;
		snprintf(err, errlen, "%s: cannot open the EVE output: %s; %s", path, strerror(errno),
			 errno == ENOENT ? "create the directory first or choose another path with -o"
					 : "check permissions or choose another path with -o");
		free(e);
		return rc;
	}
	e->path = strdup(path);
	e->buf = malloc(EVE_BUF);
	if (!e->path || !e->buf) {
		sl_eve_close(e);
		return -ENOMEM;
	}
	*out = e;
	return 0;
}

/* write(2) all of [p, p+n), retrying on EINTR and partial writes. */
static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Push the buffer out; on failure its lines are counted as lost. */
void sl_eve_flush(struct sl_eve *e)
{
	if (!e || !e->len)
		return;
	int rc = write_all(e->fd, e->buf, e->len);
	if (rc < 0) {
		e->st.write_errors += e->pending;
		e->st.last_errno = -rc;
	} else {
		e->st.bytes += e->len;
	}
	e->len = 0;
	e->pending = 0;
}

bool sl_eve_write(struct sl_eve *e, const char *line, size_t len)
{
	uint64_t lost = e->st.write_errors;
	e->st.events++;
	if (e->len + len + 1 > EVE_BUF)
		sl_eve_flush(e);
	if (len + 1 > EVE_BUF) { /* longer than the buffer: write it through */
		int rc = write_all(e->fd, line, len);
		if (rc == 0)
			rc = write_all(e->fd, "\n", 1);
		if (rc < 0) {
			e->st.write_errors++;
			e->st.last_errno = -rc;
		} else {
			e->st.bytes += len + 1;
		}
		return e->st.write_errors == lost;
	}
	memcpy(e->buf + e->len, line, len);
	e->buf[e->len + len] = '\n';
	e->len += len + 1;
	e->pending++;
	return e->st.write_errors == lost;
}

const char *sl_eve_path(const struct sl_eve *e)
{
	return e->path;
}

const struct sl_eve_stats *sl_eve_stats(const struct sl_eve *e)
{
	return &e->st;
}

void sl_eve_close(struct sl_eve *e)
{
	if (!e)
		return;
	if (e->buf)
		sl_eve_flush(e);
	if (!e->is_stdout && e->fd >= 0)
		close(e->fd);
	free(e->buf);
	free(e->path);
	free(e);
}
