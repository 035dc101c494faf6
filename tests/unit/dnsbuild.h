/* Crafting DNS messages byte by byte for the DNS and mDNS unit tests
 * (RFC 1035 §4.1), and running several flows on one dispatcher so that a
 * later flow sees what an earlier one taught the parsers' global tables. */
#ifndef SIGHTLINE_TESTS_DNSBUILD_H
#define SIGHTLINE_TESTS_DNSBUILD_H

#include <stdint.h>
#include <string.h>

#include "protohelp.h"

struct mb {
	uint8_t b[2048];
	size_t n;
};

static inline void mb_u8(struct mb *m, uint8_t v)
{
	m->b[m->n++] = v;
}

static inline void mb_u16(struct mb *m, uint16_t v)
{
	mb_u8(m, (uint8_t)(v >> 8));
	mb_u8(m, (uint8_t)v);
}

static inline void mb_u32(struct mb *m, uint32_t v)
{
	mb_u16(m, (uint16_t)(v >> 16));
	mb_u16(m, (uint16_t)v);
}

static inline void mb_bytes(struct mb *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

/* Dotted name as labels, ending with the root label unless `ptr` (then a
 * compression pointer to offset ptr ends it).  Returns the name's offset. */
static inline size_t mb_name_ptr(struct mb *m, const char *dotted, int ptr)
{
	size_t at = m->n;
	while (*dotted) {
		size_t l = strcspn(dotted, ".");
		mb_u8(m, (uint8_t)l);
		mb_bytes(m, dotted, l);
		dotted += l + (dotted[l] == '.');
	}
	if (ptr >= 0)
		mb_u16(m, (uint16_t)(0xc000 | ptr));
	else
		mb_u8(m, 0);
	return at;
}

static inline size_t mb_name(struct mb *m, const char *dotted)
{
	return mb_name_ptr(m, dotted, -1);
}

static inline void mb_hdr(struct mb *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
			  uint16_t ns, uint16_t ar)
{
	m->n = 0;
	mb_u16(m, id);
	mb_u16(m, flags);
	mb_u16(m, qd);
	mb_u16(m, an);
	mb_u16(m, ns);
	mb_u16(m, ar);
}

static inline void mb_question(struct mb *m, const char *name, uint16_t type)
{
	mb_name(m, name);
	mb_u16(m, type);
	mb_u16(m, 1);
}

/* Type, class IN, TTL 300 and rdata, after an owner name already written. */
static inline void mb_rr_body(struct mb *m, uint16_t type, const void *rdata, uint16_t len)
{
	mb_u16(m, type);
	mb_u16(m, 1);
	mb_u32(m, 300);
	mb_u16(m, len);
	mb_bytes(m, rdata, len);
}

/* An RR whose owner is the pointer ptr and whose rdata is a name. */
static inline void mb_rr_name(struct mb *m, uint16_t owner_ptr, uint16_t type, const char *target)
{
	mb_u16(m, (uint16_t)(0xc000 | owner_ptr));
	mb_u16(m, type);
	mb_u16(m, 1);
	mb_u32(m, 300);
	size_t len_at = m->n;
	mb_u16(m, 0);
	size_t start = m->n;
	mb_name(m, target);
	m->b[len_at] = (uint8_t)((m->n - start) >> 8);
	m->b[len_at + 1] = (uint8_t)(m->n - start);
}

/* Query for name/type with id, RD set. */
static inline void mb_query(struct mb *m, uint16_t id, const char *name, uint16_t type)
{
	mb_hdr(m, id, 0x0100, 1, 0, 0, 0);
	mb_question(m, name, type);
}

/* Response for name A carrying one address (owner = the question). */
static inline void mb_answer_a(struct mb *m, uint16_t id, const char *name, const uint8_t ip[4])
{
	mb_hdr(m, id, 0x8180, 1, 1, 0, 0);
	mb_question(m, name, 1);
	mb_u16(m, 0xc00c);
	mb_rr_body(m, 1, ip, 4);
}

/* A second flow on h's dispatcher, identification and hosts table (it sees
 * what h's flow taught); finish it with ph_finish_shared() before
 * ph_finish(h). */
static inline void ph_share(struct ph *h2, struct ph *h)
{
	sl_dispatch_destroy(h2->d);
	sl_identify_destroy(h2->id);
	sl_hosts_destroy(h2->hosts);
	h2->d = h->d;
	h2->id = h->id;
	h2->hosts = h->hosts;
}

static inline void ph_init_shared(struct ph *h2, struct ph *h, uint8_t proto, const char *cli,
				  uint16_t cport, const char *srv, uint16_t sport)
{
	ph_init(h2, proto, cli, cport, srv, sport);
	ph_share(h2, h);
	h2->now = h->now + 1000000;
}

static inline void ph_finish_shared(struct ph *h2)
{
	ph_end(h2);
	sl_dispatch_flow_free(h2->d, &h2->flow);
	sl_config_finish(&h2->cfg);
}

/* Rebuild h's dispatcher and hosts table after changing h->cfg (before any
 * packet). */
static inline void ph_redispatch(struct ph *h)
{
	char err[256];
	sl_dispatch_destroy(h->d);
	sl_hosts_destroy(h->hosts);
	if (sl_hosts_create(&h->cfg, &h->hosts, err, sizeof(err)) < 0)
		abort();
	h->view.ctx = h->hosts;
	if (sl_dispatch_create(&h->cfg, &h->view, &h->d, err, sizeof(err)) < 0)
		abort();
}

/* Feed a private copy of exactly len bytes (so ASan sees any over-read). */
static inline void ph_feed_copy(struct ph *h, enum sl_dir dir, const void *p, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);
	memcpy(c, p, len);
	ph_feed(h, dir, c, len);
	free(c);
}

#endif
