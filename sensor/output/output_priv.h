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

/* What one call of a transport did: lines that reached the destination, were
 * lost, or were sent again after a reconnect (the receiver may hold them
 * twice). */
struct sl_tx {
	uint64_t delivered, lost, resent;
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
 * lines out and collects what is known without waiting; it returns true while
 * lines remain unconfirmed (call it again soon).  sync() waits up to wait_ms
 * until every line sent is confirmed: 0, SL_TX_CLOSED, -ETIMEDOUT or
 * -ENOTCONN (the unconfirmed lines are kept for the next connect).  NULL
 * flush/sync: nothing to do beyond send().  disconnect() closes for good
 * unless the connection was lost (after -ENOTCONN): then unconfirmed lines
 * stay for the next connect; destroy() counts nothing.  A transport is used
 * by one thread at a time.
 */
struct sl_transport_ops {
	int (*connect)(void *t, char *err, size_t errlen);
	int (*send)(void *t, const char *line, size_t len, struct sl_tx *tx);
	bool (*flush)(void *t, struct sl_tx *tx);
	int (*sync)(void *t, uint32_t wait_ms, struct sl_tx *tx);
	void (*disconnect)(void *t, struct sl_tx *tx);
	void (*destroy)(void *t);
	bool reopen;                                  /* SIGHUP closes and reopens it */
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
void sl_channel_flush(void *state);
void sl_channel_sync(void *state);
void sl_channel_stats(void *state, struct sl_output_stats *st);
void sl_channel_drain(void *state);
void sl_channel_close(void *state);

/* Sockets shared by the transports (sock.c).  Each returns an fd or -errno. */
int sl_sock_unix(const char *path, int socktype, char *err, size_t errlen);
int sl_sock_inet(const char *hostport, int socktype, char *err, size_t errlen);
/* Write all of buf: 0, -EAGAIN (nothing written before the send timeout) or
 * -ENOTCONN (error or cut short: the connection is unusable). */
int sl_sock_send_all(int fd, const char *buf, size_t len);
/* True when a stream peer has closed its end (EOF or error is pending). */
bool sl_sock_peer_closed(int fd);

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
	sl_output_unix_dgram, sl_output_syslog, sl_output_kafka;

#endif
