/* The peers of overlay-network meta connections (tinc): the two hosts and
 * the meta server's port, in a ring of SL_OVERLAY_PEERS.  tinc's UDP data
 * channel runs between the same two daemons, the meta server sending from
 * the TCP port it accepted the meta connection on (tinc manual §4.4
 * "Port": one port for TCP and UDP). */
#include <string.h>

#include "hosts_priv.h"

void sl_overlay_peers_add(struct sl_overlay_peers *g, const struct sl_addr *cli,
			  const struct sl_addr *srv, uint16_t port)
{
	struct sl_overlay_peer *e = &g->e[g->next];
	e->cli = *cli;
	e->srv = *srv;
	e->port = port;
	g->next = (g->next + 1) % SL_OVERLAY_PEERS;
	if (g->used < SL_OVERLAY_PEERS)
		g->used++;
}

bool sl_overlay_peers_channel(const struct sl_overlay_peers *g, const struct sl_packet *p)
{
	for (unsigned i = 0; i < g->used; i++) {
		const struct sl_overlay_peer *e = &g->e[i];
		/* the port first: it rules out nearly every entry for one compare */
		if ((p->sport == e->port && sl_addr_eq(&p->src, &e->srv) && sl_addr_eq(&p->dst, &e->cli)) ||
		    (p->dport == e->port && sl_addr_eq(&p->dst, &e->srv) && sl_addr_eq(&p->src, &e->cli)))
			return true;
	}
	return false;
}
