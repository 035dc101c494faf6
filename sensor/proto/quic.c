/* QUIC: the client's Initial packets decrypted (sensor/proto/quic_initial.c)
 * to read its ClientHello: server name, ALPN and JA4 (transport 'q'); and
 * Google QUIC's version, server name and user agent from its CHLO (clear
 * text up to Q046, Initial-protected in Q050).  Specs: RFC 9000 §14.1 and
 * §17.2 (long header, 1200-byte client datagrams), RFC 9001, RFC 9369;
 * gQUIC wire layout (public header, CHLO tags) from the QUIC Crypto and
 * wire-layout design documents; JA4 (FoxIO, BSD-3). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sightline/digest.h"
#include "sightline/proto.h"
#include "quic.h"
#include "tls_hello.h"

#define QUIC_MIN_DATAGRAM 1200 /* RFC 9000 §14.1: client datagrams carrying an Initial */
#define QUIC_CLEAR_TRIES 4     /* client packets searched for a clear-text CHLO */

extern const struct sl_proto sl_proto_quic;

struct quic_state {
	struct sl_quic_initial ini;
	uint32_t version;   /* from the first packet's header */
	bool started;
	bool clear;         /* gQUIC whose CHLO travels in clear text */
	bool confirmed;     /* an Initial decrypted or a CHLO read: it is QUIC */
	uint8_t clear_tries;
	char sni[256];
	char alpn[128];     /* comma-joined */
	char ja4[SL_JA4_LEN];
	char ja3[33];       /* JA3 MD5 of the ClientHello (nDPI and others label it too) */
	char ua[256];       /* gQUIC UAID */
};

static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Long header: an Initial of a version we can open, with a connection ID
 * that fits and a datagram of at least 1200 bytes; or a gQUIC version in
 * the long form (Q046), whose CHLO is clear text. */
static bool detect_long(const uint8_t *p, size_t n, uint32_t *version, bool *clear)
{
	if (n < 7 || !(p[0] & 0x80))
		return false;
	uint32_t v = be32(p + 1);
	*version = v;
	*clear = sl_quic_version_gquic(v) && !sl_quic_version_known(v);
	if (*clear)
		return true;
	return (p[0] & 0x40) && sl_quic_version_known(v) &&
	       sl_quic_packet_type(v, p[0]) == SL_QUIC_INITIAL && p[5] >= 1 &&
	       p[5] <= SL_QUIC_CID_MAX && n >= QUIC_MIN_DATAGRAM;
}

/* gQUIC public header (Q043 and older): no long-header bit, the version
 * flag (0x01) without the reset flag (0x02), an 8-byte connection ID when
 * flagged, then the version "Q0xx". */
static bool detect_public(const uint8_t *p, size_t n, uint32_t *version, bool *clear)
{
	if (n < 13 || (p[0] & 0x83) != 0x01)
		return false;
	*version = be32(p + ((p[0] & 0x08) ? 9 : 1));
	*clear = true;
	return sl_quic_version_gquic(*version);
}

static bool detect(const uint8_t *p, size_t n, uint32_t *version, bool *clear)
{
	return detect_long(p, n, version, clear) || detect_public(p, n, version, clear);
}

static bool quic_probe(const struct sl_proto_pkt *pp)
{
	uint32_t v;
	bool clear;
	return pp->dir == SL_DIR_TOSERVER &&
	       detect(pp->pkt->payload, pp->pkt->payload_len, &v, &clear);
}

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

/* ALPN names joined by commas; a name that does not fit is left out with
 * those after it, so the list is never cut mid-name. */
static void join_alpn(struct quic_state *s, const struct sl_tls_client_hello *ch)
{
	sl_tls_alpn_copy(ch, s->alpn, sizeof(s->alpn));
}

/* The first handshake message is whole: a ClientHello (handshake header
 * first) for IETF versions, a CHLO for Q050. */
static void take_message(struct quic_state *s, const uint8_t *m, size_t len)
{
	if (sl_quic_version_gquic(s->ini.version)) {
		struct sl_gquic_chlo c;
		if (sl_gquic_parse_chlo(m, len, &c) == 0) {
			copy_str(s->sni, sizeof(s->sni), c.sni);
			copy_str(s->ua, sizeof(s->ua), c.uaid);
		}
		return;
	}
	struct sl_tls_client_hello ch;
	if (len < 4 || sl_tls_parse_client_hello(m + 4, len - 4, &ch) < 0)
		return;
	if (ch.has_sni)
		copy_str(s->sni, sizeof(s->sni), ch.sni);
	join_alpn(s, &ch);
	sl_tls_ja4(&ch, 'q', s->ja4);
	char ja3_string[64]; /* only the hash is kept: the string can run to kilobytes */
	sl_tls_ja3(&ch, ja3_string, sizeof(ja3_string), s->ja3);
}

static void confirm(struct quic_state *s, struct sl_flow *flow)
{
	if (!s->confirmed)
		sl_app_identify(flow, &sl_proto_quic);
	s->confirmed = true;
}

/* gQUIC in clear text: the client's CHLO sits in a STREAM frame of its
 * first packets; find its tag and read what the packet holds of it. */
static enum sl_proto_verdict clear_packet(struct quic_state *s, const struct sl_proto_pkt *pp)
{
	const uint8_t *p = pp->pkt->payload;
	size_t n = pp->pkt->payload_len;
	struct sl_gquic_chlo c;
	if (pp->dir != SL_DIR_TOSERVER || !n)
		return SL_PROTO_MORE;
	const uint8_t *at = memmem(p, n, "CHLO", 4);
	if (!at || sl_gquic_parse_chlo(at, n - (size_t)(at - p), &c) < 0)
		return ++s->clear_tries < QUIC_CLEAR_TRIES ? SL_PROTO_MORE : SL_PROTO_NOT_MINE;
	copy_str(s->sni, sizeof(s->sni), c.sni);
	copy_str(s->ua, sizeof(s->ua), c.uaid);
	confirm(s, pp->flow);
	return SL_PROTO_DONE;
}

static enum sl_proto_verdict quic_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct quic_state *s = state;
	const uint8_t *p = pp->pkt->payload;
	size_t n = pp->pkt->payload_len, mlen;
	if (!s->started) { /* the packet probe() accepted */
		s->started = true;
		sl_quic_initial_init(&s->ini);
		detect(p, n, &s->version, &s->clear);
	}
	if (s->clear)
		return clear_packet(s, pp);
	if (pp->dir == SL_DIR_TOCLIENT) {
		sl_quic_initial_server(&s->ini, p, n);
		return SL_PROTO_MORE;
	}
	int rc = sl_quic_initial_client(pp->global, &s->ini, p, n);
	if (rc > 0)
		confirm(s, pp->flow);
	const uint8_t *m = sl_quic_initial_message(&s->ini, &mlen);
	if (m)
		take_message(s, m, mlen);
	if (m || rc == -ENOMEM || s->ini.gave_up) {
		sl_quic_initial_finish(&s->ini);
		return s->confirmed ? SL_PROTO_DONE : SL_PROTO_NOT_MINE;
	}
	if (!s->confirmed && s->ini.failures >= SL_QUIC_FAIL_MAX)
		return SL_PROTO_NOT_MINE;
	return SL_PROTO_MORE;
}

/* Frees the CRYPTO buffer of a flow that ended mid-handshake. */
static void quic_release(void *state)
{
	sl_quic_initial_finish(&((struct quic_state *)state)->ini);
}

static int quic_create(const struct sl_config *cfg, void **global, char *err, size_t errlen)
{
	(void)cfg;
	int rc = sl_quic_crypto_create((struct sl_quic_crypto **)global);
	if (rc < 0)
		snprintf(err, errlen, "quic: libcrypto offers no HKDF, AES-128-GCM or AES-128-ECB");
	return rc;
}

static void quic_destroy(void *global)
{
	sl_quic_crypto_destroy(global);
}

static const struct quic_state *confirmed(const struct sl_record *r)
{
	const struct quic_state *s = sl_record_state(r, &sl_proto_quic);
	return s && s->confirmed ? s : NULL;
}

/* Why computed: versions named (drafts, Google QUIC) from either of two members. */
static bool g_version(const struct sl_record *r, struct sl_value *v)
{
	const struct quic_state *s = confirmed(r);
	if (!s)
		return false;
	sl_quic_version_name(s->ini.version ? s->ini.version : s->version, v->buf, sizeof(v->buf));
	v->s = v->buf;
	return true;
}

/* Declared fields read the state once confirmed is set. */
#define AT_QUIC SL_IN_STATE_IF(sl_proto_quic, struct quic_state, confirmed)

static const struct sl_field fields[] = {
	{ "quic.version", SL_FT_STRING,
	  "QUIC version of the client's Initial: 1, 2, draft-29, or a Google QUIC version such as Q046",
	  g_version },
	SL_FIELD_STR("quic.sni", "server name from the ClientHello in the decrypted Initial packets (gQUIC: the CHLO's SNI tag)",
		     AT_QUIC, struct quic_state, sni, SL_NONZERO),
	SL_FIELD_STR("quic.alpn", "ALPN protocols the client offered, comma-joined in its order",
		     AT_QUIC, struct quic_state, alpn, SL_NONZERO),
	SL_FIELD_STR("quic.ja4", "JA4 fingerprint of that ClientHello, transport letter q",
		     AT_QUIC, struct quic_state, ja4, SL_NONZERO),
	SL_FIELD_STR("quic.ja3.hash", "JA3 MD5 of that ClientHello (JA3 is defined for TLS; computed the same way)",
		     AT_QUIC, struct quic_state, ja3, SL_NONZERO),
	SL_FIELD_STR("quic.ua", "user agent from a Google QUIC CHLO (UAID tag)",
		     AT_QUIC, struct quic_state, ua, SL_NONZERO),
	SL_FIELD_HEXN("quic.dcid", "Destination Connection ID the Initial keys came from (the client's first, or a Retry's), hex",
		      AT_QUIC, struct quic_state, ini.dcid, ini.dcid_len, SL_NONZERO),
};

static const struct sl_field_table quic_fields = { "quic", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_quic = {
	.name = "quic",
	.l4 = SL_L4_UDP,
	.state_size = sizeof(struct quic_state),
	/* the client's first Initial may come after a datagram that overtook it
	 * or that cannot be read yet (a 0-RTT packet, a coalesced remainder) */
	.probe_budget = 8,
	.create = quic_create,
	.destroy = quic_destroy,
	.probe = quic_probe,
	.packet = quic_packet,
	.inspect_end = quic_release,
	.release = quic_release,
	.fields = &quic_fields,
};
