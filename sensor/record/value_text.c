/* Times and addresses written as JSON strings from texts remembered per
 * thread: an event's time repeats (timestamp is flow.end) and a host's
 * address is in many events, and formatting one costs ~200 instructions. */
#include <string.h>

#include "record_priv.h"

/* Quoted texts: '"', the text, '"', written as they are.  Both formats
 * write only digits, hex letters and "T:-.+" (inet_ntop, strftime's %Y
 * past 9999 and the empty text of no address included), none of which JSON
 * escapes: tests/unit/test_record.c holds them to sl_json_str(). */
struct quoted {
	uint8_t n; /* quotes not included */
	char text[SL_ADDR_STRLEN + 2];
};

/* Room for a text at q->text + 1 (and its NUL). */
#define QUOTED_ROOM SL_ADDR_STRLEN

/* The text of n bytes just formatted at q->text + 1, quoted. */
static void quote(struct quoted *q, size_t n)
{
	q->n = (uint8_t)n;
	q->text[0] = '"';
	q->text[n + 1] = '"';
}

/* q's text, its first max bytes when it is longer. */
static void put_quoted(struct sl_json *j, const struct quoted *q, size_t max)
{
	if (q->n <= max)
		sl_json_raw(j, q->text, q->n + 2u);
	else
		sl_json_strn(j, q->text + 1, max);
}

/* The last times formatted, taking turns. */
#define TIME_MEMO 2
static _Thread_local struct {
	sl_time_us t[TIME_MEMO];
	bool set[TIME_MEMO];
	unsigned next;
	struct quoted q[TIME_MEMO];
} times;

void sl_record_put_time(struct sl_json *j, sl_time_us t, size_t room)
{
	unsigned k = 0;
	while (k < TIME_MEMO && !(times.set[k] && times.t[k] == t))
		k++;
	if (k == TIME_MEMO) {
		k = times.next;
		times.next = (k + 1) % TIME_MEMO;
		times.t[k] = t;
		times.set[k] = true;
		char *s = times.q[k].text + 1;
		quote(&times.q[k], strlen(sl_time_format(t, s, QUOTED_ROOM)));
	}
	put_quoted(j, &times.q[k], room - 1);
}

/* Addresses, direct-mapped by a hash of their bytes; an entry whose
 * text[0] is still 0 holds none. */
#define ADDR_MEMO 256
static _Thread_local struct {
	struct sl_addr a[ADDR_MEMO];
	struct quoted q[ADDR_MEMO];
} addrs;

static unsigned addr_slot(const struct sl_addr *a)
{
	uint64_t lo, hi;
	memcpy(&lo, a->b, 8);
	memcpy(&hi, a->b + 8, 8);
	uint64_t h = (lo ^ (hi * 0x9e3779b97f4a7c15ULL) ^ a->family) * 0xff51afd7ed558ccdULL;
	return (unsigned)(h >> 56) % ADDR_MEMO;
}

void sl_record_put_ip(struct sl_json *j, const struct sl_addr *a)
{
	unsigned k = addr_slot(a);
	struct quoted *q = &addrs.q[k];
	struct sl_addr *have = &addrs.a[k];
	if (!q->text[0] || have->family != a->family || memcmp(have->b, a->b, sizeof(a->b)) != 0) {
		*have = *a;
		quote(q, strlen(sl_addr_format(a, q->text + 1, QUOTED_ROOM)));
	}
	put_quoted(j, q, QUOTED_ROOM - 1);
}

/* The names' texts, quoted, in one pool for the process: the catalogue's
 * enums have a few hundred names in all. */
#define NAME_TEXTS 2048
#define NAME_POOL 16384
static struct sl_quoted_name name_texts[NAME_TEXTS];
static char name_pool[NAME_POOL];
static size_t nnames, pooled;

static bool plain_name(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || *s == '"' || *s == '\\')
			return false;
	return true;
}

const struct sl_quoted_name *sl_record_name_texts(const char *const *names, size_t n)
{
	size_t need = 0;
	for (size_t k = 0; k < n; k++) {
		if (names[k] && !plain_name(names[k]))
			return NULL;
		need += names[k] ? strlen(names[k]) + 2 : 0;
	}
	if (nnames + n > NAME_TEXTS || pooled + need > NAME_POOL)
		return NULL;
	struct sl_quoted_name *out = &name_texts[nnames];
	for (size_t k = 0; k < n; k++) {
		size_t len = names[k] ? strlen(names[k]) : 0;
		out[k].text = NULL;
		out[k].len = 0;
		if (!names[k])
			continue;
		char *t = name_pool + pooled;
		t[0] = '"';
		memcpy(t + 1, names[k], len);
		t[len + 1] = '"';
		out[k].text = t;
		out[k].len = (uint16_t)(len + 2);
		pooled += len + 2;
	}
	nnames += n;
	return out;
}
