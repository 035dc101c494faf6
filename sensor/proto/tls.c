/* TLS over TCP: each direction is reassembled in TCP sequence order (a small
 * out-of-order window holds segments that arrive early) and handed to the
 * TLS session layer (tls_session.c), which reads the records and handshake.
 * Specs: RFC 9293 (TCP), RFC 8446 / RFC 5246 (TLS records), RFC 6101
 * Appendix E.1 (SSLv2-compatible CLIENT-HELLO). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/cursor.h"
#include "sightline/proto.h"
#include "tcp_reasm.h"
#include "tls_priv.h"

#define TLS_RECORD_MAX (16384 + 2048) /* TLSCiphertext.length limit, RFC 5246 §6.2.3 */

enum { REC_HANDSHAKE = 22 };

extern const struct sl_proto sl_proto_tls;

struct tls_state {
	struct sl_tls_session sess;
	struct sl_reasm tcp[2]; /* TCP order, indexed by enum sl_dir */
};

const struct sl_tls_session *sl_tls_tcp_session(const struct sl_flow *f)
{
	const struct tls_state *s = sl_flow_state(f, &sl_proto_tls);
	return s ? &s->sess : NULL;
}

struct deliver_ctx {
	struct tls_state *s;
	const struct sl_proto_pkt *pp;
};

/* In-order bytes of the packet's direction, from sl_reasm_packet(). */
static int deliver(void *ctx, const uint8_t *p, size_t n)
{
	struct deliver_ctx *c = ctx;
	if (!sl_tls_session_wants(&c->s->sess, c->pp->dir))
		return 0;
	return sl_tls_session_feed(&c->s->sess, c->pp->dir, p, n, c->pp);
}

/* A TLS record header (handshake, version 3.x) from either side, or an
 * SSLv2-compatible CLIENT-HELLO from the client. */
static bool tls_probe(const struct sl_proto_pkt *pp)
{
	struct sl_cursor c = sl_cursor_make(pp->pkt->payload, pp->pkt->payload_len);
	uint8_t b0, b1, b2;
	uint16_t b34;
	if (!sl_rd_u8(&c, &b0) || !sl_rd_u8(&c, &b1) || !sl_rd_u8(&c, &b2) || !sl_rd_be16(&c, &b34))
		return false;
	/* TLS record: [type 22][version 3.x][length] */
	if (b0 == REC_HANDSHAKE && b1 == 3 && b34 <= TLS_RECORD_MAX)
		return true;
	/* SSLv2: [0x80 | length:15][msg CLIENT-HELLO 1][version 0x0002 or 0x03xx] */
	return pp->dir == SL_DIR_TOSERVER && (b0 & 0x80) && b2 == 1 &&
	       (b34 == 0x0002 || (b34 >> 8) == 3);
}

/* The transient buffers (the strings for the event stay). */
static void free_buffers(struct tls_state *s)
{
	sl_tls_session_free_buffers(&s->sess);
	for (int i = 0; i < 2; i++)
		sl_reasm_finish(&s->tcp[i]);
}

static void tls_inspect_end(void *state)
{
	free_buffers(state);
}

static void tls_release(void *state)
{
	struct tls_state *s = state;
	free_buffers(s);
	sl_tls_session_release(&s->sess);
}

static enum sl_proto_verdict tls_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct tls_state *s = state;
	struct sl_tls_session *t = &s->sess;
	const struct sl_packet *p = pp->pkt;
	struct sl_reasm *r = &s->tcp[pp->dir];
	struct deliver_ctx ctx = { s, pp };
	t->owner = &sl_proto_tls;
	if (p->tcp_flags & SL_TCP_ACK) /* where the peer's stream starts */
		sl_reasm_hint(&s->tcp[!pp->dir], p->tcp_ack);
	if (!p->payload_len)
		return SL_PROTO_MORE;
	bool new_data = sl_reasm_is_new(r, p->tcp_seq, p->payload_len);
	bool wanted = sl_tls_session_wants(t, pp->dir);
	if (!t->d[pp->dir].dead && sl_reasm_packet(r, p->tcp_seq, p->payload, p->payload_len, wanted,
						   deliver, &ctx, &t->overflows) < 0) {
		if (!t->identified)
			return SL_PROTO_NOT_MINE;
		sl_tls_session_drop(t, pp->dir);
		sl_reasm_finish(r);
	}
	sl_tls_session_packet(t, pp, new_data);
	if (!t->identified && t->d[pp->dir].dead)
		return SL_PROTO_NOT_MINE;
	if (sl_tls_session_finished(t)) {
		free_buffers(s);
		return SL_PROTO_DONE;
	}
	return SL_PROTO_MORE;
}

const struct sl_proto sl_proto_tls = {
	.name = "tls",
	.l4 = SL_L4_TCP,
	.all_packets = false,
	.state_size = sizeof(struct tls_state),
	/* TLS may follow a plaintext negotiation: RDP's X.224 exchange puts the
	 * ClientHello at packet 7 to 12, STARTTLS after a greeting or two */
	.probe_budget = 16,
	.probe = tls_probe,
	.packet = tls_packet,
	.inspect_end = tls_inspect_end,
	.release = tls_release,
	.fields = &sl_tls_fields,
};
