/* TCP syslog counted by what the peer acknowledged, not by what send()
 * accepted.  Every frame is held until the peer's kernel acknowledges it
 * (SIOCOUTQ: bytes written minus bytes still unacknowledged); when the
 * connection is lost, what was not acknowledged is sent again on the next
 * one.  A peer that resets the connection (a receiver that exits with data
 * it never read) may have thrown away frames it had acknowledged, so the
 * last of those are held too, as much as its receive window can hold
 * (twice the largest window it advertised, TCP_INFO), and sent again after
 * a reset: the receiver may get some twice (counted as resent), none is
 * lost without being counted. */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/sockios.h>
#include <linux/tcp.h>

#include "output_priv.h"

#define RETAIN_MIN (64u << 10)     /* acknowledged bytes held at least */
#define SYNC_POLL_MS 10            /* sync: look at the acknowledgements this often */

void sl_tcp_track_finish(struct sl_tcp_track *k)
{
	if (k)
		sl_held_finish(&k->held);
}

void sl_tcp_track_connected(struct sl_tcp_track *k, int fd)
{
	k->fd = fd;
	k->sent = k->mark = 0;
	k->n_acked = k->next = 0;
	k->acked_bytes = 0;
	k->resend_end = k->held.n; /* every frame held is sent again on this connection */
	k->lost = k->reset = false;
}

/* The acknowledged bytes to keep: what the peer's receive buffer can hold. */
static size_t retain(struct sl_tcp_track *k)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	if (k->polls++ % 64 == 0 && getsockopt(k->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0) {
		if (len >= offsetof(struct tcp_info, tcpi_snd_wnd) + sizeof(ti.tcpi_snd_wnd))
			k->max_wnd = ti.tcpi_snd_wnd > k->max_wnd ? ti.tcpi_snd_wnd : k->max_wnd;
		else /* a kernel older than 6.2 does not say: assume the most */
			k->max_wnd = SL_OUT_TCP_RETAIN_MAX / 2;
	}
	size_t want = (size_t)k->max_wnd * 2;
	return want < RETAIN_MIN ? RETAIN_MIN : want > SL_OUT_TCP_RETAIN_MAX ? SL_OUT_TCP_RETAIN_MAX
										  : want;
}

/* Drop the k oldest frames, all of them acknowledged. */
static void pop(struct sl_tcp_track *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		k->acked_bytes -= sl_held_at(&k->held, i)->len;
	sl_held_pop(&k->held, n);
	k->n_acked -= n;
	k->next -= n;
	k->resend_end = k->resend_end > n ? k->resend_end - n : 0;
}

/* Count the frames the peer has acknowledged since the last look. */
static void confirm(struct sl_tcp_track *k, struct sl_tx *tx)
{
	int outq = 0;
	if (k->fd < 0 || ioctl(k->fd, SIOCOUTQ, &outq) < 0 || outq < 0 || (uint64_t)outq > k->sent)
		return;
	uint64_t acked = k->sent - (uint64_t)outq;
	while (k->n_acked < k->next) {
		struct sl_held_rec *r = sl_held_at(&k->held, k->n_acked);
		if (k->mark + r->len > acked)
			break;
		k->mark += r->len;
		k->acked_bytes += r->len;
		k->n_acked++;
		tx->delivered += !r->counted;
		r->counted = true;
	}
	size_t keep = retain(k), n = 0;
	for (size_t b = k->acked_bytes; n < k->n_acked && b > keep; n++)
		b -= sl_held_at(&k->held, n)->len;
	pop(k, n);
}

/* Mark the connection lost, remembering whether the peer reset it. */
static int lose(struct sl_tcp_track *k, int state, struct sl_tx *tx)
{
	k->lost = true;
	k->reset = k->reset || state != SL_PEER_CLOSED;
	tx->err = state == SL_PEER_CLOSED ? EPIPE : ECONNRESET;
	return -ENOTCONN;
}

/* Write the held frames this connection has not had yet. */
static int pump(struct sl_tcp_track *k, struct sl_tx *tx)
{
	while (k->next < k->held.n) {
		struct sl_held_rec *r = sl_held_at(&k->held, k->next);
		size_t done = 0;
		int rc = sl_sock_send_counted(k->fd, sl_held_data(&k->held, r), r->len, &done);
		k->sent += done;
		if (rc == -EAGAIN)
			return rc;
		if (rc < 0)
			return lose(k, SL_PEER_RESET, tx);
		tx->resent += k->next < k->resend_end;
		k->next++;
	}
	return 0;
}

/* Is the connection still usable?  0, or -ENOTCONN (and why, in tx). */
static int check(struct sl_tcp_track *k, struct sl_tx *tx)
{
	if (k->lost)
		return -ENOTCONN;
	int state = sl_sock_peer_state(k->fd);
	return state == SL_PEER_OPEN ? 0 : lose(k, state, tx);
}

int sl_tcp_track_send(struct sl_tcp_track *k, const char *frame, size_t n, struct sl_tx *tx)
{
	int rc = check(k, tx);
	if (rc == 0 && k->next < k->held.n)
		rc = pump(k, tx); /* the frames of the last connection go first */
	if (rc < 0)
		return rc == -EAGAIN ? (tx->err = ETIMEDOUT, rc) : rc;
	if (sl_held_push(&k->held, frame, n) < 0) {
		tx->lost++;
		tx->err = ENOMEM;
		return 0;
	}
	rc = pump(k, tx);
	if (rc == -EAGAIN) { /* not written at all: the channel keeps the line */
		sl_held_drop_last(&k->held);
		tx->err = ETIMEDOUT;
		return rc;
	}
	confirm(k, tx);
	return 0; /* held: sent again on the next connection if this one is lost */
}

int sl_tcp_track_flush(struct sl_tcp_track *k, struct sl_tx *tx)
{
	if (k->fd < 0)
		return 0;
	int rc = check(k, tx);
	if (rc == 0)
		rc = pump(k, tx);
	if (rc == -ENOTCONN)
		return rc;
	confirm(k, tx);
	return k->n_acked < k->held.n;
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Wait until the peer acknowledged every frame held, or wait_ms passed. */
int sl_tcp_track_sync(struct sl_tcp_track *k, uint32_t wait_ms, struct sl_tx *tx)
{
	long long end = now_ms() + wait_ms;
	for (;;) {
		int rc = sl_tcp_track_flush(k, tx);
		if (rc <= 0)
			return rc;
		if (now_ms() >= end)
			return -ETIMEDOUT;
		struct pollfd p = { .fd = k->fd, .events = POLLRDHUP };
		poll(&p, 1, SYNC_POLL_MS);
	}
}

/*
 * The connection closes.  Lost (the peer went away): what it did not
 * acknowledge stays for the next connection and, after a reset, so do the
 * acknowledged frames still held, which no longer count as delivered.  For
 * good (final): every frame not confirmed is lost.
 */
void sl_tcp_track_close(struct sl_tcp_track *k, bool final, struct sl_tx *tx)
{
	if (k->fd >= 0) {
		if (!k->lost && sl_sock_peer_state(k->fd) != SL_PEER_OPEN)
			lose(k, sl_sock_peer_state(k->fd), tx);
		confirm(k, tx);
	}
	k->fd = -1;
	if (final) {
		for (size_t i = 0; i < k->held.n; i++)
			tx->lost += !sl_held_at(&k->held, i)->counted;
		if (k->held.n && !tx->err)
			tx->err = ETIMEDOUT;
		k->acked_bytes = 0;
		sl_held_pop(&k->held, k->held.n);
	} else if (k->reset) {
		for (size_t i = 0; i < k->n_acked; i++) {
			struct sl_held_rec *r = sl_held_at(&k->held, i);
			tx->retracted += r->counted;
			r->counted = false;
		}
		k->acked_bytes = 0;
	} else {
		pop(k, k->n_acked); /* a clean close: the peer read all it acknowledged */
	}
	k->n_acked = k->next = 0;
	k->acked_bytes = 0;
	k->lost = k->reset = false;
}
