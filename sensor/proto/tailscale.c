/* Tailscale peer discovery ("disco") over UDP: magic "TS" + U+1F4AC, the
 * sender's 32-byte disco public key, a 24-byte nonce and a NaCl box (16-byte
 * tag over a type byte, a version byte and the body).  A node's disco key
 * stays the same across its messages.  Spec: the description at the top of
 * tailscale.com/disco (disco.go, "Disco packets..."); DERP over TLS is left
 * to the server-name lists.  WireGuard packets sharing the flow are skipped. */
#include <string.h>

#include "sightline/proto.h"

#define TS_MAGIC "TS\xf0\x9f\x92\xac"
#define TS_MAGIC_LEN 6
#define TS_KEY 32
#define TS_MIN (TS_MAGIC_LEN + TS_KEY + 24 + 16 + 2) /* magic, key, nonce, tag, type+version */
#define TS_MAX_TRIES 24  /* packets looked at */
#define TS_ONE_SIDE_MIN 3 /* disco messages of one side when the other is never seen */

struct ts_side {
	uint8_t key[TS_KEY];
	uint8_t msgs;
};

struct ts_state {
	struct ts_side side[2];
	uint8_t tries;
	bool identified;
	char key_hex[2 * TS_KEY + 1]; /* the client side's disco key */
};

extern const struct sl_proto sl_proto_tailscale;

static bool is_disco(const uint8_t *p, size_t n)
{
	return n >= TS_MIN && memcmp(p, TS_MAGIC, TS_MAGIC_LEN) == 0;
}

static bool ts_probe(const struct sl_proto_pkt *pp)
{
	return is_disco(pp->pkt->payload, pp->pkt->payload_len);
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Both sides sent disco messages, each under one key of its own; or one
 * side, never answered, repeated its key. */
static enum sl_proto_verdict ts_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct ts_state *s = state;
	struct ts_side *me = &s->side[pp->dir], *peer = &s->side[!pp->dir];
	const uint8_t *p = pp->pkt->payload;
	if (++s->tries > TS_MAX_TRIES)
		return SL_PROTO_NOT_MINE;
	if (!is_disco(p, pp->pkt->payload_len))
		return SL_PROTO_MORE;
	if (me->msgs && memcmp(me->key, p + TS_MAGIC_LEN, TS_KEY) != 0)
		return SL_PROTO_NOT_MINE;
	memcpy(me->key, p + TS_MAGIC_LEN, TS_KEY);
	me->msgs++;
	bool both = me->msgs && peer->msgs && memcmp(me->key, peer->key, TS_KEY) != 0;
	bool alone = pp->flow->pkts[!pp->dir] == 0 && me->msgs >= TS_ONE_SIDE_MIN;
	if (!both && !alone)
		return SL_PROTO_MORE;
	s->identified = true;
	if (s->side[SL_DIR_TOSERVER].msgs)
		hex(s->key_hex, s->side[SL_DIR_TOSERVER].key, TS_KEY);
	sl_app_identify(pp->flow, &sl_proto_tailscale);
	sl_proto_claim_product(pp->flow, "tailscale", "vpn", SL_PROTO_BY_WIRE);
	return SL_PROTO_DONE;
}

/* Declared fields read the state once identified is set. */
#define AT_TS SL_IN_STATE_IF(sl_proto_tailscale, struct ts_state, identified)

static const struct sl_field fields[] = {
	SL_FIELD_STR("tailscale.disco_key", "the client's disco public key (sender key of its disco messages), hex",
	             AT_TS, struct ts_state, key_hex, SL_NONZERO),
};

static const struct sl_field_table ts_fields = { "tailscale", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_tailscale = {
	.name = "tailscale",
	.l4 = SL_L4_UDP,
	.state_size = sizeof(struct ts_state),
	.probe = ts_probe,
	.packet = ts_packet,
	.fields = &ts_fields,
};
