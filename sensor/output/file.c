/* The file and stdout transports: lines collected in a 64 KiB buffer and
 * appended with write(2).  The buffer's line count makes losses exact: when
 * a write fails (disk full, closed pipe) the lines that reached the file
 * whole are delivered, the rest are counted as lost, never fatal, and a line
 * cut short is taken back off the file so the next event starts on a line
 * of its own.  A file is reopened on SIGHUP so logrotate can move it; the
 * old one is let go only once the new one is open. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output_priv.h"

#define FILE_BUF (1u << 16)

struct file_tr {
	char *path;
	char *reopen_path;   /* after the privilege drop, as the process sees it; NULL: path */
	char user[64];       /* the user it runs as after the drop, for messages */
	pthread_mutex_t mu;  /* guards reopen_path and user (set from the main thread) */
	bool is_stdout;
	int fd;
	char *buf;
	size_t len;
	uint64_t pending; /* lines in buf */
	bool torn;        /* the file ends inside a line that could not be cut off */
};

static int file_connect(void *t, char *err, size_t errlen)
{
	struct file_tr *f = t;
	if (f->is_stdout) {
		f->fd = STDOUT_FILENO;
		return 0;
	}
	pthread_mutex_lock(&f->mu);
	const char *path = f->reopen_path ? f->reopen_path : f->path;
	f->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	struct stat st;
	if (f->fd >= 0 && f->torn && fstat(f->fd, &st) == 0 && st.st_size == 0)
		f->torn = false; /* a new file (rotated): nothing to finish */
	int e = errno;
	if (f->fd < 0)
		snprintf(err, errlen, "%s: cannot open the EVE output: %s; %s", path, strerror(e),
			 e == ENOENT ? "create the directory first or choose another path with -o"
				     : "check permissions or choose another path with -o");
	pthread_mutex_unlock(&f->mu);
	return f->fd >= 0 ? 0 : -e;
}

/* write(2) all of [p, p+n), retrying on EINTR and partial writes; *done
 * says how much reached the file, also when it fails. */
static int write_all(int fd, const char *p, size_t n, size_t *done)
{
	*done = 0;
	while (*done < n) {
		ssize_t w = write(fd, p + *done, n - *done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		*done += (size_t)w;
	}
	return 0;
}

/*
 * A write stopped `partial` bytes into a line.  Left there, the next event
 * would be appended to it and both would be lost to a JSON reader, so cut
 * the fragment off: only when the descriptor's position is the end of the
 * file (nobody else wrote or truncated it since), and then seek there too,
 * for a descriptor without O_APPEND (stdout redirected with >).  Where it
 * cannot be cut (a pipe, a terminal, a file that moved on), the next write
 * starts with a newline instead: the fragment stays a line of its own.
 */
static void cut_partial(struct file_tr *f, size_t partial)
{
	struct stat st;
	if (partial == 0)
		return;
	off_t pos = lseek(f->fd, 0, SEEK_CUR);
	if (pos >= (off_t)partial && fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size == pos && ftruncate(f->fd, pos - (off_t)partial) == 0 &&
	    lseek(f->fd, pos - (off_t)partial, SEEK_SET) >= 0)
		return;
	f->torn = true;
}

/* Append [p, p+n): `lines` whole lines, each ending in a newline.  Lines
 * that reached the file whole are delivered; on a failure the rest are
 * lost and a line cut short is taken back. */
static void append_lines(struct file_tr *f, const char *p, size_t n, uint64_t lines,
			 struct sl_tx *tx)
{
	size_t done = 0;
	int rc = f->torn ? write_all(f->fd, "\n", 1, &done) : 0;
	f->torn = f->torn && rc < 0;
	if (rc == 0)
		rc = write_all(f->fd, p, n, &done);
	if (rc == 0) {
		tx->delivered += lines;
		return;
	}
	const char *end = p + done, *whole = p;
	uint64_t complete = 0;
	for (const char *q = p; q < end && (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++) {
		complete++;
		whole = q + 1;
	}
	tx->delivered += complete;
	tx->lost += lines - complete;
	tx->err = -rc;
	cut_partial(f, (size_t)(end - whole));
}

static int file_flush(void *t, struct sl_tx *tx)
{
	struct file_tr *f = t;
	if (!f->len)
		return 0;
	append_lines(f, f->buf, f->len, f->pending, tx);
	f->len = 0;
	f->pending = 0;
	return 0;
}

/* A file never refuses a line: a failed write loses it (counted). */
static int file_send(void *t, const char *line, size_t len, struct sl_tx *tx)
{
	struct file_tr *f = t;
	if (f->len + len + 1 > FILE_BUF)
		file_flush(f, tx);
	if (len + 1 > FILE_BUF) { /* longer than the buffer: written by itself, rare */
		char *one = malloc(len + 1);
		if (!one) {
			tx->lost++;
			tx->err = ENOMEM;
			return 0;
		}
		memcpy(one, line, len);
		one[len] = '\n';
		append_lines(f, one, len + 1, 1, tx);
		free(one);
		return 0;
	}
	memcpy(f->buf + f->len, line, len);
	f->buf[f->len + len] = '\n';
	f->len += len + 1;
	f->pending++;
	return 0;
}

/* What to do about a reopen that failed with errno e, for the message. */
static const char *reopen_hint(int e)
{
	if (e == EACCES || e == EPERM)
		return "let that user create files in the directory (chown it to the user) and have "
		       "logrotate create the new file owned by it (create MODE USER GROUP, or nocreate)";
	if (e == ENOENT)
		return "recreate the directory, writable by the sensor's user";
	return "fix the cause";
}

/* f->mu held.  "PATH: cannot reopen ...; events keep going to ... (now
 * PATH.1); what to do, then send SIGHUP again". */
static void reopen_failed(const struct file_tr *f, const char *path, int e, char *err, size_t errlen)
{
	char link[64], now[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", f->fd);
	ssize_t n = readlink(link, now, sizeof(now) - 1); /* /proc may be hidden by a chroot */
	now[n > 0 ? n : 0] = '\0';
	snprintf(err, errlen, "%s: cannot reopen after SIGHUP%s%s: %s; events keep going to the "
		 "file opened before%s%s%s; %s, then send SIGHUP again", path,
		 f->user[0] ? " as user " : "", f->user, strerror(e), now[0] ? " (now " : "", now,
		 now[0] ? ")" : "", reopen_hint(e));
}

/*
 * SIGHUP (logrotate moved the file): open the new file first and let the
 * old one go only once that worked.  A reopen that fails (the user may not
 * create the file, the directory is gone) then loses nothing: events keep
 * going to the old file, and the caller reports it at once.
 */
static int file_reopen_now(void *t, struct sl_tx *tx, char *err, size_t errlen)
{
	struct file_tr *f = t;
	pthread_mutex_lock(&f->mu);
	const char *path = f->reopen_path ? f->reopen_path : f->path;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int e = errno;
	if (fd < 0)
		reopen_failed(f, path, e, err, errlen);
	pthread_mutex_unlock(&f->mu);
	if (fd < 0)
		return -e;
	file_flush(f, tx); /* lines from before the SIGHUP belong in the old file */
	close(f->fd);
	f->fd = fd;
	struct stat st;
	if (f->torn && fstat(fd, &st) == 0 && st.st_size == 0)
		f->torn = false; /* a new file (rotated): nothing to finish */
	return 0;
}

/* Before the privilege drop: see sl_file_handover(). */
static int file_handover(void *t, const struct sl_priv_target *to, char *err, size_t errlen)
{
	struct file_tr *f = t;
	char *after;
	if (f->is_stdout)
		return 0;
	int rc = sl_file_handover(f->path, to, &after, err, errlen);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&f->mu);
	free(f->reopen_path);
	f->reopen_path = after;
	snprintf(f->user, sizeof(f->user), "%s", to->user);
	pthread_mutex_unlock(&f->mu);
	return 0;
}

static void file_disconnect(void *t, bool final, struct sl_tx *tx)
{
	struct file_tr *f = t;
	(void)final; /* a file keeps nothing back: what is buffered is written now */
	file_flush(f, tx);
	if (!f->is_stdout && f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

static void file_destroy(void *t)
{
	struct file_tr *f = t;
	free(f->path);
	free(f->reopen_path);
	free(f->buf);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

static const struct sl_transport_ops file_ops = {
	.connect = file_connect, .send = file_send, .flush = file_flush,
	.disconnect = file_disconnect, .destroy = file_destroy, .reopen = true,
	.reopen_now = file_reopen_now, .handover = file_handover,
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
	pthread_mutex_init(&f->mu, NULL);
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
	file_disconnect(f, true, &tx);
	return sl_channel_open(is_stdout ? &stdout_ops : &file_ops, f, is_stdout ? "stdout" : "file",
			       is_stdout ? "stdout" : cfg->path, cfg, state, err, errlen);
}

const struct sl_output_ops sl_output_file = {
	"file", open_file, sl_channel_write, sl_channel_reopen, sl_channel_flush,
	sl_channel_sync, sl_channel_stats, sl_channel_drain, sl_channel_close,
	sl_channel_handover,
};
const struct sl_output_ops sl_output_stdout = {
	"stdout", open_file, sl_channel_write, sl_channel_reopen, sl_channel_flush,
	sl_channel_sync, sl_channel_stats, sl_channel_drain, sl_channel_close,
	sl_channel_handover,
};
