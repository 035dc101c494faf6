/* ESP, the IPsec data plane (RFC 4303): IP protocol 50, or inside UDP 4500
 * for NAT traversal (RFC 3948, where a non-zero first word is the SPI and a
 * zero one marks IKE).  Every packet starts with the SPI (32 bits; 1-255 are
 * reserved by IANA, 0 is never sent) and a sequence number that starts at 1
 * and grows per SA.  A flow is ESP once one direction shows two packets of
 * one SPI with a growing sequence number, or both directions show a valid
 * first packet (the SAs of a pair have different SPIs). */
#include <string.h>

#include "sightline/proto.h"

#define ESP_IPPROTO 50
#define ESP_NATT_PORT 4500
#define ESP_HDR_LEN 8
#define ESP_SPI_MIN 256
#define ESP_SEQ_JUMP 4096 /* larger forward jumps between seen packets: not one SA */

extern const struct sl_proto sl_proto_esp;

struct esp_state {
	uint32_t spi[2], seq[2]; /* last seen per direction */
	uint8_t seen[2];         /* valid packets per direction */
	bool identified;
};

static bool esp_probe(const struct sl_proto_pkt *pp)
{
	const struct sl_packet *p = pp->pkt;
	if (p->proto == ESP_IPPROTO)
		return p->payload_len >= ESP_HDR_LEN;
	return p->proto == 17 && (p->sport == ESP_NATT_PORT || p->dport == ESP_NATT_PORT) &&
	       p->payload_len >= ESP_HDR_LEN;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Record one packet's SPI and sequence number; false when they break the
 * rules (reserved SPI, zero sequence, a different SPI or a sequence that
 * does not grow within one direction). */
static bool track(struct esp_state *s, int d, uint32_t spi, uint32_t seq)
{
	if (spi < ESP_SPI_MIN || seq == 0)
		return false;
	if (s->seen[d] && (spi != s->spi[d] || seq <= s->seq[d] || seq - s->seq[d] > ESP_SEQ_JUMP))
		return false;
	s->spi[d] = spi;
	s->seq[d] = seq;
	if (s->seen[d] < 255)
		s->seen[d]++;
	return true;
}

static enum sl_proto_verdict esp_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct esp_state *s = state;
	const uint8_t *m = pp->pkt->payload;
	size_t len = pp->pkt->payload_len;
	int d = pp->dir == SL_DIR_TOSERVER ? 0 : 1;
	if (len < ESP_HDR_LEN || (pp->pkt->proto == 17 && be32(m) == 0))
		return SL_PROTO_MORE; /* NAT-T keepalive or IKE: not for us to judge */
	if (!track(s, d, be32(m), be32(m + 4)))
		return s->identified ? SL_PROTO_DONE : SL_PROTO_NOT_MINE;
	if (!s->identified && (s->seen[d] >= 2 || (s->seen[0] && s->seen[1]))) {
		s->identified = true;
		sl_app_identify(pp->flow, &sl_proto_esp);
		sl_proto_claim_product(pp->flow, "ipsec", "vpn", SL_PROTO_BY_WIRE);
	}
	return s->identified && s->seen[0] && s->seen[1] ? SL_PROTO_DONE : SL_PROTO_MORE;
}

/* Declared fields read the state once identified, each SPI once its
 * direction was seen. */
#define AT_ESP SL_IN_STATE_IF(sl_proto_esp, struct esp_state, identified)

static const struct sl_field fields[] = {
	SL_FIELD_U("esp.spi_client", "SPI of the client's ESP packets (the SA towards the server)",
	           AT_ESP, struct esp_state, spi[0], SL_IF(struct esp_state, seen[0])),
	SL_FIELD_U("esp.spi_server", "SPI of the server's ESP packets",
	           AT_ESP, struct esp_state, spi[1], SL_IF(struct esp_state, seen[1])),
};

static const struct sl_field_table esp_fields = { "esp", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_esp = {
	.name = "esp",
	.l4 = SL_L4_UDP | SL_L4_OTHER,
	.state_size = sizeof(struct esp_state),
	.probe = esp_probe,
	.packet = esp_packet,
	.fields = &esp_fields,
};
