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
