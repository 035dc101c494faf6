/* DNS queries and responses over UDP and TCP; every answer tells the hosts
 * table the names of its addresses (dest.dns_name, src.dns_name on every
 * later flow: include/sightline/hosts.h).  Specs:
 * RFC 1035 (messages), RFC 3596 (AAAA), RFC 7766 (TCP: 2-byte length prefix,
 * several messages per connection).  A flow may carry several transactions
 * (a resolver's 5-tuple): the first question and the response to it are
 * kept, the rest are counted, and every response is learnt from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns_msg.h"
#include "sightline/hosts.h"
#include "sightline/proto.h"

#define DNS_TCP_BUF 4096    /* bytes kept of one TCP message; the rest is skipped */
#define DNS_ANSWERS_MAX 512 /* dns.answer_data, NUL included */
#define DNS_CNAME_MAX 8     /* CNAME links followed per response */
#define DNS_PROBE_RR_MAX 64 /* sane section counts for a DNS message off port 53 */

extern const struct sl_proto sl_proto_dns;

/* One direction of a TCP connection: messages behind 2-byte lengths. */
struct dns_stream {
	uint32_t next_seq;
	bool started, broken;
	uint8_t nlen;       /* bytes of the length prefix read */
	uint8_t lenb[2];
	uint16_t msglen;    /* length of the message being read */
	uint16_t have;      /* bytes of it read so far (beyond DNS_TCP_BUF: counted only) */
	uint8_t buf[DNS_TCP_BUF];
};

struct dns_state {
	struct dns_stream *tcp;  /* [2], allocated at the first TCP segment; NULL on UDP */
	uint32_t queries, responses;
	bool identified, rejected;
	bool have_q, q_from_query, have_r;
	uint16_t qid, qtype;
	uint8_t rcode;
	char query[SL_DNS_TEXT_MAX];
	char answers[DNS_ANSWERS_MAX];
};

/* Ports whose DNS-shaped traffic belongs to another parser or protocol:
 * mDNS (mdns.c) and NetBIOS name service. */
static bool excluded_port(uint16_t port)
{
	return port == 5353 || port == 137;
}

/* Off port 53 a message must parse exactly: one question, opcode QUERY,
 * Z bit clear, sane counts, every record well formed, nothing left over. */
static bool dns_strict(const uint8_t *p, size_t len)
{
	struct sl_dns_msg m;
	char name[SL_DNS_TEXT_MAX];
	uint16_t t, c;
	struct sl_dns_rr rr;
	if (!sl_dns_msg_begin(&m, p, len) || m.h.qdcount != 1 || SL_DNS_OPCODE(m.h.flags) != 0 ||
	    (m.h.flags & 0x0040) || m.h.ancount > DNS_PROBE_RR_MAX ||
	    m.h.nscount > DNS_PROBE_RR_MAX || m.h.arcount > DNS_PROBE_RR_MAX)
		return false;
	if (!(m.h.flags & SL_DNS_QR) && (m.h.ancount || m.h.nscount))
		return false;
	if (!sl_dns_question(&m, name, sizeof(name), &t, &c))
		return false;
	for (unsigned i = 0; i < (unsigned)m.h.ancount + m.h.nscount + m.h.arcount; i++)
		if (!sl_dns_rr(&m, &rr))
			return false;
	return m.off == len;
}

/* Port 53 (either side): anything with a plausible start; the first message
 * decides in dns_packet().  Any other port: one complete, strictly valid
 * message (TCP: behind its exact length prefix). */
static bool dns_probe(const struct sl_proto_pkt *pp)
{
	const struct sl_packet *p = pp->pkt;
	const uint8_t *msg = p->payload;
	size_t len = p->payload_len;
	bool port53 = p->sport == 53 || p->dport == 53;
	if (excluded_port(p->sport) || excluded_port(p->dport))
		return false;
	if (p->proto == 6) {
		if (port53)
			return true; /* even a lone byte of the length prefix: reassembly joins it */
		if (len < 2)
			return false;
		size_t mlen = (size_t)msg[0] << 8 | msg[1];
		msg += 2;
		len -= 2;
		if (mlen != len)
			return false;
	}
	return port53 ? len >= SL_DNS_HDR_LEN : dns_strict(msg, len);
}

/* Append the answer section's A, AAAA, CNAME, PTR and TXT data to dns.answers. */
static void collect_answers(struct dns_state *s, struct sl_dns_msg m)
{
	struct sl_dns_rr rr;
	char text[SL_DNS_TEXT_MAX];
	struct sl_addr a;
	for (unsigned i = 0; i < m.h.ancount && sl_dns_rr(&m, &rr); i++) {
		bool ok = false;
		if (sl_dns_rdata_addr(&m, &rr, &a))
			ok = sl_addr_format(&a, text, sizeof(text))[0] != '\0';
		else if (rr.type == SL_DNS_T_CNAME || rr.type == SL_DNS_T_PTR)
			ok = sl_dns_rdata_name(&m, &rr, 0, text, sizeof(text));
		else if (rr.type == SL_DNS_T_TXT)
			ok = sl_dns_rdata_txt(&m, &rr, text, sizeof(text));
		if (ok && !sl_dns_list_add(s->answers, sizeof(s->answers), text, false))
			break;
	}
}

struct cname_link {
	char owner[SL_DNS_TEXT_MAX];
	char target[SL_DNS_TEXT_MAX];
};

/* Whether owner is the question name or reached from it through the
 * response's CNAME links (each link followed at most once). */
static bool chains_to(const char *owner, const char *qname, const struct cname_link *links,
		      size_t n)
{
	const char *cur = owner;
	for (size_t hop = 0; hop <= n; hop++) {
		if (strcasecmp(cur, qname) == 0)
			return true;
		size_t i = 0;
		while (i < n && strcasecmp(links[i].target, cur) != 0)
			i++;
		if (i == n)
			return false;
		cur = links[i].owner;
	}
	return false;
}

/*
 * Why two passes over the answers: the A/AAAA records are mapped to the name
 * the client asked for, which may sit behind CNAMEs (login → sso → address),
 * and nothing obliges a server to list the CNAMEs first.  Records whose owner
 * does not lead back to the question are not answers to it and are skipped.
 */
static void learn(const struct sl_proto_pkt *pp, struct sl_dns_msg m, const char *qname)
{
	struct sl_host_fact fact = { .kind = SL_HOST_DNS_NAME, .dns.name = qname };
	struct cname_link links[DNS_CNAME_MAX];
	struct sl_dns_rr rr;
	struct sl_addr a;
	size_t n = 0;
	struct sl_dns_msg again = m;
	for (unsigned i = 0; i < m.h.ancount && sl_dns_rr(&m, &rr); i++) {
		if (rr.type != SL_DNS_T_CNAME || n == DNS_CNAME_MAX)
			continue;
		if (sl_dns_rdata_name(&m, &rr, 0, links[n].target, sizeof(links[n].target))) {
			memcpy(links[n].owner, rr.name, sizeof(rr.name));
			n++;
		}
	}
	for (unsigned i = 0; i < again.h.ancount && sl_dns_rr(&again, &rr); i++)
		if (sl_dns_rdata_addr(&again, &rr, &a) && chains_to(rr.name, qname, links, n)) {
			fact.dns.addr = a;
			sl_proto_learn(pp, &fact);
		}
}

static void record_question(struct dns_state *s, uint16_t id, const char *qname,
			    uint16_t qtype, bool from_query)
{
	s->have_q = true;
	s->q_from_query = from_query;
	s->qid = id;
	s->qtype = qtype;
	memcpy(s->query, qname, sizeof(s->query));
}

static void handle_response(struct dns_state *s, const struct sl_proto_pkt *pp,
			    const struct sl_dns_msg *m, bool has_q, const char *qname, uint16_t qtype)
{
	unsigned rcode = SL_DNS_RCODE(m->h.flags);
	s->responses++;
	if (!s->have_q && has_q)
		record_question(s, m->h.id, qname, qtype, false);
	if (!s->have_r && (!s->q_from_query || m->h.id == s->qid)) {
		s->have_r = true;
		s->rcode = (uint8_t)rcode;
		collect_answers(s, *m);
	}
	if (rcode == 0 && has_q)
		learn(pp, *m, qname);
}

/* One complete DNS message (or the kept prefix of a long TCP one).  False
 * when its header or questions do not parse. */
static bool handle_msg(struct dns_state *s, const struct sl_proto_pkt *pp, const uint8_t *buf,
		       size_t len)
{
	struct sl_dns_msg m;
	struct sl_dns_memo memo;
	char qname[SL_DNS_TEXT_MAX] = "", skip[SL_DNS_TEXT_MAX];
	uint16_t qtype = 0, qclass, t, c;
	if (!sl_dns_msg_begin(&m, buf, len))
		return false;
	for (unsigned i = 0; i < SL_DNS_MEMO; i++)
		memo.e[i].cap = 0; /* only the keys: texts are written before read */
	memo.next = 0;
	m.memo = &memo; /* the answers are walked up to three times */
	bool has_q = m.h.qdcount > 0;
	if (has_q && !sl_dns_question(&m, qname, sizeof(qname), &qtype, &qclass))
		return false;
	for (unsigned i = 1; i < m.h.qdcount; i++)
		if (!sl_dns_question(&m, skip, sizeof(skip), &t, &c))
			return false;
	if (m.h.flags & SL_DNS_QR) {
		handle_response(s, pp, &m, has_q, qname, qtype);
	} else {
		s->queries++;
		if (has_q && !s->have_q)
			record_question(s, m.h.id, qname, qtype, true);
	}
	return true;
}

static void message_done(struct dns_state *s, const struct sl_proto_pkt *pp, bool ok)
{
	if (ok && !s->identified) {
		s->identified = true;
		sl_app_identify(pp->flow, &sl_proto_dns);
	} else if (!ok && !s->identified) {
		s->rejected = true;
	}
}

/* Consume in-order stream bytes: length prefix, then message body. */
static void stream_bytes(struct dns_state *s, struct dns_stream *st, const uint8_t *p, size_t n,
			 const struct sl_proto_pkt *pp)
{
	while (n && !s->rejected) {
		if (st->nlen < 2) {
			st->lenb[st->nlen++] = *p++;
			n--;
			if (st->nlen < 2)
				continue;
			st->msglen = (uint16_t)(st->lenb[0] << 8 | st->lenb[1]);
			st->have = 0;
			if (st->msglen == 0)
				st->nlen = 0; /* an empty message: nothing to read */
			continue;
		}
		size_t take = (size_t)(st->msglen - st->have) < n ? (size_t)(st->msglen - st->have) : n;
		if (st->have < DNS_TCP_BUF) {
			size_t room = DNS_TCP_BUF - st->have;
			memcpy(st->buf + st->have, p, take < room ? take : room);
		}
		st->have = (uint16_t)(st->have + take);
		p += take;
		n -= take;
		if (st->have == st->msglen) {
			size_t kept = st->msglen < DNS_TCP_BUF ? st->msglen : DNS_TCP_BUF;
			message_done(s, pp, handle_msg(s, pp, st->buf, kept));
			st->nlen = 0;
		}
	}
}

/* In-order TCP: a gap ends reassembly of that direction, a retransmission is
 * trimmed to its new bytes. */
static void tcp_segment(struct dns_state *s, const struct sl_proto_pkt *pp)
{
	const struct sl_packet *p = pp->pkt;
	struct dns_stream *st = &s->tcp[pp->dir];
	if (st->broken)
		return;
	if (!st->started) {
		st->started = true;
		st->next_seq = p->tcp_seq;
	}
	int32_t d = (int32_t)(p->tcp_seq - st->next_seq);
	if (d > 0) {
		st->broken = true;
		return;
	}
	size_t skip = (size_t)(-(int64_t)d);
	if (skip >= p->payload_len)
		return;
	st->next_seq = p->tcp_seq + p->payload_len;
	stream_bytes(s, st, p->payload + skip, p->payload_len - skip, pp);
}

static enum sl_proto_verdict dns_packet(void *state, const struct sl_proto_pkt *pp)
{
	struct dns_state *s = state;
	const struct sl_packet *p = pp->pkt;
	if (!p->payload_len)
		return SL_PROTO_MORE;
	if (p->proto == 17) {
		message_done(s, pp, handle_msg(s, pp, p->payload, p->payload_len));
	} else {
		if (!s->tcp && !(s->tcp = calloc(2, sizeof(*s->tcp))))
			return SL_PROTO_NOT_MINE;
		tcp_segment(s, pp);
	}
	return s->rejected ? SL_PROTO_NOT_MINE : SL_PROTO_MORE;
}

static void dns_release(void *state)
{
	struct dns_state *s = state;
	free(s->tcp);
	s->tcp = NULL;
}

static const struct dns_state *state_of(const struct sl_record *r)
{
	const struct dns_state *s = sl_record_state(r, &sl_proto_dns);
	return s && s->identified ? s : NULL;
}

/* Why computed: a sparse name table with the number for the rest. */
static bool g_rrtype(const struct sl_record *r, struct sl_value *v)
{
	const struct dns_state *s = state_of(r);
	v->s = s && s->have_q ? sl_dns_type_name(s->qtype, v->buf, sizeof(v->buf)) : NULL;
	return v->s != NULL;
}

/* Why computed: a sparse name table with the number for the rest. */
static bool g_rcode(const struct sl_record *r, struct sl_value *v)
{
	const struct dns_state *s = state_of(r);
	v->s = s && s->have_r ? sl_dns_rcode_name(s->rcode, v->buf, sizeof(v->buf)) : NULL;
	return v->s != NULL;
}

/* Declared fields read the state once identified is set. */
#define AT_DNS SL_IN_STATE_IF(sl_proto_dns, struct dns_state, identified)

static const struct sl_field fields[] = {
	SL_FIELD_STR("dns.rrname", "first question name of the flow (RFC 1035 presentation form)",
	             AT_DNS, struct dns_state, query, SL_IF(struct dns_state, have_q)),
	{ "dns.rrtype", SL_FT_STRING, "type asked for in that question: A, AAAA, CNAME, TXT, PTR, MX, HTTPS, ... or the number", g_rrtype },
	{ "dns.rcode", SL_FT_STRING, "response code of the answer to that question: NOERROR, NXDOMAIN, SERVFAIL, ...", g_rcode },
	SL_FIELD_STR("dns.answer_data", "that answer's A, AAAA, CNAME, PTR and TXT data, comma-separated (at most 511 bytes)",
	             AT_DNS, struct dns_state, answers, SL_NONZERO),
	SL_FIELD_U("dns.query_count", "DNS queries seen in the flow's inspected packets",
	           AT_DNS, struct dns_state, queries, SL_WITH_STATE),
	SL_FIELD_U("dns.response_count", "DNS responses seen in the flow's inspected packets",
	           AT_DNS, struct dns_state, responses, SL_WITH_STATE),
};

static const struct sl_field_table dns_fields = { "dns", fields, ARRAY_SIZE(fields), true };

const struct sl_proto sl_proto_dns = {
	.name = "dns",
	.l4 = SL_L4_TCP | SL_L4_UDP,
	.state_size = sizeof(struct dns_state),
	.probe = dns_probe,
	.packet = dns_packet,
	.release = dns_release,
	.fields = &dns_fields,
};
