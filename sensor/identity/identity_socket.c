/* A unix socket a collector pushes sign-in records to (unix(7)): a stream
 * socket takes up to ID_MAX_CLIENTS connections, one record per line; a
 * datagram socket one record per datagram (rsyslog omuxsock writes so). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "identity_priv.h"

struct client {
	int fd;
	struct id_lines lb;
};

struct sock {
	int fd;                 /* the listener or the datagram socket */
	int type;               /* SOCK_STREAM or SOCK_DGRAM */
	struct client cl[ID_MAX_CLIENTS];
	size_t n, rr;           /* connections, and the one served next */
	struct id_lines dg;     /* the datagram being taken apart */
	uint64_t number;        /* number of the next record (messages) */
	bool bound;             /* the socket file is ours to remove */
	bool refused_said;
};

static void drop_client(struct sock *k, size_t i)
{
	close(k->cl[i].fd);
	sl_id_lines_finish(&k->cl[i].lb);
	k->cl[i] = k->cl[--k->n];
	memset(&k->cl[k->n], 0, sizeof(k->cl[k->n]));
	if (k->rr >= k->n)
		k->rr = 0;
}

/* Take every pending connection; beyond the limit they are closed and
 * counted, so a runaway collector cannot exhaust descriptors. */
static void accept_all(struct sl_identity_source *s)
{
	struct sock *k = s->impl;
	int fd;
	while ((fd = accept4(k->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (k->n == ID_MAX_CLIENTS) {
			close(fd);
			s->st.refused++;
			if (!k->refused_said)
				sl_id_notice(s, "more than %d collectors connected at once; the others "
					     "are closed and counted", ID_MAX_CLIENTS);
			k->refused_said = true;
			continue;
		}
		k->cl[k->n++] = (struct client){ .fd = fd };
		s->st.connections++;
	}
}

/* Read what connection i has until a line is complete or nothing is
 * left; false when it closed (its last line, if any, became the current
 * unit). */
static bool read_client(struct sl_identity_source *s, size_t i, bool *fed)
{
	struct sock *k = s->impl;
	struct client *c = &k->cl[i];
	ssize_t got;
	*fed = false;
	for (;;) {
		char *room = sl_id_lines_room(&c->lb, ID_READ_CHUNK);
		got = room ? recv(c->fd, room, ID_READ_CHUNK, MSG_DONTWAIT) : -1;
		if (got <= 0)
			break;
		sl_id_lines_commit(&c->lb, (size_t)got);
		s->st.bytes += (uint64_t)got;
		if ((*fed = sl_id_lines_next(s, &c->lb, &k->number, false)))
			return true;
	}
	if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return true;
	if (got < 0)
		s->st.read_errors++;
	*fed = sl_id_lines_next(s, &c->lb, &k->number, true);
	drop_client(k, i);
	return false;
}

/* One line from some connection, served in turn. */
static bool stream_unit(struct sl_identity_source *s)
{
	struct sock *k = s->impl;
	bool fed;
	accept_all(s);
	for (size_t tried = 0; tried < k->n; tried++) {
		size_t i = (k->rr + tried) % k->n;
		if (sl_id_lines_next(s, &k->cl[i].lb, &k->number, false) ||
		    !read_client(s, i, &fed) || fed) {
			k->rr = k->n ? (i + 1) % k->n : 0;
			return true; /* a unit, or a closed connection: look again */
		}
	}
	return false;
}

/* One line of the current datagram, or the next datagram. */
static bool dgram_unit(struct sl_identity_source *s)
{
	struct sock *k = s->impl;
	if (sl_id_lines_next(s, &k->dg, &k->number, true))
		return true;
	size_t cap = (size_t)s->opts.max_record + 2;
	char *room = sl_id_lines_room(&k->dg, cap);
	if (!room)
		return false;
	/* MSG_TRUNC: the datagram's real length, to tell a cut one */
	ssize_t got = recv(k->fd, room, cap - 1, MSG_DONTWAIT | MSG_TRUNC);
	if (got < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			s->st.read_errors++;
		return false;
	}
	s->st.bytes += (uint64_t)got;
	if ((size_t)got > s->opts.max_record) {
		struct id_problem pb = { .why = SL_IDENTITY_BAD_TOO_LONG };
		snprintf(pb.text, sizeof(pb.text), "datagram of %zd bytes, more than "
			 "identity.max_record (%u)", got, s->opts.max_record);
		sl_id_bad(s, k->number++, &pb);
		return true;
	}
	sl_id_lines_commit(&k->dg, (size_t)got);
	return true;
}

static int socket_fill(struct sl_identity_source *s, struct sl_signin *out)
{
	struct sock *k = s->impl;
	for (;;) {
		if (sl_id_unit_take(s, out))
			return 1;
		if (!(k->type == SOCK_STREAM ? stream_unit(s) : dgram_unit(s)))
			return 0;
	}
}

static size_t socket_pollfds(const struct sl_identity_source *s, struct pollfd *fds, size_t max)
{
	const struct sock *k = s->impl;
	size_t n = 0;
	if (n < max)
		fds[n++] = (struct pollfd){ .fd = k->fd, .events = POLLIN };
	for (size_t i = 0; i < k->n && n < max; i++)
		fds[n++] = (struct pollfd){ .fd = k->cl[i].fd, .events = POLLIN };
	return n;
}

static void socket_destroy(struct sl_identity_source *s)
{
	struct sock *k = s->impl;
	if (!k)
		return;
	while (k->n)
		drop_client(k, k->n - 1);
	sl_id_lines_finish(&k->dg);
	if (k->fd >= 0)
		close(k->fd);
	if (k->bound)
		unlink(s->file);
	free(k);
	s->impl = NULL;
}

static const struct id_ops stream_ops = {
	.kind = "stream socket",
	.fill = socket_fill,
	.pollfds = socket_pollfds,
	.destroy = socket_destroy,
};

static const struct id_ops dgram_ops = {
	.kind = "datagram socket",
	.fill = socket_fill,
	.pollfds = socket_pollfds,
	.destroy = socket_destroy,
};

/*
 * A socket file left by a process that died is replaced; one that answers
 * belongs to a running process (another sensor), and any other kind of file
 * is not ours to delete.
 */
static int clear_path(const char *path, int type, const struct sockaddr_un *sa, char *err,
		      size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s: exists and is not a socket; remove it or give another "
			 "socket path", path);
		return -EEXIST;
	}
	int probe = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	int rc = connect(probe, (const struct sockaddr *)sa, sizeof(*sa)) == 0 ? -EADDRINUSE
		 : errno == ECONNREFUSED ? 0 : -errno;
	close(probe);
	if (rc == -EADDRINUSE)
		snprintf(err, errlen, "%s: another process is listening on this socket (a second "
			 "sensor?); give each sensor its own socket path", path);
	else if (rc == 0 && unlink(path) < 0)
		rc = -errno;
	return rc;
}

static int bind_socket(struct sl_identity_source *s, struct sock *k, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(s->file) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: socket path longer than %zu bytes", s->file,
			 sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, s->file, strlen(s->file));
	int rc = clear_path(s->file, k->type, &sa, err, errlen);
	if (rc < 0)
		return rc;
	k->fd = socket(AF_UNIX, k->type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (k->fd < 0 || bind(k->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	k->bound = true;
	if (k->type == SOCK_STREAM && listen(k->fd, ID_MAX_CLIENTS) < 0)
		return -errno;
	return 0;
}

int sl_id_socket_open(struct sl_identity_source *s, enum sl_identity_socket_type type,
		      char *err, size_t errlen)
{
	struct sock *k = calloc(1, sizeof(*k));
	if (!k)
		return snprintf(err, errlen, "%s: out of memory", s->file), -ENOMEM;
	k->fd = -1;
	k->number = 1;
	k->type = type == SL_IDENTITY_SOCK_DGRAM ? SOCK_DGRAM : SOCK_STREAM;
	s->impl = k;
	s->ops = type == SL_IDENTITY_SOCK_DGRAM ? &dgram_ops : &stream_ops;
	err[0] = '\0';
	int rc = bind_socket(s, k, err, errlen);
	if (rc < 0 && !err[0])
		snprintf(err, errlen, "%s: cannot create the sign-in socket: %s", s->file,
			 strerror(-rc));
	return rc;
}
