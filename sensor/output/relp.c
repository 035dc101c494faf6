/* The RELP output, through librelp: each event is one RFC 5424 message in a
 * RELP "syslog" command, and counts as delivered once the receiver answered
 * that it took it (rsyslog's imrelp answers after handing the message to its
 * ruleset).  librelp does not tell its client which message an answer was
 * for, but its window does: relpCltSendSyslog() sends only while fewer than
 * WINDOW messages are unanswered, and the receiver answers in order, so
 * after a send all but the newest WINDOW are answered.  Those newest are
 * held here: the close handshake (sync, at the end) confirms them, and when
 * the session breaks they are sent again on the next one (the receiver may
 * get a few twice, counted as resent; none is lost without being counted). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librelp.h>

#include "sightline/extlib.h"
#include "output_priv.h"

struct relp_tr {
	relpEngine_t *eng;
	relpClt_t *clt;             /* the session; NULL while there is none */
	char host[256];
	const char *port;
	char dest[300];             /* host:port, for messages */
	struct sl_syslog_id id;
	char *buf;                  /* the message being framed */
	size_t cap;
	struct sl_held held;        /* sent and not known answered, at most WINDOW */
	uint64_t resent;            /* sent again on a new session, not reported yet */
	uint64_t rejected;          /* answered with an error, not reported yet */
	unsigned timeout_s;         /* librelp's wait for a connection and for answers */
	bool broken;                /* librelp said the session broke */
};

/* librelp calls its debug hook unconditionally and has none by default. */
static void quiet(char *fmt, ...)
{
	(void)fmt;
}

/* librelp's error callback, with the transport as its user pointer. */
static void on_err(void *usr, char *objinfo, char *errmsg, relpRetVal code)
{
	struct relp_tr *r = usr;
	(void)objinfo;
	(void)errmsg;
	if (code == RELP_RET_RSP_STATE_ERR)
		r->rejected++; /* the receiver refused one message */
	else
		r->broken = true;
}

/* Messages now known answered: delivered, or lost if the receiver refused them. */
static void answered(struct relp_tr *r, size_t n, struct sl_tx *tx)
{
	for (size_t i = 0; i < n; i++) {
		if (r->rejected) {
			r->rejected--;
			tx->lost++;
			tx->err = EBADMSG;
		} else {
			tx->delivered++;
		}
	}
	sl_held_pop(&r->held, n);
}

static void report(struct relp_tr *r, struct sl_tx *tx)
{
	tx->resent += r->resent;
	r->resent = 0;
}

/* End the session: with the close handshake when it is sound (librelp
 * waits for the answer to "close", which comes after every other answer),
 * so true means every message held was answered. */
static bool end_session(struct relp_tr *r)
{
	if (!r->clt)
		return false;
	bool sound = !r->broken;
	relpEngineCltDestruct(r->eng, &r->clt);
	r->clt = NULL;
	return sound && !r->broken;
}

/* A new session gets what the last one left unanswered first. */
static int resend(struct relp_tr *r, char *err, size_t errlen)
{
	for (size_t i = 0; i < r->held.n; i++) {
		struct sl_held_rec *rec = sl_held_at(&r->held, i);
		if (relpCltSendSyslog(r->clt, (unsigned char *)sl_held_data(&r->held, rec), rec->len) !=
			    RELP_RET_OK || r->broken) {
			end_session(r);
			snprintf(err, errlen, "%s: the RELP session broke while sending again", r->dest);
			return -ECONNRESET;
		}
		r->resent++;
	}
	return 0;
}

static int relp_connect(void *t, char *err, size_t errlen)
{
	struct relp_tr *r = t;
	relpClt_t *clt = NULL;
	if (relpEngineCltConstruct(r->eng, &clt) != RELP_RET_OK)
		return snprintf(err, errlen, "%s: out of memory for a RELP client", r->dest), -ENOMEM;
	relpCltSetUsrPtr(clt, r);
	relpCltSetTimeout(clt, r->timeout_s);
	relpCltSetConnTimeout(clt, (int)r->timeout_s);
	relpCltSetWindowSize(clt, SL_OUT_RELP_WINDOW);
	r->broken = false;
	errno = 0;
	relpRetVal rc = relpCltConnect(clt, 0, (unsigned char *)r->port, (unsigned char *)r->host);
	if (rc != RELP_RET_OK) {
		/* an I/O error leaves connect()'s errno; anything else means
		 * something answered TCP but not RELP's "open" */
		int e = rc != RELP_RET_IO_ERR ? EPROTO : errno && errno != EINPROGRESS ? errno
											: ECONNREFUSED;
		relpEngineCltDestruct(r->eng, &clt);
		snprintf(err, errlen, "%s: no RELP session: %s (librelp %d)", r->dest, strerror(e), rc);
		return -e;
	}
	r->clt = clt;
	return resend(r, err, errlen);
}

/* "<PRI>1 ... - JSON" in r->buf; its length, 0 without memory. */
static size_t frame(struct relp_tr *r, const char *line, size_t len)
{
	char hdr[512];
	int h = sl_syslog_header(&r->id, line, len, hdr, sizeof(hdr));
	size_t hl = h < 0 ? 0 : (size_t)h >= sizeof(hdr) ? sizeof(hdr) - 1 : (size_t)h;
	if (hl + len > r->cap) {
		char *nb = realloc(r->buf, hl + len);
		if (!nb)
			return 0;
		r->buf = nb;
		r->cap = hl + len;
	}
	memcpy(r->buf, hdr, hl);
	memcpy(r->buf + hl, line, len);
	return hl + len;
}

/* Held from here on: a message whose send failed goes out again on the
 * next session, so the call still took it. */
static int relp_send(void *t, const char *line, size_t len, struct sl_tx *tx)
{
	struct relp_tr *r = t;
	report(r, tx);
	if (r->broken || !r->clt)
		return tx->err = ECONNRESET, -ENOTCONN;
	size_t n = frame(r, line, len);
	if (n == 0 || sl_held_push(&r->held, r->buf, n) < 0) {
		tx->lost++;
		tx->err = ENOMEM;
		return 0;
	}
	if (relpCltSendSyslog(r->clt, (unsigned char *)r->buf, n) != RELP_RET_OK)
		r->broken = true;
	if (r->broken)
		tx->err = ECONNRESET;
	else if (r->held.n > SL_OUT_RELP_WINDOW)
		answered(r, r->held.n - SL_OUT_RELP_WINDOW, tx);
	return 0;
}

/* Nothing arrives without a send: only a broken session is news. */
static int relp_flush(void *t, struct sl_tx *tx)
{
	struct relp_tr *r = t;
	report(r, tx);
	return r->broken ? -ENOTCONN : 0;
}

/* Confirm the held messages by closing the session (RELP has no other
 * way to ask for the answers without sending). */
static int relp_sync(void *t, uint32_t wait_ms, struct sl_tx *tx)
{
	struct relp_tr *r = t;
	(void)wait_ms; /* the close handshake waits at most timeout_s */
	report(r, tx);
	if (r->broken)
		return -ENOTCONN;
	if (r->held.n == 0)
		return 0;
	if (!end_session(r)) {
		r->broken = true;
		return -ENOTCONN;
	}
	answered(r, r->held.n, tx);
	return SL_TX_CLOSED;
}

static void relp_disconnect(void *t, bool final, struct sl_tx *tx)
{
	struct relp_tr *r = t;
	report(r, tx);
	if (end_session(r))
		answered(r, r->held.n, tx);
	if (final && r->held.n) {
		tx->lost += r->held.n;
		tx->err = tx->err ? tx->err : ETIMEDOUT;
		sl_held_pop(&r->held, r->held.n);
	}
	r->broken = false;
}

static void relp_destroy(void *t)
{
	struct relp_tr *r = t;
	end_session(r);
	if (r->eng)
		relpEngineDestruct(&r->eng);
	sl_held_finish(&r->held);
	free(r->buf);
	free(r);
}

static const struct sl_transport_ops relp_ops = {
	.connect = relp_connect, .send = relp_send, .flush = relp_flush, .sync = relp_sync,
	.disconnect = relp_disconnect, .destroy = relp_destroy, .reopen = false,
};

static int open_relp(const struct sl_output_entry *cfg, void **state, char *err, size_t errlen)
{
	char why[300];
	int rc = sl_relp_open(why, sizeof(why));
	if (rc < 0)
		return snprintf(err, errlen, "relp output %s: %s", cfg->address, why), rc;
	struct relp_tr *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	snprintf(r->dest, sizeof(r->dest), "%s", cfg->address);
	if (sl_sock_split_hostport(cfg->address, r->host, sizeof(r->host), &r->port) < 0) {
		free(r);
		return snprintf(err, errlen, "%s: not host:port", cfg->address), -EINVAL;
	}
	r->port = strrchr(r->dest, ':') + 1; /* in our own copy: cfg is not kept */
	/* a short flush_timeout also shortens librelp's waits, so the exit stays near it */
	r->timeout_s = cfg->flush_timeout_ms / 1000;
	r->timeout_s = r->timeout_s < 1 ? 1 : r->timeout_s > SL_OUT_RELP_TIMEOUT_S ? SL_OUT_RELP_TIMEOUT_S
										      : r->timeout_s;
	sl_syslog_id_init(&r->id, cfg);
	if (relpEngineConstruct(&r->eng) != RELP_RET_OK ||
	    relpEngineSetDbgprint(r->eng, quiet) != RELP_RET_OK ||
	    relpEngineSetEnableCmd(r->eng, (unsigned char *)"syslog", eRelpCmdState_Required) !=
		    RELP_RET_OK ||
	    relpEngineSetOnErr(r->eng, on_err) != RELP_RET_OK) {
		relp_destroy(r);
		return snprintf(err, errlen, "%s: cannot set up librelp", cfg->address), -ENOMEM;
	}
	return sl_channel_open(&relp_ops, r, "relp", r->dest, cfg, state, err, errlen);
}

const struct sl_output_ops sl_output_relp = {
	"relp", open_relp, sl_channel_write, sl_channel_reopen, sl_channel_flush,
	sl_channel_sync, sl_channel_stats, sl_channel_drain, sl_channel_close,
};
