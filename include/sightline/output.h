/* Outputs: where EVE lines go.  Each configured destination is one
 * struct sl_output behind a small table of operations; slow or unreachable
 * destinations are fed through a bounded queue so they never block capture. */
#ifndef SIGHTLINE_OUTPUT_H
#define SIGHTLINE_OUTPUT_H

#include "sightline/common.h"
#include "sightline/config.h"
#include "sightline/privileges.h"

/* Counters of one output, copied out by sl_output_stats(). */
struct sl_output_stats {
	const char *type;        /* "file", "syslog", ...; static */
	char destination[256];   /* path, host:port, brokers/topic */
	uint64_t events;         /* lines handed to the output */
	uint64_t queued;         /* waiting in the queue now */
	uint64_t delivered;      /* confirmed: written to the file, acknowledged by the peer
				  * (TCP: its kernel; RELP and Kafka: the receiver) */
	uint64_t dropped;        /* lost: queue full, failed write, undeliverable at exit */
	uint64_t resent;         /* sent again after a reconnect (the receiver may have them twice) */
	uint64_t reconnects;     /* connections re-established after a loss */
	bool connected;          /* the destination is open right now */
	int last_errno;          /* errno of the last failure, 0 if none */
	uint64_t reopens;        /* SIGHUP reopens that switched to the new file */
	uint64_t reopen_failures;/* reopens that failed (the old file kept receiving) */
	int reopen_errno;        /* errno of the latest reopen, 0 when it worked */
};

/*
 * One output type.  open() checks what can be checked at start (a file in a
 * missing directory fails here, with "PATH: reason; what to do" in err); a
 * network destination that is down is not an error: it is retried.  write()
 * never blocks on the destination.  The state pointer belongs to the type.
 */
struct sl_output_ops {
	const char *type;
	int (*open)(const struct sl_output_entry *cfg, void **state, char *err, size_t errlen);
	bool (*write)(void *state, const char *line, size_t len);
	void (*reopen)(void *state);
	void (*flush)(void *state);
	void (*sync)(void *state);   /* wait (bounded) until what was written is confirmed */
	void (*stats)(void *state, struct sl_output_stats *st);
	void (*drain)(void *state);  /* deliver what is queued, stop; stats stay readable */
	void (*close)(void *state);  /* drain if not done, free */
	/* before the privilege drop; NULL: nothing to prepare */
	int (*handover)(void *state, const struct sl_priv_target *to, char *err, size_t errlen);
};

struct sl_output;
struct rd_kafka_conf_s; /* librdkafka's rd_kafka_conf_t */

/**
 * Apply librdkafka properties "key=value,key=value" to conf (a part without
 * '=' continues the previous value: "debug=broker,topic").  Shared by the
 * Kafka output and the scorer's Kafka input.  Returns 0, or -EINVAL with
 * "WHAT: property K=V: librdkafka's reason" in err; -ENOMEM.  conf is
 * borrowed.
 */
int sl_kafka_conf_properties(struct rd_kafka_conf_s *conf, const char *props, const char *what,
			     char *err, size_t errlen);

/**
 * Open one output as cfg describes (cfg is copied).  Returns 0 or a negative
 * errno with a sentence in err.  Caller owns *out; free with sl_output_close().
 */
int sl_output_open(const struct sl_output_entry *cfg, struct sl_output **out,
		   char *err, size_t errlen);

/**
 * Hand one line (without newline) to the output; the line is copied.  Never
 * blocks on the destination.  Returns false when the line was dropped (queue
 * full) or a write failed during the call; both are counted.
 */
bool sl_output_write(struct sl_output *o, const char *line, size_t len);

/**
 * Reopen a file destination (logrotate moved it); no effect on sockets.  A
 * file switches to the new one only once it is open: when the reopen fails
 * the old file keeps receiving, the reason is printed on stderr at once and
 * counted (reopen_failures, reopen_errno in the stats).
 */
void sl_output_reopen(struct sl_output *o);

/**
 * Before the switch to user `to`: make sure that user will be able to do
 * what the output does later as that user (reopen a file on SIGHUP): give
 * it the files it writes, check it may create files in their directory (as
 * it will see it, inside the chroot) and remember the path to reopen.
 * Returns 0, or -errno with "PATH: what is wrong; what to do" in err.
 */
int sl_output_handover(struct sl_output *o, const struct sl_priv_target *to, char *err,
		       size_t errlen);

/** Push buffered lines towards the destination without waiting for it. */
void sl_output_flush(struct sl_output *o);

/**
 * Wait until every line written so far is confirmed by the destination or
 * counted as dropped, at most the entry's flush_timeout (shared with the
 * drain that follows).  Afterwards the counters account for every line.
 */
void sl_output_sync(struct sl_output *o);

/** Copy the output's counters into st.  Safe while the writer thread runs. */
void sl_output_stats(struct sl_output *o, struct sl_output_stats *st);

/**
 * Deliver what is queued (waiting at most the entry's flush_timeout for a
 * destination that is down; the rest is counted as dropped) and close the
 * destination.  Later writes are dropped and counted; stats stay readable.
 */
void sl_output_drain(struct sl_output *o);

/** Drain if not done yet, then free.  Accepts NULL. */
void sl_output_close(struct sl_output *o);

#endif
