/* Checkpoints and restores of the scorer's partitions: partition p of the
 * state topic pairs with partition p of the event topics.  A checkpoint
 * writes p's subjects and the ids of its applied events past the commit
 * point, waits for their delivery, and only then commits the offsets; a
 * restore reads the state partition to its end, the latest record per key
 * winning (what compaction keeps). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score_kafka_priv.h"
#include "score_state.h"

static int produce(struct kin *k, int32_t p, const char *key, const char *value, size_t len)
{
	rd_kafka_resp_err_t e;
	while ((e = rd_kafka_producev(k->prod, RD_KAFKA_V_TOPIC(k->in->state_topic),
				      RD_KAFKA_V_PARTITION(p), RD_KAFKA_V_KEY(key, strlen(key)),
				      RD_KAFKA_V_VALUE((void *)value, len),
				      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
	       RD_KAFKA_RESP_ERR__QUEUE_FULL)
		rd_kafka_poll(k->prod, 100);
	if (e) {
		snprintf(k->err, sizeof(k->err), "state topic %s [%d]: %s", k->in->state_topic,
			 (int)p, rd_kafka_err2str(e));
		return -EIO;
	}
	k->st.state_records++;
	k->st.state_bytes += len;
	return 0;
}

struct emit_ctx {
	struct kin *k;
	int32_t p;
};

static int emit_subject(void *ctx, const char *key, const char *value, size_t len)
{
	struct emit_ctx *e = ctx;
	return produce(e->k, e->p, key, value, len);
}

static int emit_tombstone(void *ctx, const char *key, const char *value, size_t len)
{
	struct emit_ctx *e = ctx;
	int rc = produce(e->k, e->p, key, value, len);
	if (rc >= 0)
		e->k->st.tombstones++;
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static bool pending(const uint64_t *seqs, size_t n, uint64_t seq)
{
	return n && bsearch(&seq, seqs, n, sizeof(*seqs), cmp_u64) != NULL;
}

/* An event id key as 16 hex digits (JSON integers stop at 2^63). */
static void key_hex(struct sl_json *j, uint64_t key)
{
	char b[17];
	snprintf(b, sizeof(b), "%016llx", (unsigned long long)key);
	sl_json_strn(j, b, 16);
}

/* The seqs of p's events waiting (not applied), and their id keys, each
 * sorted; NULL keys when memory ran out (then nothing is called applied). */
struct waiting {
	uint64_t *seqs, *keys;
	size_t n_seqs, n_keys;
};

static bool is_waiting(const struct waiting *w, const struct kitem *it)
{
	return it->queued && pending(w->seqs, w->n_seqs, it->seq);
}

static int waiting_of(struct kin *k, int32_t p, struct waiting *w)
{
	size_t n = 0;
	w->n_seqs = sl_score_state_pending(k->s, p, &w->seqs);
	w->n_keys = 0;
	for (size_t i = 0; i < k->n_parts; i++)
		n += k->parts[i].p == p ? k->parts[i].n : 0;
	if (!w->seqs || !(w->keys = malloc((n + 1) * sizeof(*w->keys))))
		return -ENOMEM;
	for (size_t i = 0; i < k->n_parts; i++) {
		const struct kpart *kp = &k->parts[i];
		for (size_t j = 0; kp->p == p && j < kp->n; j++)
			if (is_waiting(w, &kp->items[kp->head + j]))
				w->keys[w->n_keys++] = kp->items[kp->head + j].key;
	}
	qsort(w->keys, w->n_keys, sizeof(*w->keys), cmp_u64);
	return 0;
}

/*
 * Where kp can be committed: the first of its events still waiting (not
 * applied: the next owner must read it again), else past the last taken.
 * The ids of every event not committed yet that was applied (or dropped as
 * a duplicate) go into j: the next owner reads from this commit, or from an
 * older one if this commit fails, and must drop them.  A duplicate of an
 * event still waiting (a sensor's retry read while the first copy sits in
 * the reorder window) is not listed: its id is no proof of anything
 * applied, and the next owner must apply the first copy when it reads it
 * again.
 */
static int64_t commit_point(const struct kpart *kp, const struct waiting *w, struct sl_json *j)
{
	int64_t at = kp->next;
	for (size_t i = 0; i < kp->n; i++) {
		const struct kitem *it = &kp->items[kp->head + i];
		if (is_waiting(w, it)) {
			at = it->offset;
			break;
		}
	}
	for (size_t i = 0; i < kp->n; i++) {
		const struct kitem *it = &kp->items[kp->head + i];
		if (it->key && !is_waiting(w, it) &&
		    !pending(w->keys, w->n_keys, it->key))
			key_hex(j, it->key);
	}
	return at;
}

void sl_kin_give_back(struct kin *k, int32_t p)
{
	uint64_t *seqs = NULL;
	size_t n = sl_score_state_pending(k->s, p, &seqs);
	for (size_t i = 0; i < k->n_parts; i++) {
		const struct kpart *kp = &k->parts[i];
		for (size_t j = 0; kp->p == p && j < kp->n; j++) {
			const struct kitem *it = &kp->items[kp->head + j];
			if (it->queued && pending(seqs, n, it->seq))
				sl_score_unmark_seen(k->s, it->key);
		}
	}
	free(seqs);
	sl_score_state_discard(k->s, p);
	sl_score_open_drop_part(k->s, p);
}

/* Forget the items below the committed offset but the last SEEN_TAIL: their
 * ids stay in the partition record, so that a sensor's retry of an event
 * just before a failover is still a duplicate for the next owner. */
static void committed(struct kpart *kp, int64_t at)
{
	size_t below = 0;
	while (below < kp->n && kp->items[kp->head + below].offset < at)
		below++;
	while (below > SEEN_TAIL) {
		kp->head++;
		kp->n--;
		below--;
	}
	if (!kp->n)
		kp->head = 0;
}

/* The flows of p's subjects charged at an early alert whose flow event is
 * still due: "open":[[key, subject id], ...]. */
static void open_flows(struct kin *k, int32_t p, struct sl_json *j)
{
	const struct sl_scorer *s = k->s;
	sl_json_key(j, "open");
	sl_json_open_array(j);
	for (size_t i = 0; i < s->n_open; i++) {
		if (sl_scorer_subject_partition(s, s->open[i].view.id) != p)
			continue;
		sl_json_open_array(j);
		key_hex(j, s->open[i].key);
		sl_json_str(j, s->open[i].view.id);
		sl_json_close_array(j);
	}
	sl_json_close_array(j);
}

/* The partition record: {"v":1,"part":P,"seen":[keys...],"open":[...]} and
 * the offsets. */
static rd_kafka_topic_partition_list_t *partition_record(struct kin *k, int32_t p,
							 struct sl_json *j)
{
	struct waiting w = { 0 };
	if (waiting_of(k, p, &w) < 0) {
		free(w.seqs);
		j->failed = true; /* nothing written, nothing committed */
		return rd_kafka_topic_partition_list_new(1);
	}
	rd_kafka_topic_partition_list_t *offs = rd_kafka_topic_partition_list_new(4);
	sl_json_begin(j);
	sl_json_key(j, "v");
	sl_json_u64(j, 1);
	sl_json_key(j, "part");
	sl_json_i64(j, p);
	sl_json_key(j, "seen");
	sl_json_open_array(j);
	for (size_t i = 0; i < k->n_parts; i++) {
		struct kpart *kp = &k->parts[i];
		if (kp->p != p || !kp->owned)
			continue;
		int64_t at = commit_point(kp, &w, j);
		if (at >= 0)
			rd_kafka_topic_partition_list_add(offs, kp->topic, p)->offset = at;
	}
	sl_json_close_array(j);
	open_flows(k, p, j);
	sl_json_end(j);
	free(w.seqs);
	free(w.keys);
	return offs;
}

/* Deliver what was produced; any failure means nothing may be committed. */
static int delivered(struct kin *k)
{
	uint64_t failed = k->delivery_failed;
	if (rd_kafka_flush(k->prod, KAFKA_TIMEOUT_MS) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(k->err, sizeof(k->err), "state topic %s: not delivered within %d s; "
			 "offsets not committed", k->in->state_topic, KAFKA_TIMEOUT_MS / 1000);
		return -ETIMEDOUT;
	}
	if (k->delivery_failed != failed) {
		snprintf(k->err, sizeof(k->err), "state topic %s: %s; offsets not committed",
			 k->in->state_topic, k->delivery_err);
		return -EIO;
	}
	return 0;
}

int sl_kin_checkpoint(struct kin *k, int32_t p)
{
	struct sl_json j;
	struct emit_ctx e = { k, p };
	sl_json_init(&j);
	rd_kafka_topic_partition_list_t *offs = partition_record(k, p, &j);
	int rc = j.failed ? -ENOMEM : 0;
	if (!rc) /* evicted subjects' records deleted, so no restore brings them back */
		rc = sl_score_state_evicted(k->s, p, emit_tombstone, &e);
	if (rc >= 0)
		rc = sl_score_state_write(k->s, p, emit_subject, &e, NULL);
	if (rc >= 0)
		rc = produce(k, p, PART_KEY, j.buf, j.len);
	if (rc >= 0)
		rc = delivered(k);
	if (rc >= 0 && k->s->eve) /* the alerts the committed events raised are out too */
		sl_eve_sync(k->s->eve);
	rd_kafka_resp_err_t ce = RD_KAFKA_RESP_ERR_NO_ERROR;
	if (rc >= 0 && offs->cnt && (ce = rd_kafka_commit(k->rk, offs, 0))) {
		snprintf(k->err, sizeof(k->err), "commit of partition %d: %s", (int)p,
			 rd_kafka_err2str(ce));
		rc = -EIO;
	}
	for (int i = 0; rc >= 0 && i < offs->cnt; i++)
		committed(sl_kin_part(k, offs->elems[i].topic, p, false), offs->elems[i].offset);
	if (rc >= 0)
		k->st.checkpoints++;
	rd_kafka_topic_partition_list_destroy(offs);
	sl_json_finish(&j);
	return rc < 0 ? rc : 0;
}

/* ---- restore ---- */

struct record {
	char *key;
	char *value;
	size_t len;
};

struct records {
	struct record *r;
	size_t n, cap;
};

static int keep(struct records *rs, const rd_kafka_message_t *m)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 256;
		struct record *n = realloc(rs->r, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		rs->r = n;
		rs->cap = cap;
	}
	struct record *r = &rs->r[rs->n];
	r->key = strndup(m->key ? m->key : "", m->key_len);
	r->value = m->payload ? malloc(m->len + 1) : NULL;
	r->len = m->len;
	if (!r->key || (m->payload && !r->value)) {
		free(r->key);
		free(r->value);
		return -ENOMEM;
	}
	if (r->value)
		memcpy(r->value, m->payload, m->len), r->value[m->len] = '\0';
	rs->n++;
	return 0;
}

/* Every record of state partition p, in offset order, into rs. */
static int read_partition(struct kin *k, int32_t p, struct records *rs)
{
	int64_t lo = 0, hi = 0;
	rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(k->reader, k->in->state_topic, p,
								  &lo, &hi, KAFKA_TIMEOUT_MS);
	if (e) {
		snprintf(k->err, sizeof(k->err), "state topic %s [%d]: %s (create it with as many "
			 "partitions as the event topic)", k->in->state_topic, (int)p,
			 rd_kafka_err2str(e));
		return -EIO;
	}
	if (hi <= lo)
		return 0;
	rd_kafka_topic_partition_list_t *a = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(a, k->in->state_topic, p)->offset = lo;
	rd_kafka_assign(k->reader, a);
	rd_kafka_topic_partition_list_destroy(a);
	int rc = 0;
	for (int64_t at = lo, idle = 0; rc == 0 && at < hi;) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(k->reader, 100);
		if (!m) {
			if ((idle += 100) >= KAFKA_TIMEOUT_MS)
				rc = -ETIMEDOUT;
			continue;
		}
		idle = 0;
		if (!m->err) {
			at = m->offset + 1;
			rc = keep(rs, m);
		} else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			snprintf(k->err, sizeof(k->err), "state topic %s [%d]: %s",
				 k->in->state_topic, (int)p, rd_kafka_message_errstr(m));
			rc = -EIO;
		}
		rd_kafka_message_destroy(m);
	}
	rd_kafka_assign(k->reader, NULL);
	if (rc == -ETIMEDOUT)
		snprintf(k->err, sizeof(k->err), "state topic %s [%d]: not read to its end "
			 "within %d s", k->in->state_topic, (int)p, KAFKA_TIMEOUT_MS / 1000);
	return rc;
}

/* The partition record: its event ids marked seen, its open flows reopened
 * (after the subjects: they name them). */
static int restore_partition(struct kin *k, const struct record *r)
{
	json_t *o = json_loadb(r->value, r->len, 0, NULL);
	json_t *seen = json_object_get(o, "seen"), *open = json_object_get(o, "open");
	int rc = json_is_array(seen) ? 0 : -EINVAL;
	for (size_t i = 0; rc == 0 && i < json_array_size(seen); i++) {
		const char *hex = json_string_value(json_array_get(seen, i));
		rc = hex ? sl_score_mark_seen(k->s, strtoull(hex, NULL, 16)) : -EINVAL;
		k->st.replayed_seen++;
	}
	for (size_t i = 0; rc == 0 && i < json_array_size(open); i++) {
		const char *hex = json_string_value(json_array_get(json_array_get(open, i), 0));
		const char *id = json_string_value(json_array_get(json_array_get(open, i), 1));
		rc = hex && id ? sl_score_open_restore(k->s, strtoull(hex, NULL, 16), id) : -EINVAL;
	}
	json_decref(o);
	return rc;
}

struct keyed {
	const char *key;
	size_t i;
};

static int by_key_then_offset(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : x->i < y->i ? -1 : x->i > y->i;
}

/* live[i]: no later record has record i's key (what compaction keeps). */
static bool *live_records(const struct records *rs)
{
	struct keyed *ix = malloc((rs->n + 1) * sizeof(*ix));
	bool *live = calloc(rs->n + 1, sizeof(*live));
	if (!ix || !live) {
		free(ix);
		free(live);
		return NULL;
	}
	for (size_t i = 0; i < rs->n; i++)
		ix[i] = (struct keyed){ rs->r[i].key, i };
	qsort(ix, rs->n, sizeof(*ix), by_key_then_offset);
	for (size_t i = 0; i < rs->n; i++)
		live[ix[i].i] = i + 1 == rs->n || strcmp(ix[i].key, ix[i + 1].key) != 0;
	free(ix);
	return live;
}

static int restore_records(struct kin *k, int32_t p, const struct records *rs)
{
	char err[256] = "malformed";
	bool *live = live_records(rs);
	if (!live)
		return -ENOMEM;
	const struct record *part = NULL;
	for (size_t i = 0; i < rs->n; i++) {
		const struct record *r = &rs->r[i];
		if (!r->value || !live[i]) /* a tombstone, or superseded */
			continue;
		if (strcmp(r->key, PART_KEY) == 0) {
			part = r;
			continue;
		}
		int rc = sl_score_state_restore(k->s, p, r->value, r->len, err, sizeof(err));
		if (rc == -ENOMEM)
			return free(live), rc;
		if (rc < 0) /* one bad record costs one subject, not the partition */
			fprintf(stderr, "sightline score: state topic %s [%d], key \"%s\": %s\n",
				k->in->state_topic, (int)p, r->key, err);
		else
			k->st.restored++;
	}
	free(live);
	int rc = part ? restore_partition(k, part) : 0;
	if (rc == -EINVAL) {
		fprintf(stderr, "sightline score: state topic %s [%d]: the partition record is "
			"malformed; replays of applied events will count twice\n",
			k->in->state_topic, (int)p);
		rc = 0;
	}
	return rc;
}

int sl_kin_restore(struct kin *k, int32_t p)
{
	struct records rs = { 0 };
	int rc = read_partition(k, p, &rs);
	if (rc == 0)
		rc = restore_records(k, p, &rs);
	for (size_t i = 0; i < rs.n; i++) {
		free(rs.r[i].key);
		free(rs.r[i].value);
	}
	free(rs.r);
	return rc;
}
