/* Private to sensor/output: the transport interface (the blocking half of
 * an output: open, send one line, flush, close) and the channel that runs a
 * transport inline or from its own writer thread behind a bounded queue. */
#ifndef SENSOR_OUTPUT_OUTPUT_PRIV_H
#define SENSOR_OUTPUT_OUTPUT_PRIV_H

#include "sightline/output.h"

/* Tunables of every channel (milliseconds). */
#define SL_OUT_BACKOFF_MIN_MS 100   /* first wait after a failed connect */
#define SL_OUT_BACKOFF_MAX_MS 5000  /* waits double up to this */
#define SL_OUT_SEND_TIMEOUT_MS 1000 /* a socket send waits this long for room (SO_SNDTIMEO) */
#define SL_OUT_CONFIRM_POLL_MS 50   /* idle, lines unconfirmed: look for acknowledgements this often */
#define SL_OUT_HOLD_MS 250          /* a transport's own buffer holds a line at most this long, even
				     * when the queue never empties (an alert leaves within a second) */
#define SL_OUT_TCP_RETAIN_MAX (8u << 20) /* TCP syslog: acknowledged bytes held at most, for a reset */
#define SL_OUT_RELP_WINDOW 128      /* RELP: messages sent before an answer is awaited (librelp's default) */
#define SL_OUT_RELP_TIMEOUT_S 5     /* RELP: connect, and wait for answers, at most this long (s) */

/* What one call of a transport did: lines that reached the destination, were
 * lost, or were sent again after a reconnect (the receiver may hold them
 * twice). */
struct sl_tx {
	uint64_t delivered, lost, resent;
	uint64_t retracted; /* counted delivered earlier, unconfirmed again (the peer reset) */
	int err; /* errno behind a loss or a failed connect */
};

/* sync() results besides 0 and -errno: everything is confirmed and the
 * transport closed its connection to do so (RELP's close handshake). */
#define SL_TX_CLOSED 1

/*
 * A transport.  connect() opens the destination (0 or -errno, reason in
 * err); send() takes one line (no newline) and returns 0 when it took it,
 * -EAGAIN when the destination had no room in time (retry the same line),
 * or -ENOTCONN when the connection is gone (disconnect, reconnect, resend).
 * A transport that learns later whether a line arrived (TCP acknowledgements,
 * RELP responses) keeps the lines it sent until then, sends them again on the
 * next connect, and reports them in tx when it knows.  flush() pushes buffered
 * lines out and collects what is known without waiting: 0 (all confirmed),
 * 1 (some not yet: call it again soon) or -ENOTCONN (lost).  sync() waits up
 * to wait_ms until every line sent is confirmed: 0, SL_TX_CLOSED, -ETIMEDOUT
 * or -ENOTCONN (the unconfirmed lines are kept for the next connect).  NULL
 * flush/sync: nothing to do beyond send().  disconnect() closes the
 * connection; final: for good, unconfirmed lines are counted lost; not final
 * (lost connection, reopen): they stay for the next connect.  destroy()
 * counts nothing.  A transport is used by one thread at a time.
 */
struct sl_transport_ops {
	int (*connect)(void *t, char *err, size_t errlen);
	int (*send)(void *t, const char *line, size_t len, struct sl_tx *tx);
	int (*flush)(void *t, struct sl_tx *tx);
	int (*sync)(void *t, uint32_t wait_ms, struct sl_tx *tx);
	void (*disconnect)(void *t, bool final, struct sl_tx *tx);
	void (*destroy)(void *t);
	bool reopen;                                  /* SIGHUP closes and reopens it */
	/* SIGHUP: open the destination anew and switch to it only once open;
	 * on failure keep the old one, -errno and the reason in err.  NULL:
	 * disconnect, then connect. */
	int (*reopen_now)(void *t, struct sl_tx *tx, char *err, size_t errlen);
	/* Before the privilege drop (sl_output_handover()); may run beside the
	 * thread using t, so it guards what it changes.  NULL: nothing to do. */
	int (*handover)(void *t, const struct sl_priv_target *to, char *err, size_t errlen);
};

/**
 * Wrap transport t (ownership moves to the channel, also on failure) in a
 * channel for cfg: inline when cfg->queue is 0 (the transport is connected
 * now, a failure is returned with err), else a writer thread with a queue
 * of cfg->queue lines that connects in the background and retries with
 * backoff.  *state is the channel, for the sl_channel_* functions below.
 */
int sl_channel_open(const struct sl_transport_ops *ops, void *t, const char *type,
		    const char *destination, const struct sl_output_entry *cfg, void **state,
		    char *err, size_t errlen);
bool sl_channel_write(void *state, const char *line, size_t len);
void sl_channel_reopen(void *state);
int sl_channel_handover(void *state, const struct sl_priv_target *to, char *err, size_t errlen);
void sl_channel_flush(void *state);
void sl_channel_sync(void *state);
void sl_channel_stats(void *state, struct sl_output_stats *st);
void sl_channel_drain(void *state);
void sl_channel_close(void *state);

/* Sockets shared by the transports (sock.c).  Each returns an fd or -errno. */
/* Split "host:port" or "[v6]:port": host copied, *port points into hp. */
int sl_sock_split_hostport(const char *hp, char *host, size_t hostlen, const char **port);
int sl_sock_unix(const char *path, int socktype, char *err, size_t errlen);
int sl_sock_inet(const char *hostport, int socktype, char *err, size_t errlen);
/* Write all of buf: 0, -EAGAIN (nothing written before the send timeout) or
 * -ENOTCONN (error or cut short: the connection is unusable). */
int sl_sock_send_all(int fd, const char *buf, size_t len);
/* The same, saying in *done how much was written, also on failure. */
int sl_sock_send_counted(int fd, const char *buf, size_t len, size_t *done);
/* Whether a stream peer is there: open, closed cleanly (EOF) or reset. */
enum { SL_PEER_OPEN, SL_PEER_CLOSED, SL_PEER_RESET };
int sl_sock_peer_state(int fd);
/* True when a stream peer has closed its end (EOF or error is pending). */
bool sl_sock_peer_closed(int fd);

/*
 * A file output about to be reopened by user `to` (file_handover.c): give
 * it the file at path (a regular file not yet its own), check it may create
 * files in the directory, and set *after to the path to reopen as it will
 * see it (inside its chroot).  Returns 0 (caller owns *after; free()) or
 * -errno with "PATH: what is wrong; what to do" in err.
 */
int sl_file_handover(const char *path, const struct sl_priv_target *to, char **after,
		     char *err, size_t errlen);

/* Lines sent and not yet confirmed, oldest first (held.c).  A zeroed struct
 * is empty; sl_held_finish() frees it. */
struct sl_held_rec {
	size_t off;        /* in buf */
	uint32_t len;
	bool counted;      /* already counted as delivered */
};
struct sl_held {
	char *buf;
	size_t cap, used;
	struct sl_held_rec *recs;
	size_t first, n, rcap; /* records recs[first .. first+n) */
	size_t bytes;          /* their total length */
};
int sl_held_push(struct sl_held *h, const char *p, size_t len); /* 0 or -ENOMEM */
struct sl_held_rec *sl_held_at(struct sl_held *h, size_t i);    /* i < n, 0 = oldest */
const char *sl_held_data(const struct sl_held *h, const struct sl_held_rec *r);
void sl_held_pop(struct sl_held *h, size_t k);                   /* drop the k oldest */
void sl_held_drop_last(struct sl_held *h);                       /* take back the newest */
void sl_held_finish(struct sl_held *h);

/* Frames of a TCP connection held until its peer acknowledged them
 * (tcptrack.c).  A zeroed struct with fd -1 is ready; the socket is
 * borrowed, the caller closes it after sl_tcp_track_close(). */
struct sl_tcp_track {
	struct sl_held held;   /* frames not known to be read, oldest first */
	int fd;
	uint64_t sent;         /* bytes written on this connection */
	uint64_t mark;         /* where frame n_acked starts in this connection's bytes */
	size_t n_acked;        /* frames [0, n_acked) acknowledged on this connection */
	size_t acked_bytes;    /* their bytes */
	size_t next;           /* frames [0, next) written on this connection */
	size_t resend_end;     /* frames [0, resend_end) came from an earlier connection */
	uint32_t max_wnd;      /* the peer's largest advertised receive window */
	uint32_t polls;
	bool lost, reset;      /* the connection is gone; the peer reset it */
};
void sl_tcp_track_connected(struct sl_tcp_track *k, int fd);
/* Hold and send one frame (frames of a lost connection first): 0 (held),
 * -EAGAIN (not taken: no room in time) or -ENOTCONN (not taken: lost). */
int sl_tcp_track_send(struct sl_tcp_track *k, const char *frame, size_t n, struct sl_tx *tx);
/* Write what is pending, count what was acknowledged: 0 all confirmed, 1
 * some not yet, -ENOTCONN lost. */
int sl_tcp_track_flush(struct sl_tcp_track *k, struct sl_tx *tx);
/* sl_tcp_track_flush() until all is confirmed, at most wait_ms: 0,
 * -ETIMEDOUT or -ENOTCONN. */
int sl_tcp_track_sync(struct sl_tcp_track *k, uint32_t wait_ms, struct sl_tx *tx);
/* The connection closes: final, the frames not confirmed are lost; else
 * they wait for the next connection. */
void sl_tcp_track_close(struct sl_tcp_track *k, bool final, struct sl_tx *tx);
void sl_tcp_track_finish(struct sl_tcp_track *k);

/* The RFC 5424 identity of a syslog sender (syslog.c): facility, APP-NAME,
 * HOSTNAME (printable ASCII, no spaces) and PROCID, from an outputs: entry. */
struct sl_syslog_id {
	uint32_t facility;
	char app[49];
	char host[256];
	char procid[16];
};
void sl_syslog_id_init(struct sl_syslog_id *id, const struct sl_output_entry *cfg);
/* Write "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - " for the EVE line
 * into hdr; returns what snprintf returns.  MSGID is the line's event_type. */
int sl_syslog_header(const struct sl_syslog_id *id, const char *line, size_t len, char *hdr,
		     size_t hlen);

/* The output types, listed in registry.c. */
extern const struct sl_output_ops sl_output_file, sl_output_stdout, sl_output_unix_stream,
	sl_output_unix_dgram, sl_output_syslog, sl_output_kafka, sl_output_relp;

/* One element of the stats event's stats.outputs[] (sl_eve_stats_json()),
 * its members declared in output_fields.c: an output's counters and what is
 * worked out from them. */
struct sl_output_stats_row {
	struct sl_output_stats st;
	uint64_t in_flight;    /* sent, not yet confirmed */
	uint64_t reopen_errno; /* st.reopen_errno as the number written */
};

#endif
