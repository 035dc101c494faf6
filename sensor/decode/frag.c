/* Bounded IP fragment reassembly: IPv4 (RFC 791 section 3.2) and IPv6
 * (RFC 8200 section 4.5), where any overlap other than an exact duplicate
 * discards the whole datagram (RFC 5722).  Slots are allocated once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decode_priv.h"

#define BLOCKS (SL_FRAG_MAX_DATA / 8 + 1) /* 8-byte blocks of the largest datagram */
#define MAP_BYTES ((BLOCKS + 7) / 8)
#define SLOT_BUF (SL_FRAG_HDR_ROOM + SL_FRAG_MAX_DATA)
#define SLOT_MEM (SLOT_BUF + 3 * MAP_BYTES)
#define MAX_PENDING 8 /* completions per call: one per IP layer (1 + tunnels) */

enum slot_state { SLOT_FREE, SLOT_ACTIVE, SLOT_POISONED, SLOT_DONE };
enum place_result { PLACED, DUPLICATE, CONFLICT };

struct frag_key {
	struct sl_addr src, dst;
	uint32_t id;
	uint16_t vlan[2];
	uint8_t family, proto;
};

/*
 * One datagram under reassembly.  Data lands at buf + SL_FRAG_HDR_ROOM; the
 * offset-0 fragment's header is copied just before it, so the rebuilt
 * datagram is contiguous.  Bitmaps hold one bit per 8-byte block: received,
 * first block of a fragment, last block of a fragment (the last two tell an
 * exact IPv6 duplicate from an overlap).
 */
struct slot {
	struct frag_key key;
	uint8_t state;
	uint8_t next;     /* IPv6: upper-layer header from the offset-0 fragment */
	uint8_t hdr_len;  /* 0 until the offset-0 fragment arrived */
	bool have_last;   /* the fragment without MF/M arrived: total is known */
	uint32_t total;   /* data bytes of the datagram, once have_last */
	uint32_t max_end; /* one past the highest data byte received */
	uint32_t blocks;  /* blocks received */
	uint32_t wire_bytes; /* frame bytes of every fragment, so the flow counts them all */
	sl_time_us created;
	int32_t hnext;        /* hash chain, or free list */
	int32_t older, newer; /* creation-ordered list, for expiry */
	uint8_t *buf, *have, *starts, *ends;
};

struct sl_frag_table {
	struct slot *slots;
	uint32_t n;
	int32_t *buckets;
	uint32_t mask;
	int32_t free_head, oldest, newest;
	int32_t pending[MAX_PENDING]; /* completed last call, released next call */
	unsigned npending;
	uint8_t *mem;
};

int sl_frag_table_create(uint32_t slots, struct sl_frag_table **out)
{
	struct sl_frag_table *t = calloc(1, sizeof(*t));
	uint32_t nb = 1;
	while (nb < 2 * slots)
		nb <<= 1;
	if (!t)
		return -ENOMEM;
	t->n = slots;
	t->mask = nb - 1;
	t->slots = calloc(slots ? slots : 1, sizeof(*t->slots));
	t->buckets = malloc(nb * sizeof(*t->buckets));
	t->mem = calloc(slots ? slots : 1, SLOT_MEM);
	if (!t->slots || !t->buckets || !t->mem) {
		sl_frag_table_destroy(t);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < nb; i++)
		t->buckets[i] = -1;
	for (uint32_t i = 0; i < slots; i++) {
		struct slot *s = &t->slots[i];
		s->buf = t->mem + (size_t)i * SLOT_MEM;
		s->have = s->buf + SLOT_BUF;
		s->starts = s->have + MAP_BYTES;
		s->ends = s->starts + MAP_BYTES;
		s->hnext = i + 1 < slots ? (int32_t)i + 1 : -1;
	}
	t->free_head = slots ? 0 : -1;
	t->oldest = t->newest = -1;
	*out = t;
	return 0;
}

void sl_frag_table_destroy(struct sl_frag_table *t)
{
	if (!t)
		return;
	free(t->mem);
	free(t->buckets);
	free(t->slots);
	free(t);
}

/* FNV-1a over the key fields; chains are bounded by the slot count anyway. */
static uint32_t key_hash(const struct frag_key *k)
{
	uint8_t tail[10] = { (uint8_t)(k->id >> 24), (uint8_t)(k->id >> 16),
			     (uint8_t)(k->id >> 8), (uint8_t)k->id,
			     (uint8_t)(k->vlan[0] >> 8), (uint8_t)k->vlan[0],
			     (uint8_t)(k->vlan[1] >> 8), (uint8_t)k->vlan[1],
			     k->family, k->proto };
	uint32_t h = 2166136261u;
	for (unsigned i = 0; i < 16; i++)
		h = (h ^ k->src.b[i]) * 16777619u;
	for (unsigned i = 0; i < 16; i++)
		h = (h ^ k->dst.b[i]) * 16777619u;
	for (unsigned i = 0; i < sizeof(tail); i++)
		h = (h ^ tail[i]) * 16777619u;
	return h;
}

static bool key_eq(const struct frag_key *a, const struct frag_key *b)
{
	return a->family == b->family && a->proto == b->proto && a->id == b->id &&
	       a->vlan[0] == b->vlan[0] && a->vlan[1] == b->vlan[1] &&
	       sl_addr_cmp(&a->src, &b->src) == 0 && sl_addr_cmp(&a->dst, &b->dst) == 0;
}

static int32_t lookup(const struct sl_frag_table *t, const struct frag_key *k)
{
	for (int32_t i = t->buckets[key_hash(k) & t->mask]; i >= 0; i = t->slots[i].hnext)
		if (key_eq(&t->slots[i].key, k))
			return i;
	return -1;
}

/* Take a slot out of its hash chain and the age list (it keeps its data). */
static void unlink_slot(struct sl_frag_table *t, int32_t idx)
{
	struct slot *s = &t->slots[idx];
	int32_t *pp = &t->buckets[key_hash(&s->key) & t->mask];
	while (*pp != idx)
		pp = &t->slots[*pp].hnext;
	*pp = s->hnext;
	if (s->older >= 0)
		t->slots[s->older].newer = s->newer;
	else
		t->oldest = s->newer;
	if (s->newer >= 0)
		t->slots[s->newer].older = s->older;
	else
		t->newest = s->older;
}

static void free_slot(struct sl_frag_table *t, int32_t idx)
{
	t->slots[idx].state = SLOT_FREE;
	t->slots[idx].hnext = t->free_head;
	t->free_head = idx;
}

static int32_t alloc_slot(struct sl_frag_table *t, const struct frag_key *k, sl_time_us now)
{
	int32_t idx = t->free_head;
	if (idx < 0)
		return -1;
	struct slot *s = &t->slots[idx];
	t->free_head = s->hnext;
	s->key = *k;
	s->state = SLOT_ACTIVE;
	s->next = s->hdr_len = 0;
	s->have_last = false;
	s->total = s->max_end = s->blocks = s->wire_bytes = 0;
	s->created = now;
	memset(s->have, 0, 3 * MAP_BYTES);
	uint32_t b = key_hash(k) & t->mask;
	s->hnext = t->buckets[b];
	t->buckets[b] = idx;
	s->older = t->newest;
	s->newer = -1;
	if (t->newest >= 0)
		t->slots[t->newest].newer = idx;
	else
		t->oldest = idx;
	t->newest = idx;
	return idx;
}

/*
 * Expiry runs on packet time.  A datagram is dropped once the clock is more
 * than the timeout away from its first fragment in either direction, so a
 * replay that jumps back in time cannot pin slots forever.
 */
void sl_frag_tick(struct sl_decoder *d, sl_time_us now, uint64_t timeout_us)
{
	struct sl_frag_table *t = d->frag;
	for (unsigned i = 0; i < t->npending; i++)
		free_slot(t, t->pending[i]);
	t->npending = 0;
	while (t->oldest >= 0) {
		int32_t idx = t->oldest;
		struct slot *s = &t->slots[idx];
		uint64_t age = now >= s->created ? now - s->created : s->created - now;
		if (age <= timeout_us)
			break;
		if (s->state == SLOT_ACTIVE)
			d->counters.reasons[SL_DEC_FRAG_TIMEOUT]++;
		unlink_slot(t, idx);
		free_slot(t, idx);
	}
}

static inline bool bit(const uint8_t *map, uint32_t i)
{
	return (map[i >> 3] >> (i & 7)) & 1;
}

static inline void set_bit(uint8_t *map, uint32_t i)
{
	map[i >> 3] |= (uint8_t)(1u << (i & 7));
}

static uint32_t count_set(const uint8_t *map, uint32_t first, uint32_t last)
{
	uint32_t n = 0;
	for (uint32_t i = first; i <= last; i++)
		n += bit(map, i);
	return n;
}

/* IPv4: every byte already held in [off, end) must match the new fragment. */
static bool same_bytes(const struct slot *s, const uint8_t *data, uint32_t off, uint32_t end)
{
	for (uint32_t b = off / 8; b <= (end - 1) / 8; b++) {
		if (!bit(s->have, b))
			continue;
		uint32_t lo = b * 8 > off ? b * 8 : off;
		uint32_t hi = b * 8 + 8 < end ? b * 8 + 8 : end;
		if (memcmp(s->buf + SL_FRAG_HDR_ROOM + lo, data + (lo - off), hi - lo) != 0)
			return false;
	}
	return true;
}

/* IPv6: the new fragment repeats one received fragment exactly, byte for byte. */
static bool exact_duplicate(const struct slot *s, const uint8_t *data, uint32_t off, uint32_t end)
{
	uint32_t first = off / 8, last = (end - 1) / 8;
	if (!bit(s->starts, first) || !bit(s->ends, last) ||
	    count_set(s->have, first, last) != last - first + 1 ||
	    (last > first && count_set(s->starts, first + 1, last) != 0))
		return false;
	return memcmp(s->buf + SL_FRAG_HDR_ROOM + off, data, end - off) == 0;
}

/* Length rules against what is known of the datagram's end. */
static bool end_consistent(const struct slot *s, bool more, uint32_t end)
{
	if (!more)
		return !(s->have_last && s->total != end) && s->max_end <= end;
	return !(s->have_last && end >= s->total);
}

/* Copy a fragment into its slot unless it conflicts with what is there. */
static enum place_result place(struct slot *s, const struct sl_frag *f,
			       const uint8_t *data, uint32_t len)
{
	uint32_t off = f->offset, end = off + len;
	if (!end_consistent(s, f->more, end))
		return CONFLICT;
	if (len > 0) {
		uint32_t first = off / 8, last = (end - 1) / 8;
		uint32_t seen = count_set(s->have, first, last);
		if (seen && s->key.family == 6)
			return exact_duplicate(s, data, off, end) ? DUPLICATE : CONFLICT;
		if (seen && !same_bytes(s, data, off, end))
			return CONFLICT;
		memcpy(s->buf + SL_FRAG_HDR_ROOM + off, data, len);
		for (uint32_t b = first; b <= last; b++)
			set_bit(s->have, b);
		set_bit(s->starts, first);
		set_bit(s->ends, last);
		s->blocks += last - first + 1 - seen;
	}
	if (end > s->max_end)
		s->max_end = end;
	if (!f->more) {
		s->have_last = true;
		s->total = end;
	}
	if (off == 0 && s->hdr_len == 0) {
		memcpy(s->buf + SL_FRAG_HDR_ROOM - f->hdr_len, f->hdr, f->hdr_len);
		s->hdr_len = (uint8_t)f->hdr_len;
		s->next = f->next;
	}
	return PLACED;
}

static bool complete(const struct slot *s)
{
	return s->have_last && s->hdr_len != 0 && s->blocks == (s->total + 7) / 8;
}

/*
 * Rewrite the stored header to describe the whole datagram (IPv4: total
 * length, fragment fields cleared but DF kept; IPv6: payload length and the
 * upper-layer Next Header, the unfragmentable extension headers being gone),
 * then park the slot until the next call so the caller's pointers stay valid.
 */
static enum sl_decode_result finish(struct sl_dctx *x, int32_t idx, struct sl_cursor *whole)
{
	struct sl_frag_table *t = x->d->frag;
	struct slot *s = &t->slots[idx];
	uint8_t *h = s->buf + SL_FRAG_HDR_ROOM - s->hdr_len;
	uint32_t size = s->hdr_len + s->total;
	if (s->key.family == 4 && size > 0xffff) {
		s->state = SLOT_POISONED;
		return sl_dec_fail(x, SL_DEC_FRAG_BAD_OFFSET);
	}
	if (t->npending == MAX_PENDING) { /* cannot happen: see MAX_PENDING */
		s->state = SLOT_POISONED;
		return sl_dec_fail(x, SL_DEC_FRAG_TABLE_FULL);
	}
	if (s->key.family == 4) {
		h[2] = (uint8_t)(size >> 8);
		h[3] = (uint8_t)size;
		h[6] &= 0x40;
		h[7] = 0;
	} else {
		h[4] = (uint8_t)(s->total >> 8);
		h[5] = (uint8_t)s->total;
		h[6] = s->next;
	}
	unlink_slot(t, idx);
	s->state = SLOT_DONE;
	t->pending[t->npending++] = idx;
	x->d->counters.reassembled++;
	x->pkt->wirelen = s->wire_bytes;
	*whole = sl_cursor_make(h, size);
	return SL_DECODE_OK;
}

/* Checks that need no slot: snapped, misaligned or oversized fragments. */
static enum sl_decode_result check_fragment(struct sl_dctx *x, const struct sl_frag *f,
					    uint32_t len)
{
	uint32_t limit = SL_FRAG_MAX_DATA - (f->family == 4 ? (uint32_t)f->hdr_len : 0);
	if (len < f->wire_len)
		return sl_dec_fail(x, SL_DEC_FRAG_TRUNCATED);
	if (f->more && (len == 0 || len % 8 != 0))
		return sl_dec_fail(x, SL_DEC_FRAG_BAD_LEN);
	if (f->offset + len > limit)
		return sl_dec_fail(x, SL_DEC_FRAG_BAD_OFFSET);
	return SL_DECODE_OK;
}

enum sl_decode_result sl_frag_input(struct sl_dctx *x, const struct sl_frag *f,
				    struct sl_cursor *whole)
{
	struct sl_frag_table *t = x->d->frag;
	struct sl_cursor dc = f->data;
	uint32_t len = (uint32_t)sl_cursor_left(&dc);
	const uint8_t *data;
	x->d->counters.fragments++;
	enum sl_decode_result r = check_fragment(x, f, len);
	if (r != SL_DECODE_OK)
		return r;
	if (!sl_rd_bytes(&dc, len, &data)) /* len is what dc holds: cannot fail */
		return sl_dec_fail(x, SL_DEC_FRAG_TRUNCATED);
	struct frag_key k = { .src = x->pkt->src, .dst = x->pkt->dst, .id = f->id,
			      .family = f->family, .proto = f->proto };
	k.vlan[0] = x->pkt->vlan[0];
	k.vlan[1] = x->pkt->vlan[1];
	int32_t idx = lookup(t, &k);
	if (idx < 0 && (idx = alloc_slot(t, &k, x->pkt->ts)) < 0)
		return sl_dec_fail(x, SL_DEC_FRAG_TABLE_FULL);
	struct slot *s = &t->slots[idx];
	if (s->state == SLOT_POISONED)
		return sl_dec_fail(x, SL_DEC_FRAG_DROPPED);
	s->wire_bytes += x->pkt->wirelen;
	enum place_result p = place(s, f, data, len);
	if (p == CONFLICT) {
		s->state = SLOT_POISONED;
		return sl_dec_fail(x, SL_DEC_FRAG_BAD_OFFSET);
	}
	if (p == DUPLICATE || !complete(s))
		return SL_DECODE_FRAG_HELD;
	return finish(x, idx, whole);
}
