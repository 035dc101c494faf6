/* The one list of protocol parsers, and the field naming the one that
 * identified a flow.  Adding a protocol touches its own file, one line here
 * and one files() line in meson.build; nothing else names individual
 * parsers. */
#include <pthread.h>
#include <stdint.h>

#include "sightline/proto.h"

extern const struct sl_proto sl_proto_tcp;
extern const struct sl_proto sl_proto_http;
extern const struct sl_proto sl_proto_ssh;
extern const struct sl_proto sl_proto_tls;
extern const struct sl_proto sl_proto_quic;
extern const struct sl_proto sl_proto_dtls;
extern const struct sl_proto sl_proto_dns;
extern const struct sl_proto sl_proto_dhcp;
extern const struct sl_proto sl_proto_mdns;
extern const struct sl_proto sl_proto_openvpn;
extern const struct sl_proto sl_proto_wireguard;
extern const struct sl_proto sl_proto_tailscale;
extern const struct sl_proto sl_proto_zerotier;
extern const struct sl_proto sl_proto_tinc;
extern const struct sl_proto sl_proto_ike;
extern const struct sl_proto sl_proto_esp;
extern const struct sl_proto sl_proto_pptp;
extern const struct sl_proto sl_proto_pptp_gre;
extern const struct sl_proto sl_proto_rdp;
extern const struct sl_proto sl_proto_rdp_udp;
extern const struct sl_proto sl_proto_vnc;
extern const struct sl_proto sl_proto_teamviewer;
extern const struct sl_proto sl_proto_anydesk;
extern const struct sl_proto sl_proto_rustdesk;
extern const struct sl_proto sl_proto_l2tp;
extern const struct sl_proto sl_proto_softether;
extern const struct sl_proto sl_proto_sstp;
extern const struct sl_proto sl_proto_nomachine;
extern const struct sl_proto sl_proto_radmin;
extern const struct sl_proto sl_proto_obfs;
extern const struct sl_proto sl_proto_stun;
extern const struct sl_proto sl_proto_ipkvm;
extern const struct sl_proto sl_proto_citrix;
extern const struct sl_proto sl_proto_cloudflare_warp;

static const struct sl_proto *const protos[] = {
	&sl_proto_tcp, /* FIRST: sees the SYN, SYN/ACK and ACK before any other parser */
	&sl_proto_http,
	&sl_proto_ssh,
	&sl_proto_tls,
	&sl_proto_quic,
	&sl_proto_dtls,
	&sl_proto_dns,
	&sl_proto_dhcp,
	&sl_proto_mdns,
	&sl_proto_openvpn,
	&sl_proto_wireguard,
	&sl_proto_tailscale,
	&sl_proto_zerotier,
	&sl_proto_tinc,
	&sl_proto_ike,
	&sl_proto_esp,
	&sl_proto_pptp,
	&sl_proto_pptp_gre,
	&sl_proto_rdp,
	&sl_proto_rdp_udp,
	&sl_proto_vnc,
	&sl_proto_teamviewer,
	&sl_proto_anydesk,
	&sl_proto_rustdesk,
	&sl_proto_l2tp,
	&sl_proto_softether,
	&sl_proto_sstp,
	&sl_proto_nomachine,
	&sl_proto_radmin,
	&sl_proto_obfs,
	&sl_proto_stun,
	&sl_proto_ipkvm,
	&sl_proto_citrix,
	&sl_proto_cloudflare_warp,
};

/* dispatch.c keeps per-flow done/declined sets as 64-bit masks. */
_Static_assert(ARRAY_SIZE(protos) <= 64, "at most 64 parsers");

size_t sl_proto_count(void)
{
	return ARRAY_SIZE(protos);
}

const struct sl_proto *sl_proto_at(size_t i)
{
	return i < ARRAY_SIZE(protos) ? protos[i] : NULL;
}

/* Every field getter asks for its parser's index, many times per event: a
 * pointer-keyed open-addressing table built once instead of a scan. */
#define INDEX_SLOTS 256 /* a power of two, well above the parser count */
static struct {
	const struct sl_proto *p;
	int i;
} index_tab[INDEX_SLOTS];
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static size_t index_slot(const struct sl_proto *p)
{
	uintptr_t x = (uintptr_t)p;
	return (size_t)((x >> 4) ^ (x >> 12)) & (INDEX_SLOTS - 1);
}

static void index_build(void)
{
	_Static_assert(ARRAY_SIZE(protos) < INDEX_SLOTS / 2, "grow INDEX_SLOTS");
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++) {
		size_t k = index_slot(protos[i]);
		while (index_tab[k].p)
			k = (k + 1) & (INDEX_SLOTS - 1);
		index_tab[k].p = protos[i];
		index_tab[k].i = (int)i;
	}
}

int sl_proto_index(const struct sl_proto *p)
{
	pthread_once(&index_once, index_build);
	for (size_t k = index_slot(p); index_tab[k].p; k = (k + 1) & (INDEX_SLOTS - 1))
		if (index_tab[k].p == p)
			return index_tab[k].i;
	return -1;
}

/* The wire protocol the parsers identified: app_proto. */
static bool g_app_proto(const struct sl_record *r, struct sl_value *v)
{
	const struct sl_proto *p = r->flow->app_proto ? sl_proto_at(r->flow->app_proto - 1u) : NULL;
	v->s = p ? p->name : NULL;
	return v->s != NULL;
}

static const struct sl_field fields[] = {
	{ "app_proto", SL_FT_STRING, "application protocol identified on the wire (http, tls, ssh, ...)", g_app_proto },
};

const struct sl_field_table sl_proto_fields = { "proto", fields, ARRAY_SIZE(fields) };
