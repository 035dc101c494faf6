/* A sign-in file followed as it grows, like tail -F: a file that does not
 * exist yet is waited for; when the path names a new file (rotation by
 * rename, or delete and create) the rest of the old one is read first; a
 * file cut short in place (copytruncate) is read again from its start. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "identity_priv.h"

struct follow {
	int fd;                   /* -1 while the file does not exist */
	dev_t dev;
	ino_t ino;
	off_t pos;                /* bytes read from the current file */
	struct id_lines lb;
	uint64_t line;            /* number of the next line to take */
	bool rotating;            /* the path names a new file: finish the old one */
	bool waiting_said;
};

/* Read what the current file has beyond pos.  Returns bytes read (0 at
 * its end or on an error, which is counted and said). */
static size_t read_more(struct sl_identity_source *s)
{
	struct follow *f = s->impl;
	if (f->fd < 0)
		return 0;
	for (;;) {
		char *room = sl_id_lines_room(&f->lb, ID_READ_CHUNK);
		ssize_t got = room ? read(f->fd, room, ID_READ_CHUNK) : -1;
		if (got > 0) {
			sl_id_lines_commit(&f->lb, (size_t)got);
			f->pos += got;
			s->st.bytes += (uint64_t)got;
			return (size_t)got;
		}
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			s->st.read_errors++;
			sl_id_notice(s, "read failed: %s", room ? strerror(errno) : "out of memory");
		}
		return 0;
	}
}

/* Count the lines of what the file holds and stand at its end (start:
 * end), so later messages still give true line numbers. */
static void skip_existing(struct sl_identity_source *s)
{
	struct follow *f = s->impl;
	char buf[ID_READ_CHUNK], last = '\n';
	ssize_t got;
	while ((got = read(f->fd, buf, sizeof(buf))) > 0 || (got < 0 && errno == EINTR)) {
		for (ssize_t i = 0; i < got; i++)
			f->line += buf[i] == '\n';
		if (got > 0)
			last = buf[got - 1];
		f->pos += got > 0 ? got : 0;
	}
	/* the line being written when we started is not whole: drop it */
	f->lb.skipping = last != '\n';
}

/* Open the path as the current file.  Returns 0, -ENOENT (not there yet)
 * or another negative errno. */
static int open_current(struct sl_identity_source *s, bool at_end)
{
	struct follow *f = s->impl;
	struct stat st;
	int fd = open(s->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int e = fstat(fd, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
	if (e) {
		close(fd);
		return -e;
	}
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->pos = 0;
	f->line = 1;
	sl_id_lines_reset(&f->lb);
	if (at_end)
		skip_existing(s);
	return 0;
}

/* The old file is done (rotated away): its last line, even without a
 * newline, is a record; then the new file from its start. */
static void finish_rotation(struct sl_identity_source *s)
{
	struct follow *f = s->impl;
	/* at most a partial line is left: the caller takes its unit next */
	sl_id_lines_next(s, &f->lb, &f->line, true);
	close(f->fd);
	f->fd = -1;
	f->rotating = false;
	s->st.rotations++;
}

/*
 * At the end of the current file: has the path changed?  Returns true when
 * there may be more to read (a new file, a truncated one, the old file
 * still to drain), false when nothing has changed.
 */
static bool check_path(struct sl_identity_source *s)
{
	struct follow *f = s->impl;
	struct stat st;
	if (stat(s->file, &st) < 0) {
		if (f->fd < 0 && !f->waiting_said) {
			f->waiting_said = true;
			sl_id_notice(s, "%s; waiting for it to appear", strerror(errno));
		}
		return false; /* renamed away and not yet replaced: keep the old one */
	}
	if (f->fd < 0) {
		int rc = open_current(s, false); /* new: everything in it is news */
		if (rc < 0 && !f->waiting_said) {
			f->waiting_said = true;
			sl_id_notice(s, "cannot open: %s; trying again at each poll", strerror(-rc));
		}
		if (rc == 0)
			f->waiting_said = false;
		return rc == 0;
	}
	if (st.st_dev != f->dev || st.st_ino != f->ino) {
		if (!f->rotating) {
			f->rotating = true; /* one more read of the old file first */
			return true;
		}
		finish_rotation(s);
		return true;
	}
	if (st.st_size < f->pos) {
		lseek(f->fd, 0, SEEK_SET);
		f->pos = 0;
		f->line = 1;
		sl_id_lines_reset(&f->lb);
		s->st.truncations++;
		return true;
	}
	return false;
}

static int follow_fill(struct sl_identity_source *s, struct sl_signin *out)
{
	struct follow *f = s->impl;
	for (;;) {
		if (sl_id_unit_take(s, out))
			return 1;
		if (sl_id_lines_next(s, &f->lb, &f->line, false))
			continue;
		if (read_more(s) > 0)
			continue;
		if (!check_path(s) && !s->unit)
			return 0;
	}
}

static void follow_destroy(struct sl_identity_source *s)
{
	struct follow *f = s->impl;
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	sl_id_lines_finish(&f->lb);
	free(f);
	s->impl = NULL;
}

static const struct id_ops follow_ops = {
	.kind = "followed file",
	.fill = follow_fill,
	.destroy = follow_destroy,
};

int sl_id_follow_open(struct sl_identity_source *s, enum sl_identity_start start,
		      char *err, size_t errlen)
{
	struct follow *f = calloc(1, sizeof(*f));
	if (!f)
		return snprintf(err, errlen, "%s: out of memory", s->file), -ENOMEM;
	f->fd = -1;
	f->line = 1;
	s->impl = f;
	s->ops = &follow_ops;
	int rc = open_current(s, start == SL_IDENTITY_START_END);
	if (rc == -ENOENT) {
		f->waiting_said = true;
		sl_id_notice(s, "does not exist yet; waiting for it to appear");
		return 0;
	}
	if (rc < 0)
		snprintf(err, errlen, "%s: cannot follow the sign-in log: %s", s->file, strerror(-rc));
	return rc;
}
