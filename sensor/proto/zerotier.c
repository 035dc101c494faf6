/* ZeroTier over UDP: the 28-byte packet header (8-byte packet id, 5-byte
 * destination and source addresses, flags/cipher/hops, 8-byte MAC, verb)
 * with the two sides' addresses swapped between directions, and the
 * cleartext HELLO (cipher suite 0, verb 0x01) whose protocol version and
 * embedded identity address (equal to the source address) are checked.
 * Spec: ZeroTier's protocol design whitepaper (docs.zerotier.com manual)
 * and the packet layout described in ZeroTierOne node/Packet.hpp. */
#include <stdio.h>
#include <string.h>

#include "sightline/proto.h"

#define ZT_HDR 28
#define ZT_ADDR 5
#define ZT_OFF_DST 8
#define ZT_OFF_SRC 13
#define ZT_OFF_FLAGS 18
#define ZT_OFF_VERB 27
#define ZT_FRAG_INDICATOR 0xff /* byte 13 of a fragment (never an address prefix) */
#define ZT_VERB_HELLO 0x01
#define ZT_HELLO_ID (ZT_HDR + 13)  /* identity after version(1+1+1+2), timestamp(8) */
#define ZT_HELLO_MIN (ZT_HELLO_ID + ZT_ADDR + 1 + 64 + 1) /* address, type 0, key, privlen */
#define ZT_PROTO_MIN 4
#define ZT_PROTO_MAX 31
#define ZT_MAX_TRIES 16
#define ZT_SWAPPED_MIN 3  /* packets in all, both directions, without a HELLO */

struct zt_side {
	uint8_t dst[ZT_ADDR], src[ZT_ADDR];
	uint8_t pkts;
};

struct zt_state {
	struct zt_side side[2];
	uint8_t tries;
	uint8_t hello_version;
	bool hello;
	bool identified;
};

extern const struct sl_proto sl_proto_zerotier;

/* Addresses with the reserved 0xff prefix and the zero address are never
 * assigned (and a node does not talk to itself: see zt_header). */
static bool valid_addr(const uint8_t *a)
{
	static const uint8_t zero[ZT_ADDR];
	return a[0] != 0xff && memcmp(a, zero, ZT_ADDR) != 0;
}

static bool zt_header(const uint8_t *p, size_t n)
{
	return n >= ZT_HDR && valid_addr(p + ZT_OFF_DST) && valid_addr(p + ZT_OFF_SRC) &&
	       memcmp(p + ZT_OFF_DST, p + ZT_OFF_SRC, ZT_ADDR) != 0;
}

static bool zt_probe(const struct sl_proto_pkt *pp)
{
	return zt_header(pp->pkt->payload, pp->pkt->payload_len);
}

/* Cleartext HELLO: 1 = valid, 0 = not a HELLO, -1 = claims to be one but
 * its version or identity does not fit. */
static int zt_hello(struct zt_state *s, const uint8_t *p, size_t n)
{
	if (((p[ZT_OFF_FLAGS] >> 3) & 7) != 0 || (p[ZT_OFF_VERB] & 0x1f) != ZT_VERB_HELLO)
		return 0;
	if (n < ZT_HELLO_MIN || p[ZT_HDR] < ZT_PROTO_MIN || p[ZT_HDR] > ZT_PROTO_MAX)
		return -1;
	if (memcmp(p + ZT_HELLO_ID, p + ZT_OFF_SRC, ZT_ADDR) != 0 || p[ZT_HELLO_ID + ZT_ADDR] != 0)
		return -1;
	s->hello = true;
	s->hello_version = p[ZT_HDR];
	return 1;
}

/* Each side keeps one address pair; the other side uses it swapped. */
static bool zt_consistent(struct zt_side *me, const struct zt_side *peer, const uint8_t *p)
{
	if (me->pkts && (memcmp(me->dst, p + ZT_OFF_DST, ZT_ADDR) != 0 ||
			 memcmp(me->src, p + ZT_OFF_SRC, ZT_ADDR) != 0))
		return false;
	if (peer->pkts && (memcmp(peer->dst, p + ZT_OFF_SRC, ZT_ADDR) != 0 ||
			   memcmp(peer->src, p + ZT_OFF_DST, ZT_ADDR) != 0))
		return false;
	memcpy(me->dst, p + ZT_OFF_DST, ZT_ADDR);
	memcpy(me->src, p + ZT_OFF_SRC, ZT_ADDR);
	if (me->pkts < 255)
		me->pkts++;
	return true;
}

static enum sl_proto_verdict zt_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct zt_state *s = state;
	struct zt_side *me = &s->side[pp->dir], *peer = &s->side[!pp->dir];
	const uint8_t *p = pp->pkt->payload;
	size_t n = pp->pkt->payload_len;
	if (++s->tries > ZT_MAX_TRIES)
		return SL_PROTO_NOT_MINE;
	if (n >= ZT_HDR && p[ZT_OFF_SRC] == ZT_FRAG_INDICATOR && valid_addr(p + ZT_OFF_DST))
		return SL_PROTO_MORE; /* a fragment: no source address to check */
	if (!zt_header(p, n) || !zt_consistent(me, peer, p) || zt_hello(s, p, n) < 0)
		return SL_PROTO_NOT_MINE;
	bool swapped = me->pkts && peer->pkts && me->pkts + peer->pkts >= ZT_SWAPPED_MIN;
	bool hello = s->hello && (peer->pkts || me->pkts >= 2);
	if (!swapped && !hello)
		return SL_PROTO_MORE;
	s->identified = true;
	sl_app_identify(pp->flow, &sl_proto_zerotier);
	sl_proto_claim_product(pp->flow, "zerotier", "vpn", SL_PROTO_BY_WIRE);
	return SL_PROTO_DONE;
}

static const struct zt_state *ident_state(const struct sl_record *r)
{
	const struct zt_state *s = sl_record_state(r, &sl_proto_zerotier);
	return s && s->identified ? s : NULL;
}

static bool addr_field(const struct sl_record *r, struct sl_value *v, enum sl_dir d)
{
	const struct zt_state *s = ident_state(r);
	if (!s)
		return false;
	const struct zt_side *sd = &s->side[d];
	const uint8_t *a = sd->pkts ? sd->src : s->side[!d].dst;
	snprintf(v->buf, sizeof(v->buf), "%02x%02x%02x%02x%02x", a[0], a[1], a[2], a[3], a[4]);
	v->s = v->buf;
	return true;
}

/* Why computed: the side's own source address, else what the other side sent to. */
static bool g_cli(const struct sl_record *r, struct sl_value *v)
{
	return addr_field(r, v, SL_DIR_TOSERVER);
}

/* Why computed: as g_cli, for the server side. */
static bool g_srv(const struct sl_record *r, struct sl_value *v)
{
	return addr_field(r, v, SL_DIR_TOCLIENT);
}

/* Declared fields read the state once identified is set. */
#define AT_ZT SL_IN_STATE_IF(sl_proto_zerotier, struct zt_state, identified)

static const struct sl_field fields[] = {
	{ "zerotier.client_address", SL_FT_STRING, "ZeroTier address (10 hex digits) of the flow's client side", g_cli },
	{ "zerotier.server_address", SL_FT_STRING, "ZeroTier address (10 hex digits) of the flow's server side", g_srv },
	SL_FIELD_U("zerotier.proto_version", "protocol version announced in a cleartext HELLO",
	           AT_ZT, struct zt_state, hello_version, SL_IF(struct zt_state, hello)),
};

static const struct sl_field_table zt_fields = { "zerotier", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_zerotier = {
	.name = "zerotier",
	.l4 = SL_L4_UDP,
	.state_size = sizeof(struct zt_state),
	.probe = zt_probe,
	.packet = zt_packet,
	.fields = &zt_fields,
};
