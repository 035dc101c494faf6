/* DTLS handshakes (WebRTC media of Chrome Remote Desktop, AnyConnect's UDP
 * channel, OpenVPN-free VPNs): ClientHello facts, JA3 and JA4 with the 'd'
 * transport letter, and the server's JA3S.  Spec: RFC 6347 (DTLS 1.2) §4.1,
 * §4.2.2 (handshake header with message_seq and fragments), §4.2.1
 * (HelloVerifyRequest and the cookie field of the ClientHello); RFC 9147
 * (DTLS 1.3).  A DTLS ClientHello is a TLS ClientHello plus a cookie after
 * the session id: the cookie is cut out and the shared TLS parser
 * (tls_hello.c) reads the rest.  Only unfragmented handshake messages are
 * read (a ClientHello fits a datagram in practice); others are counted.
 *
 * WebRTC runs STUN, DTLS and SRTP on one port pair (RFC 7983 §7: the first
 * byte tells them apart, 20-63 being DTLS): datagrams of the others are
 * passed over, not taken as the end of DTLS.  Which peer is the DTLS client
 * is negotiated in SDP, not by who sent the flow's first datagram (an ICE
 * check), so the roles come from the handshake messages. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "sightline/digest.h"
#include "sightline/cursor.h"
#include "sightline/proto.h"
#include "tls_hello.h"

extern const struct sl_proto sl_proto_dtls;

#define DTLS_HELLO_MAX 4096

#define DTLS_RECORDS_MAX 16 /* DTLS records looked at without a ClientHello before giving up */

struct dtls_state {
	uint16_t version;        /* highest offered by the client */
	uint16_t cipher;         /* chosen by the server */
	uint8_t client_side;     /* 0 unknown, else 1 + the enum sl_dir of the DTLS client */
	bool have_ch, have_sh, alpn_cut;
	uint8_t records;         /* DTLS records seen (up to DTLS_RECORDS_MAX) */
	uint8_t fragmented;      /* handshake messages skipped because fragmented */
	char sni[256];
	char alpn[128];
	char ja3[33];
	char ja4[SL_JA4_LEN];
	char ja3s[33];
};

static bool is_dtls_version(uint16_t v)
{
	return v == 0xfeff || v == 0xfefd || v == 0xfefc || v == 0x0100;
}

/* A handshake record of epoch 0 with a DTLS version. */
static bool dtls_probe(const struct sl_proto_pkt *pp)
{
	const uint8_t *p = pp->pkt->payload;
	return pp->pkt->payload_len >= 25 && p[0] == 22 && is_dtls_version((uint16_t)(p[1] << 8 | p[2])) &&
	       p[3] == 0 && p[4] == 0;
}

/* Copy the ClientHello body without its cookie, in TLS layout. */
static bool strip_cookie(struct sl_cursor c, uint8_t *out, size_t *outlen)
{
	const uint8_t *head, *rest;
	uint8_t sid_len, cookie_len;
	struct sl_cursor h = c;
	if (!sl_rd_skip(&h, 34) || !sl_rd_u8(&h, &sid_len) || !sl_rd_skip(&h, sid_len) ||
	    !sl_rd_u8(&h, &cookie_len))
		return false;
	size_t head_len = 35u + sid_len;
	if (!sl_rd_bytes(&c, head_len, &head) || !sl_rd_skip(&c, 1u + cookie_len))
		return false;
	size_t rest_len = sl_cursor_left(&c);
	if (head_len + rest_len > DTLS_HELLO_MAX || !sl_rd_bytes(&c, rest_len, &rest))
		return false;
	memcpy(out, head, head_len);
	memcpy(out + head_len, rest, rest_len);
	*outlen = head_len + rest_len;
	return true;
}

static void keep_alpn(struct dtls_state *s, const struct sl_tls_client_hello *ch)
{
	s->alpn_cut = !sl_tls_alpn_copy(ch, s->alpn, sizeof(s->alpn));
}

/* The client may send a second ClientHello (with the cookie of a
 * HelloVerifyRequest): the last one is kept, as nDPI does. */
static void client_hello(struct dtls_state *s, struct sl_cursor body)
{
	uint8_t tls_body[DTLS_HELLO_MAX];
	size_t len;
	struct sl_tls_client_hello ch;
	char ja3_string[64];
	if (!strip_cookie(body, tls_body, &len) || sl_tls_parse_client_hello(tls_body, len, &ch) < 0)
		return;
	s->have_ch = true;
	s->version = ch.supported_version_max ? ch.supported_version_max : ch.legacy_version;
	snprintf(s->sni, sizeof(s->sni), "%s", ch.sni);
	keep_alpn(s, &ch);
	sl_tls_ja4(&ch, 'd', s->ja4);
	sl_tls_ja3(&ch, ja3_string, sizeof(ja3_string), s->ja3);
}

static void md5_hex(const char *text, char out[33])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	sl_digest(SL_MD5, text, strlen(text), md, &n);
	sl_hex(md, 16, out);
}

/* JA3S = "version,cipher,extensions" (salesforce/ja3), the extension types
 * in order, '-' joined. */
static void server_hello(struct dtls_state *s, struct sl_cursor c)
{
	uint16_t version, cipher, ext_len, type, len;
	uint8_t sid_len;
	char text[1024];
	if (!sl_rd_be16(&c, &version) || !sl_rd_skip(&c, 32) || !sl_rd_u8(&c, &sid_len) ||
	    !sl_rd_skip(&c, sid_len) || !sl_rd_be16(&c, &cipher) || !sl_rd_skip(&c, 1))
		return;
	size_t n = (size_t)snprintf(text, sizeof(text), "%u,%u,", version, cipher);
	struct sl_cursor exts;
	if (sl_rd_be16(&c, &ext_len) && sl_rd_sub(&c, ext_len, &exts))
		for (bool first = true; sl_rd_be16(&exts, &type) && sl_rd_be16(&exts, &len) &&
					sl_rd_skip(&exts, len) && n + 8 < sizeof(text); first = false)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%u", first ? "" : "-", type);
	s->cipher = cipher;
	s->have_sh = true;
	md5_hex(text, s->ja3s);
}

/* The DTLS client sends ClientHello; the server HelloVerifyRequest and
 * ServerHello.  The first of them settles the roles. */
static bool from_client(struct dtls_state *s, uint8_t type, enum sl_dir dir)
{
	if (!s->client_side && (type == 1 || type == 2 || type == 3))
		s->client_side = (uint8_t)(1 + (type == 1 ? dir : !dir));
	return s->client_side == 1 + dir;
}

/* One handshake record: header (RFC 6347 §4.2.2), whole messages only. */
static void handshake(struct dtls_state *s, struct sl_cursor rec, enum sl_dir dir)
{
	uint8_t type;
	uint32_t length, frag_off, frag_len;
	uint16_t msg_seq;
	struct sl_cursor body;
	if (!sl_rd_u8(&rec, &type) || !sl_rd_be24(&rec, &length) || !sl_rd_be16(&rec, &msg_seq) ||
	    !sl_rd_be24(&rec, &frag_off) || !sl_rd_be24(&rec, &frag_len) ||
	    !sl_rd_sub(&rec, frag_len, &body))
		return;
	if (frag_off != 0 || frag_len != length) {
		if (s->fragmented < UINT8_MAX)
			s->fragmented++;
		return;
	}
	bool client = from_client(s, type, dir);
	if (type == 1 && client)
		client_hello(s, body);
	else if (type == 2 && !client && s->client_side)
		server_hello(s, body);
}

/* RFC 7983 §7: a first byte in 20..63 is DTLS; 0..3 STUN, 16..19 ZRTP,
 * 64..79 TURN channel data, 128..191 RTP/RTCP share the port pair. */
static bool dtls_byte(const struct sl_packet *p)
{
	return p->payload_len && p->payload[0] >= 20 && p->payload[0] <= 63;
}

static enum sl_proto_verdict dtls_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct dtls_state *s = state;
	struct sl_cursor c = sl_cursor_make(pp->pkt->payload, pp->pkt->payload_len);
	uint8_t type;
	uint16_t version, epoch, len;
	struct sl_cursor rec;
	if (!dtls_byte(pp->pkt))
		return SL_PROTO_MORE; /* a multiplexed STUN, SRTP or TURN datagram */
	while (sl_rd_u8(&c, &type) && sl_rd_be16(&c, &version) && sl_rd_be16(&c, &epoch) &&
	       sl_rd_skip(&c, 6) && sl_rd_be16(&c, &len) && sl_rd_sub(&c, len, &rec)) {
		if (!is_dtls_version(version))
			return s->have_ch ? SL_PROTO_DONE : SL_PROTO_NOT_MINE;
		if (s->records < DTLS_RECORDS_MAX)
			s->records++;
		if (type == 22 && epoch == 0)
			handshake(s, rec, pp->dir);
	}
	if (s->have_ch)
		sl_app_identify(pp->flow, &sl_proto_dtls);
	if (s->have_ch && s->have_sh)
		return SL_PROTO_DONE;
	return s->records >= DTLS_RECORDS_MAX && !s->have_ch ? SL_PROTO_NOT_MINE : SL_PROTO_MORE;
}

static const struct dtls_state *st(const struct sl_record *r)
{
	const struct dtls_state *s = sl_record_state(r, &sl_proto_dtls);
	return s && s->have_ch ? s : NULL;
}

/* Why computed: three named versions, hex text for any other. */
static bool g_version(const struct sl_record *r, struct sl_value *v)
{
	const struct dtls_state *s = st(r);
	if (!s)
		return false;
	const char *name = s->version == 0xfeff ? "DTLS 1.0" : s->version == 0xfefd ? "DTLS 1.2"
			   : s->version == 0xfefc ? "DTLS 1.3" : NULL;
	if (name)
		snprintf(v->buf, sizeof(v->buf), "%s", name);
	else
		snprintf(v->buf, sizeof(v->buf), "0x%04x", s->version);
	v->s = v->buf;
	return true;
}

/* Declared fields read the state once have_ch is set. */
#define AT_DTLS SL_IN_STATE_IF(sl_proto_dtls, struct dtls_state, have_ch)

static const struct sl_field fields[] = {
	{ "dtls.version", SL_FT_STRING, "highest DTLS version the client offered (DTLS 1.0/1.2/1.3, else hex: 0x0100 is OpenSSL's pre-RFC DTLS)", g_version },
	SL_FIELD_STR("dtls.sni", "server_name of the DTLS ClientHello",
		     AT_DTLS, struct dtls_state, sni, SL_NONZERO),
	SL_FIELD_STR("dtls.alpn", "ALPN protocols offered, comma-joined (whole names, up to 127 bytes)",
		     AT_DTLS, struct dtls_state, alpn, SL_NONZERO),
	SL_FIELD_BOOL("dtls.alpn_truncated", "present (true) when names were left out of dtls.alpn",
	              AT_DTLS, struct dtls_state, alpn_cut, SL_NONZERO),
	SL_FIELD_EQ("dtls.client_is_dest", "present (true) when the DTLS client is dest_ip: WebRTC negotiates the DTLS roles in SDP, apart from who sent the first ICE check",
		    AT_DTLS, struct dtls_state, client_side, 1 + SL_DIR_TOCLIENT, SL_NONZERO),
	SL_FIELD_STR("dtls.ja3", "JA3 MD5 of the (last) ClientHello, cookie excluded",
		     AT_DTLS, struct dtls_state, ja3, SL_NONZERO),
	SL_FIELD_STR("dtls.ja4", "JA4 of that ClientHello, transport letter d",
		     AT_DTLS, struct dtls_state, ja4, SL_NONZERO),
	SL_FIELD_STR("dtls.ja3s", "JA3S MD5 of the ServerHello",
		     AT_DTLS, struct dtls_state, ja3s, SL_NONZERO),
	SL_FIELD_HEXNUM("dtls.cipher", "cipher suite the server chose, 4 hex digits",
			AT_DTLS, struct dtls_state, cipher, 4, NULL, SL_IF(struct dtls_state, have_sh)),
};

static const struct sl_field_table dtls_fields = { "dtls", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_dtls = {
	.name = "dtls",
	.l4 = SL_L4_UDP,
	.state_size = sizeof(struct dtls_state),
	/* WebRTC's DTLS follows ICE's STUN checks (packets 2 to 4 in our
	 * captures; more with retransmitted checks) */
	.probe_budget = 12,
	.probe = dtls_probe,
	.packet = dtls_packet,
	.fields = &dtls_fields,
};
