/* DNS message decoding shared by dns.c and mdns.c: the only name
 * decompression code in the sensor.  Spec: RFC 1035 §4.1 and §4.1.4 (message
 * format and compression), §5.1 (\DDD escapes), RFC 3596 (AAAA). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dns_msg.h"

bool sl_dns_msg_begin(struct sl_dns_msg *m, const uint8_t *buf, size_t len)
{
	memset(m, 0, sizeof(*m));
	if (len < SL_DNS_HDR_LEN)
		return false;
	m->buf = buf;
	m->len = len;
	uint16_t *f[6] = { &m->h.id, &m->h.flags, &m->h.qdcount, &m->h.ancount, &m->h.nscount,
			   &m->h.arcount };
	for (size_t i = 0; i < 6; i++)
		*f[i] = (uint16_t)(buf[2 * i] << 8 | buf[2 * i + 1]);
	m->off = SL_DNS_HDR_LEN;
	return true;
}

/* Text writer that stops cleanly when the buffer is full. */
struct text {
	char *out;
	size_t cap, n;
	bool full;
};

static void text_put(struct text *t, const char *s, size_t n)
{
	if (t->full || t->n + n >= t->cap) {
		t->full = true;
		return;
	}
	memcpy(t->out + t->n, s, n);
	t->n += n;
	t->out[t->n] = '\0';
}

enum text_mode {
	TX_NAME,      /* DNS label: printable ASCII, the rest as \DDD */
	TX_NAME_UTF8, /* mDNS label (RFC 6762 §16): spaces and UTF-8 kept, ',' escaped */
	TX_TXT,       /* TXT character-string: spaces and UTF-8 kept */
};

/* A byte escaped with a backslash in mode: '.' in a label, '\\', and ','
 * in an mDNS label. */
static bool backslashed(uint8_t b, enum text_mode mode)
{
	return (b == '.' && mode != TX_TXT) || b == '\\' || (b == ',' && mode == TX_NAME_UTF8);
}

/* A byte written as it is (no escape) in mode. */
static bool plain_byte(uint8_t b, enum text_mode mode)
{
	if (backslashed(b, mode))
		return false;
	return (b > 0x20 && b < 0x7f) || (mode != TX_NAME && (b == ' ' || b >= 0x80));
}

/* One byte in presentation form: printable as is, '.' (in a label) and '\'
 * escaped with a backslash, anything else as \DDD (RFC 1035 §5.1). */
static void text_byte(struct text *t, uint8_t b, enum text_mode mode)
{
	char esc[4] = { '\\', (char)b };
	if (plain_byte(b, mode)) {
		text_put(t, (const char *)&b, 1);
	} else if (backslashed(b, mode)) {
		text_put(t, esc, 2);
	} else {
		esc[1] = (char)('0' + b / 100);
		esc[2] = (char)('0' + b / 10 % 10);
		esc[3] = (char)('0' + b % 10);
		text_put(t, esc, 4);
	}
}

/* p[0..n) in presentation form: runs of plain bytes copied at once (a
 * name's bytes one put each were most of a DNS answer's cost).  A run that
 * does not fit goes byte by byte, so a cut name ends where it always did. */
static void text_bytes(struct text *t, const uint8_t *p, size_t n, enum text_mode mode)
{
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && plain_byte(p[j], mode))
			j++;
		if (j > i && !t->full && t->n + (j - i) < t->cap) {
			text_put(t, (const char *)p + i, j - i);
			i = j;
		}
		for (; i < j; i++)
			text_put(t, (const char *)p + i, 1);
		if (i < n)
			text_byte(t, p[i++], mode);
	}
}

/*
 * Why strictly backwards pointers: a compressing encoder can only refer to a
 * name it has already written, so a pointer to where the name began, or
 * beyond, is a loop or garbage.  Requiring each jump to land before the start
 * of the previous stretch (lowest) visits every byte at most once, so every
 * walk terminates without a visited set; the 255-octet limit bounds the
 * output.
 */
static bool decode_name(const struct sl_dns_msg *m, size_t *off, char *out, size_t cap)
{
	struct text t = { out, cap, 0, cap == 0 };
	size_t pos = *off, lowest = *off, end = 0, wire = 0;
	bool jumped = false;
	if (cap)
		out[0] = '\0';
	for (;;) {
		if (pos >= m->len)
			return false;
		uint8_t b = m->buf[pos];
		if ((b & 0xc0) == 0xc0) {
			if (pos + 1 >= m->len)
				return false;
			size_t ptr = (size_t)(b & 0x3f) << 8 | m->buf[pos + 1];
			if (ptr >= lowest)
				return false; /* forward, self or past the end: a loop or garbage */
			lowest = ptr;
			if (!jumped)
				end = pos + 2;
			jumped = true;
			pos = ptr;
			continue;
		}
		if (b & 0xc0)
			return false; /* 0x40 extended and 0x80 reserved label types */
		if (wire + 1u + b > SL_DNS_NAME_WIRE_MAX || pos + 1u + b > m->len)
			return false;
		wire += 1u + b;
		if (b == 0)
			break;
		if (t.n)
			text_put(&t, ".", 1);
		text_bytes(&t, m->buf + pos + 1, b, m->utf8 ? TX_NAME_UTF8 : TX_NAME);
		pos += 1u + b;
	}
	if (wire == 1)
		text_put(&t, ".", 1);
	*off = jumped ? end : pos + 1;
	return true;
}

/*
 * Through the memo.  A name that starts with a pointer back to P decodes
 * exactly as the name at P does (the walk after the jump is the walk from P:
 * nothing decoded yet, P the lowest point), only *off moves past the
 * pointer; so both are kept under P.
 */
static bool memo_name(const struct sl_dns_msg *m, size_t *off, char *out, size_t cap)
{
	struct sl_dns_memo *mm = m->memo;
	size_t at = *off, start = at;
	bool ptr = at + 1 < m->len && (m->buf[at] & 0xc0) == 0xc0;
	if (ptr) {
		start = (size_t)(m->buf[at] & 0x3f) << 8 | m->buf[at + 1];
		if (start >= at)
			return decode_name(m, off, out, cap); /* fails: forward or self */
	}
	for (unsigned i = 0; i < SL_DNS_MEMO; i++) {
		if (mm->e[i].cap != cap || mm->e[i].start != start)
			continue;
		memcpy(out, mm->e[i].text, strlen(mm->e[i].text) + 1);
		if (mm->e[i].ok)
			*off = ptr ? at + 2 : mm->e[i].end;
		return mm->e[i].ok;
	}
	size_t end = start;
	bool ok = decode_name(m, &end, out, cap);
	unsigned i = mm->next++ % SL_DNS_MEMO;
	mm->e[i].start = start;
	mm->e[i].cap = cap;
	mm->e[i].end = end;
	mm->e[i].ok = ok;
	memcpy(mm->e[i].text, out, strlen(out) + 1);
	if (ok)
		*off = ptr ? at + 2 : end;
	return ok;
}

bool sl_dns_name(const struct sl_dns_msg *m, size_t *off, char *out, size_t cap)
{
	if (m->memo && cap && cap <= SL_DNS_TEXT_MAX)
		return memo_name(m, off, out, cap);
	return decode_name(m, off, out, cap);
}

static bool rd16(const struct sl_dns_msg *m, size_t off, uint16_t *v)
{
	if (off + 2 > m->len)
		return false;
	*v = (uint16_t)(m->buf[off] << 8 | m->buf[off + 1]);
	return true;
}

bool sl_dns_question(struct sl_dns_msg *m, char *name, size_t cap, uint16_t *type,
		     uint16_t *qclass)
{
	size_t off = m->off;
	if (!sl_dns_name(m, &off, name, cap) || !rd16(m, off, type) || !rd16(m, off + 2, qclass))
		return false;
	m->off = off + 4;
	return true;
}

bool sl_dns_rr(struct sl_dns_msg *m, struct sl_dns_rr *rr)
{
	size_t off = m->off;
	uint16_t ttl_hi, ttl_lo;
	if (!sl_dns_name(m, &off, rr->name, sizeof(rr->name)) || !rd16(m, off, &rr->type) ||
	    !rd16(m, off + 2, &rr->rclass) || !rd16(m, off + 4, &ttl_hi) ||
	    !rd16(m, off + 6, &ttl_lo) || !rd16(m, off + 8, &rr->rdlen))
		return false;
	rr->ttl = (uint32_t)ttl_hi << 16 | ttl_lo;
	rr->rdoff = off + 10;
	if (rr->rdoff + rr->rdlen > m->len)
		return false;
	m->off = rr->rdoff + rr->rdlen;
	return true;
}

bool sl_dns_rdata_name(const struct sl_dns_msg *m, const struct sl_dns_rr *rr, size_t skip,
		       char *out, size_t cap)
{
	size_t off = rr->rdoff + skip;
	if (skip >= rr->rdlen || !sl_dns_name(m, &off, out, cap))
		return false;
	return off <= rr->rdoff + rr->rdlen;
}

bool sl_dns_rdata_addr(const struct sl_dns_msg *m, const struct sl_dns_rr *rr,
		       struct sl_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (rr->type == SL_DNS_T_A && rr->rdlen == 4)
		out->family = 4;
	else if (rr->type == SL_DNS_T_AAAA && rr->rdlen == 16)
		out->family = 6;
	else
		return false;
	memcpy(out->b, m->buf + rr->rdoff, rr->rdlen);
	return true;
}

bool sl_dns_rdata_txt(const struct sl_dns_msg *m, const struct sl_dns_rr *rr, char *out,
		      size_t cap)
{
	struct text t = { out, cap, 0, cap == 0 };
	const uint8_t *p = m->buf + rr->rdoff, *end = p + rr->rdlen;
	if (cap)
		out[0] = '\0';
	while (p < end) {
		size_t n = *p++;
		if (n > (size_t)(end - p))
			return false;
		text_bytes(&t, p, n, TX_TXT);
		p += n;
	}
	return true;
}

const char *sl_dns_type_name(uint16_t type, char *buf, size_t len)
{
	static const struct { uint16_t t; const char *s; } names[] = {
		{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 10, "NULL" }, { 12, "PTR" },
		{ 13, "HINFO" }, { 15, "MX" }, { 16, "TXT" }, { 28, "AAAA" }, { 33, "SRV" },
		{ 35, "NAPTR" }, { 41, "OPT" }, { 43, "DS" }, { 46, "RRSIG" }, { 47, "NSEC" },
		{ 48, "DNSKEY" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 99, "SPF" }, { 251, "IXFR" },
		{ 252, "AXFR" }, { 255, "ANY" }, { 257, "CAA" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].t == type)
			return names[i].s;
	snprintf(buf, len, "%u", type);
	return buf;
}

const char *sl_dns_rcode_name(unsigned rcode, char *buf, size_t len)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
	};
	if (rcode < ARRAY_SIZE(names))
		return names[rcode];
	snprintf(buf, len, "%u", rcode);
	return buf;
}

static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	for (const char *p = list; *p;) {
		const char *comma = strchr(p, ',');
		size_t l = comma ? (size_t)(comma - p) : strlen(p);
		if (l == n && strncasecmp(p, item, n) == 0)
			return true;
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}

bool sl_dns_list_add(char *list, size_t cap, const char *item, bool unique)
{
	size_t used = strlen(list);
	if (used + 1 >= cap)
		return false;
	if (unique && list_has(list, item))
		return true;
	if (used) {
		list[used++] = ',';
		list[used] = '\0';
	}
	sl_strcopy(list + used, cap - used, item);
	return strlen(list + used) + used + 1 < cap;
}
