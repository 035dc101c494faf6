/* The file and stdout transports: lines collected in a 64 KiB buffer and
 * appended with write(2).  The buffer's line count makes losses exact: when
 * a write fails (disk full, closed pipe) those lines are counted as lost,
 * never fatal.  A file is reopened on SIGHUP so logrotate can move it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output_priv.h"

#define FILE_BUF (1u << 16)

struct file_tr {
	char *path;
	bool is_stdout;
	int fd;
	char *buf;
	size_t len;
	uint64_t pending; /* lines in buf */
};

static int file_connect(void *t, char *err, size_t errlen)
{
	struct file_tr *f = t;
	if (f->is_stdout) {
		f->fd = STDOUT_FILENO;
		return 0;
	}
	f->fd = open(f->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (f->fd >= 0)
		return 0;
	int e = errno;
	snprintf(err, errlen, "%s: cannot open the EVE output: %s; %s", f->path, strerror(e),
		 e == ENOENT ? "create the directory first or choose another path with -o"
			     : "check permissions or choose another path with -o");
	return -e;
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

static bool file_flush(void *t, struct sl_tx *tx)
{
	struct file_tr *f = t;
	if (!f->len)
		return false;
	int rc = write_all(f->fd, f->buf, f->len);
	if (rc < 0) {
		tx->lost += f->pending;
		tx->err = -rc;
	} else {
		tx->delivered += f->pending;
	}
	f->len = 0;
	f->pending = 0;
	return false;
}

/* A file never refuses a line: a failed write loses it (counted). */
static int file_send(void *t, const char *line, size_t len, struct sl_tx *tx)
{
	struct file_tr *f = t;
	if (f->len + len + 1 > FILE_BUF)
		file_flush(f, tx);
	if (len + 1 > FILE_BUF) { /* longer than the buffer: write it through */
		int rc = write_all(f->fd, line, len);
		if (rc == 0)
			rc = write_all(f->fd, "\n", 1);
		tx->delivered += rc == 0;
		tx->lost += rc < 0;
		tx->err = rc < 0 ? -rc : tx->err;
		return 0;
	}
	memcpy(f->buf + f->len, line, len);
	f->buf[f->len + len] = '\n';
	f->len += len + 1;
	f->pending++;
	return 0;
}

static void file_disconnect(void *t, struct sl_tx *tx)
{
	struct file_tr *f = t;
	file_flush(f, tx);
	if (!f->is_stdout && f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

static void file_destroy(void *t)
{
	struct file_tr *f = t;
	free(f->path);
	free(f->buf);
	free(f);
}

static const struct sl_transport_ops file_ops = {
	.connect = file_connect, .send = file_send, .flush = file_flush,
	.disconnect = file_disconnect, .destroy = file_destroy, .reopen = true,
};
static const struct sl_transport_ops stdout_ops = {
	.connect = file_connect, .send = file_send, .flush = file_flush,
	.disconnect = file_disconnect, .destroy = file_destroy, .reopen = false,
};

static int open_file(const struct sl_output_entry *cfg, void **state, char *err, size_t errlen)
{
	bool is_stdout = cfg->type == SL_OUT_STDOUT || strcmp(cfg->path, "-") == 0;
	struct file_tr *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->fd = -1;
	f->is_stdout = is_stdout;
	f->path = strdup(is_stdout ? "-" : cfg->path);
	f->buf = malloc(FILE_BUF);
	if (!f->path || !f->buf) {
		file_destroy(f);
		return -ENOMEM;
	}
	/* A path that cannot be opened is a start-up error, queue or not. */
	struct sl_tx tx = { 0 };
	int rc = file_connect(f, err, errlen);
	if (rc < 0) {
		file_destroy(f);
		return rc;
	}
	file_disconnect(f, &tx);
	return sl_channel_open(is_stdout ? &stdout_ops : &file_ops, f, is_stdout ? "stdout" : "file",
			       is_stdout ? "stdout" : cfg->path, cfg, state, err, errlen);
}

const struct sl_output_ops sl_output_file = {
	"file", open_file, sl_channel_write, sl_channel_reopen, sl_channel_flush,
	sl_channel_sync, sl_channel_stats, sl_channel_drain, sl_channel_close,
};
const struct sl_output_ops sl_output_stdout = {
	"stdout", open_file, sl_channel_write, sl_channel_reopen, sl_channel_flush,
	sl_channel_sync, sl_channel_stats, sl_channel_drain, sl_channel_close,
};
