/* Small definitions every module of sightline shares: addresses, time, error
 * codes, array sizing and the startup allocator. */
#ifndef SIGHTLINE_COMMON_H
#define SIGHTLINE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Packet time in microseconds since the Unix epoch, taken from the capture
 * record header.  It is the only clock inside the pipeline. */
typedef uint64_t sl_time_us;

#define SL_US_PER_SEC 1000000ULL

/* An IP address.  IPv4 lives in b[0..3] with the rest zero; family is 4 or 6
 * (0 means "no address"). */
struct sl_addr {
	uint8_t b[16];
	uint8_t family;
};

/* Length of the significant bytes of an address: 4, 16 or 0. */
static inline unsigned sl_addr_len(const struct sl_addr *a)
{
	return a->family == 4 ? 4u : a->family == 6 ? 16u : 0u;
}

/* 64-bit finaliser (MurmurHash3 fmix64): every input bit affects every
 * output bit.  Shared by the bounded caches that hash addresses. */
static inline uint64_t sl_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/* Equal family and significant bytes (addresses of no family are equal),
 * compared in words: a call to memcmp for 4 or 16 bytes, twice a packet,
 * was 4 % of the flow lookup (flow_priv.h); the overlay peers' ring walk
 * (hosts/peers.c) runs it for every UDP packet the tinc parser sees. */
static inline bool sl_addr_eq(const struct sl_addr *a, const struct sl_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == 4) {
		uint32_t x, y;
		memcpy(&x, a->b, 4);
		memcpy(&y, b->b, 4);
		return x == y;
	}
	if (a->family != 6)
		return true;
	uint64_t x0, x1, y0, y1;
	memcpy(&x0, a->b, 8);
	memcpy(&x1, a->b + 8, 8);
	memcpy(&y0, b->b, 8);
	memcpy(&y1, b->b + 8, 8);
	return ((x0 ^ y0) | (x1 ^ y1)) == 0;
}

/* Compare two addresses (family first, then bytes); <0, 0, >0 like memcmp. */
int sl_addr_cmp(const struct sl_addr *a, const struct sl_addr *b);

/**
 * Format an address as text into buf (at least SL_ADDR_STRLEN bytes).
 * Returns buf.  Borrowed: the caller owns buf.
 */
#define SL_ADDR_STRLEN 46
char *sl_addr_format(const struct sl_addr *a, char *buf, size_t len);

/**
 * Parse "a.b.c.d" or an IPv6 literal into *out.  Returns 0 or -EINVAL.
 */
int sl_addr_parse(const char *text, struct sl_addr *out);

/* A CIDR prefix (home_networks, allow-lists). */
struct sl_cidr {
	struct sl_addr addr; /* host bits are zero */
	uint8_t prefix;      /* 0..32 or 0..128 */
};

/**
 * Parse "10.0.0.0/8", "fd00::/8" or a bare address (full-length prefix).
 * Host bits set beyond the prefix are an error (-EINVAL), so a typo such as
 * 10.0.0.1/8 is caught at load instead of silently widened.
 */
int sl_cidr_parse(const char *text, struct sl_cidr *out);

/** sl_cidr_contains() byte by byte, for any family: the prefix's whole
 *  bytes equal, then the partial byte through its bits against c's whole. */
bool sl_cidr_contains_bytes(const struct sl_cidr *c, const struct sl_addr *a);

/* True when a lies inside c (families must match; IPv4-mapped IPv6 is not
 * folded).  Inline, IPv4 as one 32-bit test with the same answer as the
 * bytes: home_networks (7 prefixes by default) is asked of both ends of
 * every flow, and a call and a memcmp() per prefix cost 3 times the test. */
static inline bool sl_cidr_contains(const struct sl_cidr *c, const struct sl_addr *a)
{
	if (c->addr.family != a->family)
		return false;
	if (a->family != 4 || c->prefix > 32)
		return sl_cidr_contains_bytes(c, a);
	unsigned bytes = (c->prefix + 7u) / 8;
	if (bytes == 0)
		return true;
	uint32_t cover = 0xffffffffu << (32 - 8 * bytes); /* c's bytes, the last one whole */
	uint32_t bits = 0xffffffffu << (32 - c->prefix);  /* a's: the prefix's bits only */
	uint32_t av = (uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 | (uint32_t)a->b[2] << 8 |
		      a->b[3];
	uint32_t cv = (uint32_t)c->addr.b[0] << 24 | (uint32_t)c->addr.b[1] << 16 |
		      (uint32_t)c->addr.b[2] << 8 | c->addr.b[3];
	return (av & bits) == (cv & cover);
}

/**
 * Format a packet timestamp as ISO-8601 UTC with microseconds and offset,
 * e.g. "2024-05-01T12:00:00.123456+0000" (Suricata EVE style).  buf must hold
 * SL_TIME_STRLEN bytes.  Returns buf.
 */
#define SL_TIME_STRLEN 32
char *sl_time_format(sl_time_us t, char *buf, size_t len);

/**
 * Copy the string src (NULL: "") into dst of len bytes (len > 0), cut to
 * len - 1 bytes and always terminated, as snprintf(dst, len, "%s", src)
 * does without its format parsing (per flow, that was 600 instructions).
 * Returns dst; the caller owns both buffers.
 */
char *sl_strcopy(char *dst, size_t len, const char *src);

/**
 * Allocate or abort.  Only for startup-sized allocations (config, tables
 * created once); the packet path never calls it.  Caller owns the result;
 * free with free().
 */
void *sl_xmalloc(size_t n);
void *sl_xcalloc(size_t n, size_t size);
char *sl_xstrdup(const char *s);

/**
 * Room for one more element of sz bytes in arr, a growing array holding used
 * elements in *cap (used <= *cap): arr itself when it has room, else arr
 * reallocated to twice *cap (first when *cap is 0) with the new room zeroed
 * and *cap updated.  NULL when memory runs out; arr and *cap are then as
 * they were, and arr still belongs to the caller.
 */
void *sl_grow(void *arr, size_t *cap, size_t used, size_t sz, size_t first);

/**
 * Path of a bundled data file or directory (e.g. "intel.mmdb", "sigma"):
 * <executable's directory>/rules/FILE when readable (an uninstalled build),
 * else SL_DATADIR/FILE.  Writes the path into out (the caller's buffer) even
 * when neither exists, so messages can name it; returns whether it exists.
 * When it does not, errno is EACCES if a copy beside the program exists but
 * is not readable by this process (out then names that copy), else ENOENT.
 */
bool sl_find_bundled(const char *file, char *out, size_t len);

#endif
