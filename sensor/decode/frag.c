/* Bounded IP fragment reassembly: IPv4 (RFC 791 section 3.2) and IPv6
 * (RFC 8200 section 4.5), where any overlap other than an exact duplicate
 * discards the whole datagram (RFC 5722).  Everything is allocated once:
 * datagram records, and a pool of 2 KiB chunks that hold the data as it
 * arrives, so memory follows the bytes held rather than 64 KiB a datagram.
 * When records or chunks run out, the oldest incomplete datagram is
 * dropped (counted as frag.evicted): a datagram whose fragments stopped
 * coming is the likeliest never to complete, as Linux's own reassembly
 * assumes when it runs out of memory. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decode_priv.h"

#define CHUNK_DATA 2048u                     /* datagram bytes per chunk */
#define CHUNK_BLOCKS (CHUNK_DATA / 8)        /* 8-byte fragment blocks per chunk */
#define CHUNK_MAP (CHUNK_BLOCKS / 8)         /* bytes of one bitmap of a chunk */
#define MAX_CHUNKS ((SL_FRAG_MAX_DATA + CHUNK_DATA - 1) / CHUNK_DATA)
#define OUT_BYTES (SL_FRAG_HDR_ROOM + SL_FRAG_MAX_DATA)
#define MAX_PENDING 8 /* completions per call: one per IP layer (1 + tunnels) */

enum slot_state { SLOT_FREE, SLOT_ACTIVE, SLOT_POISONED };
enum place_result { PLACED, DUPLICATE, CONFLICT, NO_MEMORY };

struct frag_key {
	struct sl_addr src, dst;
	uint32_t id;
	uint16_t vlan[2];
	uint8_t family, proto;
};

/* 2 KiB of one datagram's data and, per 8-byte block: received, first
 * block of a fragment, last block of a fragment (the last two tell an
 * exact IPv6 duplicate from an overlap). */
struct chunk {
	uint8_t data[CHUNK_DATA];
	uint8_t have[CHUNK_MAP], starts[CHUNK_MAP], ends[CHUNK_MAP];
	int32_t next_free;
};

/* One datagram under reassembly; its data lives in chunks[]. */
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
	int32_t older, newer; /* creation-ordered list, for expiry and eviction */
	int32_t chunk[MAX_CHUNKS]; /* -1: no data there yet */
	uint8_t hdr[SL_FRAG_HDR_ROOM]; /* the offset-0 fragment's IP header */
};

struct sl_frag_table {
	struct slot *slots;
	uint32_t n;
	int32_t *buckets;
	uint32_t mask;
	int32_t free_head, oldest, newest;
	struct chunk *chunks;
	uint32_t n_chunks;
	uint32_t fresh;        /* chunks never used yet start here (their pages untouched) */
	int32_t free_chunk;    /* chunks given back */
	uint32_t active, chunks_used;
	uint8_t *out;          /* MAX_PENDING rebuilt datagrams, OUT_BYTES each */
	unsigned nout;         /* used since the start of the call */
};

static void free_table(struct sl_frag_table *t)
{
	free(t->out);
	free(t->chunks);
	free(t->buckets);
	free(t->slots);
	free(t);
}

/* slots datagrams at once in mem_bytes of chunks (at least one datagram's
 * worth, so the largest can always complete). */
int sl_frag_table_create(uint32_t slots, size_t mem_bytes, struct sl_frag_table **out)
{
	struct sl_frag_table *t = calloc(1, sizeof(*t));
	uint32_t nb = 1;
	while (nb < 2 * slots)
		nb <<= 1;
	if (!t)
		return -ENOMEM;
	size_t nchunks = mem_bytes / sizeof(struct chunk);
	t->n = slots;
	t->n_chunks = !slots ? 0 : nchunks < MAX_CHUNKS ? MAX_CHUNKS : (uint32_t)nchunks;
	t->mask = nb - 1;
	t->slots = calloc(slots ? slots : 1, sizeof(*t->slots));
	t->buckets = malloc(nb * sizeof(*t->buckets));
	t->chunks = calloc(t->n_chunks ? t->n_chunks : 1, sizeof(*t->chunks));
	t->out = slots ? malloc((size_t)MAX_PENDING * OUT_BYTES) : NULL;
	if (!t->slots || !t->buckets || !t->chunks || (slots && !t->out)) {
		free_table(t);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < nb; i++)
		t->buckets[i] = -1;
	for (uint32_t i = 0; i < slots; i++)
		t->slots[i].hnext = i + 1 < slots ? (int32_t)i + 1 : -1;
	t->free_head = slots ? 0 : -1;
	t->free_chunk = -1;
	t->oldest = t->newest = -1;
	*out = t;
	return 0;
}

void sl_frag_table_destroy(struct sl_frag_table *t)
{
	if (t)
		free_table(t);
}

size_t sl_frag_table_bytes(const struct sl_frag_table *t)
{
	return (size_t)t->n_chunks * CHUNK_DATA;
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

/* Take a slot out of its hash chain and the age list, give its chunks
 * back and put it on the free list. */
static void release(struct sl_frag_table *t, int32_t idx)
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
	for (unsigned c = 0; c < MAX_CHUNKS; c++)
		if (s->chunk[c] >= 0) {
			t->chunks[s->chunk[c]].next_free = t->free_chunk;
			t->free_chunk = s->chunk[c];
			t->chunks_used--;
		}
	s->state = SLOT_FREE;
	s->hnext = t->free_head;
	t->free_head = idx;
	t->active--;
}

/* Drop the oldest datagram other than keep to make room; false when there
 * is none.  An incomplete one is counted: its fragments are lost. */
static bool evict_oldest(struct sl_decoder *d, int32_t keep)
{
	struct sl_frag_table *t = d->frag;
	int32_t idx = t->oldest;
	if (idx == keep && idx >= 0)
		idx = t->slots[idx].newer;
	if (idx < 0)
		return false;
	if (t->slots[idx].state == SLOT_ACTIVE)
		d->counters.reasons[SL_DEC_FRAG_EVICTED]++;
	release(t, idx);
	return true;
}

static void note_peaks(struct sl_decoder *d)
{
	struct sl_frag_table *t = d->frag;
	struct sl_decode_counters *c = &d->counters;
	if (t->active > c->frag_datagrams_max)
		c->frag_datagrams_max = t->active;
	if ((uint64_t)t->chunks_used * CHUNK_DATA > c->frag_bytes_max)
		c->frag_bytes_max = (uint64_t)t->chunks_used * CHUNK_DATA;
}

static int32_t alloc_slot(struct sl_decoder *d, const struct frag_key *k, sl_time_us now)
{
	struct sl_frag_table *t = d->frag;
	if (t->free_head < 0 && !evict_oldest(d, -1))
		return -1;
	int32_t idx = t->free_head;
	struct slot *s = &t->slots[idx];
	t->free_head = s->hnext;
	s->key = *k;
	s->state = SLOT_ACTIVE;
	s->next = s->hdr_len = 0;
	s->have_last = false;
	s->total = s->max_end = s->blocks = s->wire_bytes = 0;
	s->created = now;
	for (unsigned c = 0; c < MAX_CHUNKS; c++)
		s->chunk[c] = -1;
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
	t->active++;
	note_peaks(d);
	return idx;
}

/*
 * Expiry runs on packet time.  A datagram is dropped once the clock is more
 * than the timeout away from its first fragment in either direction, so a
 * replay that jumps back in time cannot pin slots forever.  The rebuilt
 * datagrams of the previous call are no longer needed.
 */
void sl_frag_tick(struct sl_decoder *d, sl_time_us now, uint64_t timeout_us)
{
	struct sl_frag_table *t = d->frag;
	t->nout = 0;
	d->frag_held = t->oldest >= 0;
	while (t->oldest >= 0) {
		int32_t idx = t->oldest;
		struct slot *s = &t->slots[idx];
		uint64_t age = now >= s->created ? now - s->created : s->created - now;
		if (age <= timeout_us)
			break;
		if (s->state == SLOT_ACTIVE)
			d->counters.reasons[SL_DEC_FRAG_TIMEOUT]++;
		release(t, idx);
	}
}

/* Bit i (an 8-byte block of the datagram) of one of a chunk's maps, picked
 * by its offset in struct chunk; 0 where no chunk was taken yet. */
static inline bool bit(const struct sl_frag_table *t, const struct slot *s, size_t map, uint32_t i)
{
	int32_t c = s->chunk[i / CHUNK_BLOCKS];
	if (c < 0)
		return false;
	const uint8_t *m = (const uint8_t *)&t->chunks[c] + map;
	uint32_t b = i % CHUNK_BLOCKS;
	return (m[b >> 3] >> (b & 7)) & 1;
}

static inline void set_bit(struct sl_frag_table *t, struct slot *s, size_t map, uint32_t i)
{
	uint8_t *m = (uint8_t *)&t->chunks[s->chunk[i / CHUNK_BLOCKS]] + map;
	uint32_t b = i % CHUNK_BLOCKS;
	m[b >> 3] |= (uint8_t)(1u << (b & 7));
}

#define HAVE offsetof(struct chunk, have)
#define STARTS offsetof(struct chunk, starts)
#define ENDS offsetof(struct chunk, ends)

/* Bits lo..hi of map m, a byte at a time: how many were set, and all set
 * after when set is true.  Why not bit by bit: a full-size fragment covers
 * 185 blocks, and a call per block made fragments cost 6,000 instructions
 * each. */
static uint32_t byte_run(uint8_t *m, uint32_t lo, uint32_t hi, bool set)
{
	uint32_t n = 0;
	while (lo <= hi) {
		uint32_t sh = lo & 7, cnt = 8 - sh < hi - lo + 1 ? 8 - sh : hi - lo + 1;
		uint8_t mask = (uint8_t)(((1u << cnt) - 1) << sh);
		unsigned v = m[lo >> 3] & mask;
		v = v - ((v >> 1) & 0x55u); /* the byte's set bits, without libgcc's popcount */
		v = (v & 0x33u) + ((v >> 2) & 0x33u);
		n += (v + (v >> 4)) & 0x0fu;
		if (set)
			m[lo >> 3] |= mask;
		lo += cnt;
	}
	return n;
}

/* Bits first..last (8-byte blocks of the datagram) of one of the chunks'
 * maps: how many were set (none where no chunk was taken yet), and all set
 * after when set is true (the caller took every chunk of the range). */
static uint32_t map_run(struct sl_frag_table *t, const struct slot *s, size_t map, uint32_t first,
			uint32_t last, bool set)
{
	uint32_t n = 0;
	for (uint32_t i = first; i <= last;) {
		uint32_t in = i % CHUNK_BLOCKS, stop = i - in + CHUNK_BLOCKS - 1;
		if (stop > last)
			stop = last;
		int32_t c = s->chunk[i / CHUNK_BLOCKS];
		if (c >= 0)
			n += byte_run((uint8_t *)&t->chunks[c] + map, in, stop % CHUNK_BLOCKS, set);
		i = stop + 1;
	}
	return n;
}

static uint32_t count_set(struct sl_frag_table *t, const struct slot *s, size_t map,
			  uint32_t first, uint32_t last)
{
	return map_run(t, s, map, first, last, false);
}

/* Compare (cmp) or copy into the slot the datagram bytes [off, end), which
 * may span chunks.  Returns false when a compared byte differs. */
static bool span(struct sl_frag_table *t, struct slot *s, const uint8_t *data, uint32_t off,
		 uint32_t end, bool cmp)
{
	for (uint32_t at = off; at < end;) {
		uint32_t c = at / CHUNK_DATA, in = at % CHUNK_DATA;
		uint32_t n = CHUNK_DATA - in < end - at ? CHUNK_DATA - in : end - at;
		uint8_t *dst = t->chunks[s->chunk[c]].data + in;
		if (cmp && memcmp(dst, data + (at - off), n) != 0)
			return false;
		if (!cmp)
			memcpy(dst, data + (at - off), n);
		at += n;
	}
	return true;
}

/* IPv4: every byte already held in [off, end) must match the new fragment. */
static bool same_bytes(struct sl_frag_table *t, struct slot *s, const uint8_t *data,
		       uint32_t off, uint32_t end)
{
	for (uint32_t b = off / 8; b <= (end - 1) / 8; b++) {
		if (!bit(t, s, HAVE, b))
			continue;
		uint32_t lo = b * 8 > off ? b * 8 : off;
		uint32_t hi = b * 8 + 8 < end ? b * 8 + 8 : end;
		if (!span(t, s, data + (lo - off), lo, hi, true))
			return false;
	}
	return true;
}

/* IPv6: the new fragment repeats one received fragment exactly, byte for byte. */
static bool exact_duplicate(struct sl_frag_table *t, struct slot *s, const uint8_t *data,
			    uint32_t off, uint32_t end)
{
	uint32_t first = off / 8, last = (end - 1) / 8;
	if (!bit(t, s, STARTS, first) || !bit(t, s, ENDS, last) ||
	    count_set(t, s, HAVE, first, last) != last - first + 1 ||
	    (last > first && count_set(t, s, STARTS, first + 1, last) != 0))
		return false;
	return span(t, s, data, off, end, true);
}

/* Length rules against what is known of the datagram's end. */
static bool end_consistent(const struct slot *s, bool more, uint32_t end)
{
	if (!more)
		return !(s->have_last && s->total != end) && s->max_end <= end;
	return !(s->have_last && end >= s->total);
}

/* Chunks for the datagram bytes [off, end), taking the oldest other
 * datagram's when the pool is empty.  False when even that is not enough. */
static bool take_chunks(struct sl_decoder *d, int32_t idx, uint32_t off, uint32_t end)
{
	struct sl_frag_table *t = d->frag;
	struct slot *s = &t->slots[idx];
	for (uint32_t c = off / CHUNK_DATA; c <= (end - 1) / CHUNK_DATA; c++) {
		if (s->chunk[c] >= 0)
			continue;
		while (t->free_chunk < 0 && t->fresh == t->n_chunks) /* some hold no chunk */
			if (!evict_oldest(d, idx))
				return false;
		int32_t k;
		if (t->free_chunk >= 0) {
			k = t->free_chunk;
			t->free_chunk = t->chunks[k].next_free;
		} else {
			k = (int32_t)t->fresh++;
		}
		memset(t->chunks[k].have, 0, 3 * CHUNK_MAP);
		s->chunk[c] = k;
		t->chunks_used++;
	}
	note_peaks(d);
	return true;
}

/* Copy a fragment into its slot unless it conflicts with what is there. */
static enum place_result place(struct sl_decoder *d, int32_t idx, const struct sl_frag *f,
			       const uint8_t *data, uint32_t len)
{
	struct sl_frag_table *t = d->frag;
	struct slot *s = &t->slots[idx];
	uint32_t off = f->offset, end = off + len;
	if (!end_consistent(s, f->more, end))
		return CONFLICT;
	if (len > 0) {
		if (!take_chunks(d, idx, off, end))
			return NO_MEMORY;
		uint32_t first = off / 8, last = (end - 1) / 8;
		uint32_t seen = count_set(t, s, HAVE, first, last);
		if (seen && s->key.family == 6)
			return exact_duplicate(t, s, data, off, end) ? DUPLICATE : CONFLICT;
		if (seen && !same_bytes(t, s, data, off, end))
			return CONFLICT;
		span(t, s, data, off, end, false);
		map_run(t, s, HAVE, first, last, true);
		set_bit(t, s, STARTS, first);
		set_bit(t, s, ENDS, last);
		s->blocks += last - first + 1 - seen;
	}
	if (end > s->max_end)
		s->max_end = end;
	if (!f->more) {
		s->have_last = true;
		s->total = end;
	}
	if (off == 0 && s->hdr_len == 0) {
		memcpy(s->hdr, f->hdr, f->hdr_len);
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
 * Rebuild the datagram in one of the call's output buffers: the stored
 * header rewritten to describe the whole (IPv4: total length, fragment
 * fields cleared but DF kept; IPv6: payload length and the upper-layer
 * Next Header, the unfragmentable extension headers being gone), then the
 * data.  The slot is released; the buffer stays valid until the next call.
 */
static enum sl_decode_result finish(struct sl_dctx *x, int32_t idx, struct sl_cursor *whole)
{
	struct sl_frag_table *t = x->d->frag;
	struct slot *s = &t->slots[idx];
	uint32_t size = s->hdr_len + s->total;
	if ((s->key.family == 4 && size > 0xffff) || t->nout == MAX_PENDING) {
		/* too long for IPv4; MAX_PENDING cannot be reached (see its comment) */
		s->state = SLOT_POISONED;
		return sl_dec_fail(x, s->key.family == 4 && size > 0xffff ? SL_DEC_FRAG_BAD_OFFSET
									: SL_DEC_FRAG_TABLE_FULL);
	}
	uint8_t *h = t->out + (size_t)t->nout++ * OUT_BYTES;
	memcpy(h, s->hdr, s->hdr_len);
	for (uint32_t at = 0; at < s->total; at += CHUNK_DATA) {
		uint32_t n = s->total - at < CHUNK_DATA ? s->total - at : CHUNK_DATA;
		memcpy(h + s->hdr_len + at, t->chunks[s->chunk[at / CHUNK_DATA]].data, n);
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
	x->d->counters.reassembled++;
	x->pkt->wirelen = s->wire_bytes;
	release(t, idx);
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
	x->d->frag_held = true;
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
	if (idx < 0 && (idx = alloc_slot(x->d, &k, x->pkt->ts)) < 0)
		return sl_dec_fail(x, SL_DEC_FRAG_TABLE_FULL);
	struct slot *s = &t->slots[idx];
	if (s->state == SLOT_POISONED)
		return sl_dec_fail(x, SL_DEC_FRAG_DROPPED);
	s->wire_bytes += x->pkt->wirelen;
	enum place_result p = place(x->d, idx, f, data, len);
	if (p == NO_MEMORY) { /* larger than all the memory there is */
		release(t, idx);
		return sl_dec_fail(x, SL_DEC_FRAG_TABLE_FULL);
	}
	if (p == CONFLICT) {
		s->state = SLOT_POISONED;
		return sl_dec_fail(x, SL_DEC_FRAG_BAD_OFFSET);
	}
	if (p == DUPLICATE || !complete(s))
		return SL_DECODE_FRAG_HELD;
	return finish(x, idx, whole);
}
