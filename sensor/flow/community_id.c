/* Community ID v1: a SHA-1 over a canonically ordered flow tuple so that
 * different tools name the same flow alike.  Spec and reference
 * implementation: https://github.com/corelight/community-id-spec */
#include <openssl/evp.h>
#include <string.h>

#include "flow_priv.h"
#include "sightline/digest.h"

/* ICMP types that have a request/response counterpart (RFC 792 and the
 * spec's table); everything else is "one way" and keeps its orientation. */
static int icmp4_counterpart(uint8_t type)
{
	switch (type) {
	case 8: return 0;   /* echo -> echo reply */
	case 0: return 8;
	case 13: return 14; /* timestamp */
	case 14: return 13;
	case 15: return 16; /* information */
	case 16: return 15;
	case 10: return 9;  /* router solicitation; the advertisement (9) has no entry: one way */
	case 17: return 18; /* address mask */
	case 18: return 17;
	default: return -1;
	}
}

static int icmp6_counterpart(uint8_t type)
{
	switch (type) {
	case 128: return 129; /* echo */
	case 129: return 128;
	case 133: return 134; /* router solicitation/advertisement */
	case 134: return 133;
	case 135: return 136; /* neighbour solicitation/advertisement */
	case 136: return 135;
	case 130: return 131; /* MLD query/report */
	case 131: return 130;
	case 139: return 140; /* node information (who-are-you) */
	case 140: return 139;
	case 144: return 145; /* home agent address discovery */
	case 145: return 144;
	default: return -1;
	}
}

int sl_icmp_counterpart(uint8_t proto, uint8_t type)
{
	return proto == 1 ? icmp4_counterpart(type) : icmp6_counterpart(type);
}

static bool tuple_lt(const struct sl_addr *a, const struct sl_addr *b,
		     uint16_t pa, uint16_t pb)
{
	int c = memcmp(a->b, b->b, sl_addr_len(a));
	return c < 0 || (c == 0 && pa < pb);
}

static void b64(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

/* The last tuple hashed on this thread and its ID: a flow's ID is asked
 * for by its event, then by each rule hit charged and the subject's alert,
 * one after the other (a SHA-1 each, more than half a flow end's hashing). */
static _Thread_local struct {
	uint8_t in[2 + 16 + 16 + 2 + 4];
	size_t n;
	char id[SL_COMMUNITY_ID_LEN];
} last;

/* "1:" and the base64 of SHA-1(buf[0..n)) into out, the hash only when buf
 * differs from the last one's. */
static void hash_tuple(const uint8_t *buf, size_t n, char out[SL_COMMUNITY_ID_LEN])
{
	if (last.n == n && memcmp(last.in, buf, n) == 0) {
		memcpy(out, last.id, SL_COMMUNITY_ID_LEN);
		return;
	}
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	bool ok = sl_digest(SL_SHA1, buf, n, md, &mdlen) && mdlen == 20;
	if (!ok)
		memset(md, 0, 20); /* libcrypto failed: a fixed ID, never kept */
	out[0] = '1', out[1] = ':';
	b64(md, 20, out + 2);
	memcpy(last.in, buf, n);
	last.n = ok ? n : 0;
	memcpy(last.id, out, SL_COMMUNITY_ID_LEN);
}

void sl_community_id(uint16_t seed, const struct sl_addr *src,
		     const struct sl_addr *dst, uint8_t proto, uint16_t sport,
		     uint16_t dport, char out[SL_COMMUNITY_ID_LEN])
{
	bool ports = proto == 6 || proto == 17 || proto == 132 || proto == 1 || proto == 58;
	bool one_way = false;
	if (proto == 1 || proto == 58) {
		int peer = sl_icmp_counterpart(proto, (uint8_t)sport);
		if (peer < 0)
			one_way = true;
		else
			dport = (uint16_t)peer;
	}
	if (!ports)
		sport = dport = 0;
	if (!one_way && !tuple_lt(src, dst, sport, dport)) {
		const struct sl_addr *t = src;
		uint16_t tp = sport;
		src = dst, dst = t, sport = dport, dport = tp;
	}
	uint8_t buf[2 + 16 + 16 + 2 + 4];
	size_t n = 0, alen = sl_addr_len(src);
	buf[n++] = (uint8_t)(seed >> 8);
	buf[n++] = (uint8_t)seed;
	memcpy(buf + n, src->b, alen), n += alen;
	memcpy(buf + n, dst->b, alen), n += alen;
	buf[n++] = proto;
	buf[n++] = 0;
	if (ports) {
		buf[n++] = (uint8_t)(sport >> 8), buf[n++] = (uint8_t)sport;
		buf[n++] = (uint8_t)(dport >> 8), buf[n++] = (uint8_t)dport;
	}
	hash_tuple(buf, n, out);
}

void sl_flow_community_id(const struct sl_flow *f, uint16_t seed,
			  char out[SL_COMMUNITY_ID_LEN])
{
	bool icmp = f->proto == 1 || f->proto == 58;
	sl_community_id(seed, &f->cli, &f->srv, f->proto,
			icmp ? f->icmp_type : f->cport,
			icmp ? f->icmp_code : f->sport, out);
}
