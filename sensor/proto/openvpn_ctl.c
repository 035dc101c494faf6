/* OpenVPN's control channel as a TLS byte stream (see openvpn_ctl.h).
 * Spec: OpenVPN's protocol overview (doc/doxygen/doc_protocol_overview.h,
 * "OpenVPN Protocol"): a P_CONTROL_V1 packet is opcode/key_id, session id,
 * [tls-auth: HMAC, replay packet id, net_time], an ack array (count, ids,
 * the peer's session id when the count is not zero), the message packet id
 * of the reliable layer, then a piece of the TLS stream.  Retransmissions
 * repeat a message packet id; the pieces are put back in id order. */
#include <stdlib.h>
#include <string.h>

#include "sightline/cursor.h"
#include "openvpn_ctl.h"

#define OV_ACK_MAX 8 /* ack array entries (reliable.h: RELIABLE_ACK_SIZE) */

/* The message packet id and the TLS bytes of a control packet whose ack
 * array starts at off. */
static bool payload_at(const uint8_t *p, size_t n, size_t off, uint32_t *id, const uint8_t **pl,
		       size_t *plen)
{
	struct sl_cursor c = sl_cursor_make(p, n);
	uint8_t acks;
	if (!sl_rd_skip(&c, off) || !sl_rd_u8(&c, &acks) || acks > OV_ACK_MAX ||
	    !sl_rd_skip(&c, 4u * acks) || (acks && !sl_rd_skip(&c, 8)) || !sl_rd_be32(&c, id))
		return false;
	*plen = sl_cursor_left(&c);
	*pl = c.p;
	return *plen > 0;
}

/* A TLS handshake record header (RFC 8446 §5.1): type 22, version 3.x. */
static bool tls_record_start(const uint8_t *p, size_t n)
{
	return n >= 5 && p[0] == 22 && p[1] == 3 && p[2] <= 4;
}

/* The layout is settled by the first piece of either TLS stream. */
static void pick_layout(struct sl_ovctl *c, const uint8_t *p, size_t n, const size_t *cand,
			size_t ncand)
{
	uint32_t id;
	const uint8_t *pl;
	size_t plen;
	for (size_t i = 0; i < ncand && !c->ack_at; i++)
		if (payload_at(p, n, cand[i], &id, &pl, &plen) && id == 1 && tls_record_start(pl, plen))
			c->ack_at = (uint16_t)cand[i];
}

static void feed(struct sl_ovctl *c, const struct sl_proto_pkt *pp, const uint8_t *p, size_t n)
{
	if (sl_tls_session_wants(&c->tls, pp->dir) &&
	    sl_tls_session_feed(&c->tls, pp->dir, p, n, pp) < 0)
		sl_tls_session_drop(&c->tls, pp->dir);
}

/* Keep a piece that came before the ones it follows; a full hold (or a
 * piece too large to keep) is counted in tls.buffer_overflows. */
static void hold(struct sl_ovctl *c, struct sl_ovctl_dir *d, uint32_t id, const uint8_t *p,
		 size_t n)
{
	for (uint8_t i = 0; i < d->n_held; i++)
		if (d->held[i].id == id)
			return; /* a retransmission of a piece already held */
	uint8_t *copy = d->n_held < SL_OVCTL_HOLD && n <= SL_OVCTL_PAYLOAD ? malloc(n) : NULL;
	if (!copy) {
		c->tls.overflows++;
		return;
	}
	memcpy(copy, p, n);
	d->held[d->n_held].id = id;
	d->held[d->n_held].len = (uint16_t)n;
	d->held[d->n_held].data = copy;
	d->n_held++;
}

/* Deliver the held pieces that now follow in order. */
static void drain(struct sl_ovctl *c, struct sl_ovctl_dir *d, const struct sl_proto_pkt *pp)
{
	for (uint8_t i = 0; i < d->n_held;) {
		if (d->held[i].id != d->next_id + 1) {
			i++;
			continue;
		}
		feed(c, pp, d->held[i].data, d->held[i].len);
		d->next_id++;
		free(d->held[i].data);
		d->held[i] = d->held[--d->n_held];
		i = 0;
	}
}

bool sl_ovctl_control(struct sl_ovctl *c, const struct sl_proto_pkt *pp, const uint8_t *p,
		      size_t n, const size_t *cand, size_t ncand)
{
	struct sl_ovctl_dir *d = &c->d[pp->dir];
	uint32_t id;
	const uint8_t *pl;
	size_t plen;
	if (!c->ack_at)
		pick_layout(c, p, n, cand, ncand);
	if (!c->ack_at || !payload_at(p, n, c->ack_at, &id, &pl, &plen) || id <= d->next_id)
		return false; /* layout unknown, or a retransmission */
	if (id != d->next_id + 1) {
		hold(c, d, id, pl, plen);
		return false;
	}
	feed(c, pp, pl, plen);
	d->next_id = id;
	drain(c, d, pp);
	return true;
}

bool sl_ovctl_done(const struct sl_ovctl *c)
{
	return sl_tls_session_finished(&c->tls);
}

void sl_ovctl_free_buffers(struct sl_ovctl *c)
{
	for (int k = 0; k < 2; k++) {
		struct sl_ovctl_dir *d = &c->d[k];
		for (uint8_t i = 0; i < d->n_held; i++)
			free(d->held[i].data);
		d->n_held = 0;
	}
	sl_tls_session_free_buffers(&c->tls);
}

void sl_ovctl_release(struct sl_ovctl *c)
{
	sl_ovctl_free_buffers(c);
	sl_tls_session_release(&c->tls);
}
