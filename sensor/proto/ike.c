/* IKE (ISAKMP) key exchange of IPsec: IKEv1 (RFC 2408/2409) and IKEv2
 * (RFC 7296) on UDP 500, and on UDP 4500 behind the four-byte zero non-ESP
 * marker (RFC 3948 section 2.2).  A message is taken as IKE when its header
 * holds (initiator SPI non-zero, version 1.0 or 2.x, an exchange type of its
 * version, length equal to the datagram) and its payload chain walks to the
 * exact end (or into an encrypted body); a reply must carry the initiator's
 * SPI.  Vendor ID payloads (13 in v1, 43 in v2) are kept as hex and named
 * when they match published values (RFC 3947, RFC 3706, MD5 of the vendor
 * strings).  Reassembled IP fragments arrive whole from the decoder. */
#include <stdio.h>
#include <string.h>

#include "sightline/digest.h"
#include "sightline/proto.h"

#define IKE_PORT 500
#define IKE_NATT_PORT 4500
#define IKE_HDR_LEN 28
#define IKE_MAX_PAYLOADS 32
#define IKE_VID_HEX_MAX 32 /* bytes of one vendor id kept as hex */
#define IKE_FLAG_V1_ENCRYPT 0x01
#define IKE_PL_VID_V1 13
#define IKE_PL_VID_V2 43
#define IKE_PL_SK 46  /* RFC 7296 encrypted and authenticated */
#define IKE_PL_SKF 53 /* RFC 7383 encrypted fragment */

extern const struct sl_proto sl_proto_ike;

struct ike_state {
	char spi_hex[17]; /* initiator SPI */
	uint8_t spi_i[8];
	uint8_t version;   /* 1 or 2 once identified */
	uint8_t exchange;  /* of the first message */
	bool identified;
	bool replied;      /* a message came back with the initiator's SPI */
	uint8_t msgs;
	char vendor_ids[200]; /* comma-joined hex */
	char vendors[120];    /* comma-joined names */
};

struct vid_name {
	const char *hex; /* prefix of the vendor id, lower-case hex */
	const char *name;
};

/* MD5 digests of the published strings, or values printed in the RFCs. */
static const struct vid_name known_vids[] = {
	{ "4a131c81070358455c5728f20e95452f", "RFC 3947 NAT-T" },        /* MD5("RFC 3947") */
	{ "4485152d18b6bbcd0be8a8469579ddcc", "draft-ietf-ipsec-nat-t-ike-00" },
	{ "cd60464335df21f87cfdb2fc68b6a448", "draft-ietf-ipsec-nat-t-ike-02" },
	{ "90cb80913ebb696e086381b5ec427b1f", "draft-ietf-ipsec-nat-t-ike-02" }, /* with \n */
	{ "7d9419a65310ca6f2c179d9215529d56", "draft-ietf-ipsec-nat-t-ike-03" },
	{ "afcad71368a1f1c96b8696fc77570100", "Dead Peer Detection" },   /* RFC 3706 */
	{ "12f5f28c457168a9702d9fe274cc", "Cisco Unity" },               /* MD5("CISCO-UNITY") */
	{ "09002689dfd6b712", "XAUTH" },        /* MD5("draft-ietf-ipsra-isakmp-xauth-06.txt") */
	{ "1e2b516905991c7d7c96fcbfb587e461", "Microsoft" },       /* MD5("MS NT5 ISAKMPOAKLEY") */
	{ "fb1de3cdf341b7ea16b7e5be0855f120", "MS-Negotiation Discovery Capable" },
	{ "26244d38eddb61b3172a36e3d0cfb819", "Microsoft Initial-Contact" }, /* as Zeek labels it */
	{ "882fe56d6fd20dbc2251613b2ebe5beb", "strongSwan" },           /* MD5("strongSwan") */
	{ "4048b7d56ebce88525e7de7f00d6c2d3", "IKE Fragmentation" },    /* MD5("FRAGMENTATION") */
};

static bool on_port(const struct sl_packet *p, uint16_t port)
{
	return p->sport == port || p->dport == port;
}

static bool ike_probe(const struct sl_proto_pkt *pp)
{
	const struct sl_packet *p = pp->pkt;
	return (on_port(p, IKE_PORT) || on_port(p, IKE_NATT_PORT)) && p->payload_len >= IKE_HDR_LEN;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool exchange_ok(uint8_t version, uint8_t x)
{
	if (version == 1)
		return x == 1 || x == 2 || x == 4 || x == 5 || x == 6 || x == 32 || x == 33;
	return x >= 34 && x <= 37;
}

static const char *exchange_name(uint8_t version, uint8_t x)
{
	static const char *const v2[] = { "IKE_SA_INIT", "IKE_AUTH", "CREATE_CHILD_SA",
					  "INFORMATIONAL" };
	if (version == 2)
		return x >= 34 && x <= 37 ? v2[x - 34] : NULL;
	switch (x) {
	case 1: return "base";
	case 2: return "main";
	case 4: return "aggressive";
	case 5: return "informational";
	case 6: return "transaction";
	case 32: return "quick";
	case 33: return "new_group";
	default: return NULL;
	}
}

static void list_add(char *dst, size_t cap, const char *item)
{
	size_t n = strlen(dst), k = strlen(item);
	if (n + (n ? 1 : 0) + k + 1 > cap)
		return;
	if (n)
		dst[n++] = ',';
	memcpy(dst + n, item, k + 1);
}

/* Keep a vendor id as hex (at most IKE_VID_HEX_MAX bytes) and its name. */
static void add_vid(struct ike_state *s, const uint8_t *v, size_t len)
{
	char hex[2 * IKE_VID_HEX_MAX + 1];
	size_t n = len < IKE_VID_HEX_MAX ? len : IKE_VID_HEX_MAX;
	if (!n || strlen(s->vendor_ids) + 2 * n + 2 > sizeof(s->vendor_ids))
		return;
	sl_hex(v, n, hex);
	if (strstr(s->vendor_ids, hex))
		return; /* the same id from both peers, or repeated */
	list_add(s->vendor_ids, sizeof(s->vendor_ids), hex);
	for (size_t i = 0; i < ARRAY_SIZE(known_vids); i++)
		if (strncmp(hex, known_vids[i].hex, strlen(known_vids[i].hex)) == 0 &&
		    !strstr(s->vendors, known_vids[i].name)) {
			list_add(s->vendors, sizeof(s->vendors), known_vids[i].name);
			break;
		}
}

/*
 * Walk the generic payload headers (next payload, flags, 16-bit length
 * including the header) from `next` at offset 28.  The chain must end
 * exactly at the message length, or reach an encrypted body (IKEv2 SK/SKF
 * payload, or an IKEv1 message with the encryption flag, whose payloads are
 * ciphertext).  Vendor ids met on the way are collected when s is set.
 */
static bool walk_payloads(struct ike_state *s, const uint8_t *m, size_t len, uint8_t version,
			  uint8_t next)
{
	size_t off = IKE_HDR_LEN;
	if (version == 1 && (m[19] & IKE_FLAG_V1_ENCRYPT))
		return true;
	for (unsigned i = 0; next != 0; i++) {
		if (i >= IKE_MAX_PAYLOADS || len - off < 4)
			return false;
		size_t plen = (size_t)m[off + 2] << 8 | m[off + 3];
		if (plen < 4 || plen > len - off)
			return false;
		if (version == 2 && (next == IKE_PL_SK || next == IKE_PL_SKF))
			return off + plen == len;
		if (s && next == (version == 1 ? IKE_PL_VID_V1 : IKE_PL_VID_V2))
			add_vid(s, m + off + 4, plen - 4);
		next = m[off];
		off += plen;
	}
	return off == len;
}

/* Header checks; on success *version is 1 or 2. */
static bool header_ok(const uint8_t *m, size_t len, uint8_t *version)
{
	static const uint8_t zero[8];
	if (len < IKE_HDR_LEN || memcmp(m, zero, 8) == 0 || be32(m + 24) != len)
		return false;
	uint8_t major = m[17] >> 4, minor = m[17] & 0x0f;
	if (!((major == 1 && minor == 0) || major == 2))
		return false;
	*version = major;
	return exchange_ok(major, m[18]) && walk_payloads(NULL, m, len, major, m[16]);
}

static enum sl_proto_verdict ike_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct ike_state *s = state;
	const uint8_t *m = pp->pkt->payload;
	size_t len = pp->pkt->payload_len;
	uint8_t version;
	if (on_port(pp->pkt, IKE_NATT_PORT) && !on_port(pp->pkt, IKE_PORT)) {
		if (len < 4 || be32(m) != 0) /* ESP in UDP or a keepalive */
			return s->identified ? SL_PROTO_MORE : SL_PROTO_NOT_MINE;
		m += 4;
		len -= 4;
	}
	if (!header_ok(m, len, &version) || (s->identified && version != s->version))
		return s->identified ? SL_PROTO_MORE : SL_PROTO_NOT_MINE;
	if (!s->identified) {
		memcpy(s->spi_i, m, 8);
		sl_hex(m, 8, s->spi_hex);
		s->version = version;
		s->exchange = m[18];
		s->identified = true;
		sl_app_identify(pp->flow, &sl_proto_ike);
		sl_proto_claim_product(pp->flow, "ipsec", "vpn", SL_PROTO_BY_WIRE);
	} else if (memcmp(s->spi_i, m, 8) == 0 && pp->dir == SL_DIR_TOCLIENT) {
		s->replied = true;
	}
	walk_payloads(s, m, len, version, m[16]);
	return ++s->msgs >= 8 ? SL_PROTO_DONE : SL_PROTO_MORE;
}

static const struct ike_state *get(const struct sl_record *r)
{
	const struct ike_state *s = sl_record_state(r, &sl_proto_ike);
	return s && s->identified ? s : NULL;
}

/* Why computed: the name depends on the IKE version as well as the number. */
static bool g_exchange(const struct sl_record *r, struct sl_value *v)
{
	const struct ike_state *s = get(r);
	v->s = s ? exchange_name(s->version, s->exchange) : NULL;
	return v->s != NULL;
}

/* Declared fields read the state once identified is set. */
#define AT_IKE SL_IN_STATE_IF(sl_proto_ike, struct ike_state, identified)

static const struct sl_field fields[] = {
	SL_FIELD_U("ike.version", "IKE major version: 1 (ISAKMP, RFC 2409) or 2 (RFC 7296)",
	           AT_IKE, struct ike_state, version, SL_WITH_STATE),
	SL_FIELD_U("ike.exchange_type", "exchange type number of the first message (EVE): IKEv1 2 main, 4 aggressive, 32 quick; IKEv2 34 IKE_SA_INIT, 35 IKE_AUTH...",
	           AT_IKE, struct ike_state, exchange, SL_WITH_STATE),
	{ "ike.exchange_type_verbose", SL_FT_STRING, "that exchange by name: main, aggressive, quick, informational, IKE_SA_INIT, IKE_AUTH...", g_exchange },
	SL_FIELD_STR("ike.spi_initiator", "initiator SPI (cookie) as 16 hex digits",
	             AT_IKE, struct ike_state, spi_hex, SL_WITH_STATE),
	SL_FIELD_STR("ike.vendor_ids", "Vendor ID payloads of both peers as hex (first 32 bytes each, comma-separated)",
	             AT_IKE, struct ike_state, vendor_ids, SL_NONZERO),
	SL_FIELD_STR("ike.vendors", "names of well-known vendor ids: RFC 3947 NAT-T, Cisco Unity, strongSwan, Microsoft...",
	             AT_IKE, struct ike_state, vendors, SL_NONZERO),
	SL_FIELD_BOOL("ike.responder_seen", "the responder answered with the initiator's SPI",
	              AT_IKE, struct ike_state, replied, SL_WITH_STATE),
};

static const struct sl_field_table ike_fields = { "ike", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_ike = {
	.name = "ike",
	.l4 = SL_L4_UDP,
	.state_size = sizeof(struct ike_state),
	.probe = ike_probe,
	.packet = ike_packet,
	.fields = &ike_fields,
};
