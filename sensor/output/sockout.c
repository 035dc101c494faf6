/* Socket outputs: unix-stream (one JSON line per event), unix-dgram (one
 * datagram per event) and syslog per RFC 5424: over UDP one message per
 * datagram (RFC 5426), over TCP with octet-counting framing (RFC 6587
 * section 3.4.1) and delivery counted by the peer's acknowledgements
 * (tcptrack.c), over a unix datagram socket like /dev/log. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "output_priv.h"

enum frame { FRAME_LINE, FRAME_DGRAM, FRAME_OCTETS };

struct sock_tr {
	int fd;
	int socktype;
	bool is_unix;
	bool syslog;
	enum frame frame;
	char *where;          /* path or host:port */
	struct sl_syslog_id id;
	char *buf;            /* the framed message being sent */
	size_t cap;
	bool tracked;         /* TCP syslog: frames held until acknowledged */
	struct sl_tcp_track track;
};

static int sock_connect(void *t, char *err, size_t errlen)
{
	struct sock_tr *s = t;
	int fd = s->is_unix ? sl_sock_unix(s->where, s->socktype, err, errlen)
			    : sl_sock_inet(s->where, s->socktype, err, errlen);
	if (fd < 0)
		return fd;
	s->fd = fd;
	if (s->tracked)
		sl_tcp_track_connected(&s->track, fd);
	return 0;
}

static void sock_disconnect(void *t, bool final, struct sl_tx *tx)
{
	struct sock_tr *s = t;
	if (s->tracked)
		sl_tcp_track_close(&s->track, final, tx);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static void sock_destroy(void *t)
{
	struct sock_tr *s = t;
	if (s->fd >= 0)
		close(s->fd);
	sl_tcp_track_finish(&s->track);
	free(s->where);
	free(s->buf);
	free(s);
}

static bool reserve(struct sock_tr *s, size_t n)
{
	if (n <= s->cap)
		return true;
	char *nb = realloc(s->buf, n);
	if (!nb)
		return false;
	s->buf = nb;
	s->cap = n;
	return true;
}

/* Build the framed message in s->buf; returns its length or 0 (no memory). */
static size_t frame(struct sock_tr *s, const char *line, size_t len)
{
	char hdr[512], pre[24] = "";
	int h = s->syslog ? sl_syslog_header(&s->id, line, len, hdr, sizeof(hdr)) : 0;
	size_t hl = h > 0 ? (size_t)h : 0;
	if (hl >= sizeof(hdr))
		hl = sizeof(hdr) - 1;
	if (s->frame == FRAME_OCTETS)
		snprintf(pre, sizeof(pre), "%zu ", hl + len);
	size_t pl = strlen(pre), total = pl + hl + len + (s->frame == FRAME_LINE);
	if (!reserve(s, total))
		return 0;
	memcpy(s->buf, pre, pl);
	memcpy(s->buf + pl, hdr, hl);
	memcpy(s->buf + pl + hl, line, len);
	if (s->frame == FRAME_LINE)
		s->buf[total - 1] = '\n';
	return total;
}

static int send_dgram(struct sock_tr *s, size_t n, struct sl_tx *tx)
{
	if (send(s->fd, s->buf, n, MSG_NOSIGNAL) == (ssize_t)n) {
		tx->delivered++;
		return 0;
	}
	int e = errno;
	tx->err = e;
	if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS)
		return -EAGAIN;
	if (e == EMSGSIZE) { /* can never fit: lose this one, keep the link */
		tx->lost++;
		return 0;
	}
	return -ENOTCONN;
}

static int sock_send(void *t, const char *line, size_t len, struct sl_tx *tx)
{
	struct sock_tr *s = t;
	size_t n = frame(s, line, len);
	if (n == 0) {
		tx->lost++;
		tx->err = ENOMEM;
		return 0;
	}
	if (s->socktype == SOCK_DGRAM)
		return send_dgram(s, n, tx);
	if (s->tracked)
		return sl_tcp_track_send(&s->track, s->buf, n, tx);
	if (sl_sock_peer_closed(s->fd)) {
		tx->err = EPIPE;
		return -ENOTCONN;
	}
	int rc = sl_sock_send_all(s->fd, s->buf, n);
	if (rc == 0)
		tx->delivered++;
	else
		tx->err = rc == -EAGAIN ? ETIMEDOUT : EPIPE;
	return rc;
}

static int tcp_flush(void *t, struct sl_tx *tx)
{
	return sl_tcp_track_flush(&((struct sock_tr *)t)->track, tx);
}

static int tcp_sync(void *t, uint32_t wait_ms, struct sl_tx *tx)
{
	return sl_tcp_track_sync(&((struct sock_tr *)t)->track, wait_ms, tx);
}

static const struct sl_transport_ops sock_ops = {
	.connect = sock_connect, .send = sock_send, .disconnect = sock_disconnect,
	.destroy = sock_destroy, .reopen = false,
};
static const struct sl_transport_ops tcp_ops = {
	.connect = sock_connect, .send = sock_send, .flush = tcp_flush, .sync = tcp_sync,
	.disconnect = sock_disconnect, .destroy = sock_destroy, .reopen = false,
};

static int open_sock(const struct sl_output_entry *cfg, void **state, char *err, size_t errlen)
{
	static const char *const tnames[] = { "udp", "tcp", "unix" };
	struct sock_tr *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->syslog = cfg->type == SL_OUT_SYSLOG;
	s->is_unix = !s->syslog || cfg->transport == SL_SYSLOG_UNIX;
	s->socktype = cfg->type == SL_OUT_UNIX_STREAM || (s->syslog && cfg->transport == SL_SYSLOG_TCP)
			      ? SOCK_STREAM : SOCK_DGRAM;
	s->frame = cfg->type == SL_OUT_UNIX_STREAM ? FRAME_LINE
		   : s->socktype == SOCK_STREAM ? FRAME_OCTETS : FRAME_DGRAM;
	s->tracked = s->syslog && cfg->transport == SL_SYSLOG_TCP;
	s->track.fd = -1;
	s->where = strdup(s->syslog ? cfg->address : cfg->path);
	if (!s->where) {
		sock_destroy(s);
		return -ENOMEM;
	}
	char dest[300];
	if (s->syslog) {
		sl_syslog_id_init(&s->id, cfg);
		snprintf(dest, sizeof(dest), "%s:%s", tnames[cfg->transport], s->where);
	} else {
		snprintf(dest, sizeof(dest), "%s", s->where);
	}
	const char *type = s->syslog ? "syslog" : s->socktype == SOCK_STREAM ? "unix-stream" : "unix-dgram";
	return sl_channel_open(s->tracked ? &tcp_ops : &sock_ops, s, type, dest, cfg, state, err,
			       errlen);
}

#define SOCK_OUTPUT(name, text)                                                        \
	const struct sl_output_ops name = {                                            \
		text, open_sock, sl_channel_write, sl_channel_reopen, sl_channel_flush, \
		sl_channel_sync, sl_channel_stats, sl_channel_drain, sl_channel_close, \
	}
SOCK_OUTPUT(sl_output_unix_stream, "unix-stream");
SOCK_OUTPUT(sl_output_unix_dgram, "unix-dgram");
SOCK_OUTPUT(sl_output_syslog, "syslog");
