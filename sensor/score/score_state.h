/* The fleet scorer's state records (score_state.c): the subjects of one
 * partition as snapshots keyed by subject id, for the state topic that a
 * new owner of the partition restores them from. */
#ifndef SIGHTLINE_SCORE_STATE_H
#define SIGHTLINE_SCORE_STATE_H

#include <stddef.h>
#include <stdint.h>

struct sl_scorer;

/* Called once per subject: key (the subject id, NUL-terminated) and value
 * (value[0..len), a JSON object) are borrowed for the call.  A negative
 * return stops the walk and is returned by sl_score_state_write(). */
typedef int (*sl_score_state_emit)(void *ctx, const char *key, const char *value, size_t len);

/*
 * Snapshot every subject whose events came from partition part: one
 * {"v":1,"part":P,"subject":{...},"corr":[...]} record each (sl_subjects_snapshot(),
 * and the subject's groups of the correlation rules grouped by subject.id).
 * Returns the number of records, or the first negative return of emit;
 * *bytes (when not NULL) gets their total size.
 */
int sl_score_state_write(struct sl_scorer *s, int part, sl_score_state_emit emit, void *ctx,
			 size_t *bytes);

/*
 * Restore one record of sl_score_state_write() into the scorer: its subject
 * replaces any of the same id and is remembered as partition part's.
 * Returns 0, or -EINVAL with a sentence in err.
 */
int sl_score_state_restore(struct sl_scorer *s, int part, const char *value, size_t len,
			   char *err, size_t errlen);

/*
 * Emit a tombstone (value NULL, len 0) for each subject of partition part
 * evicted from the table since the last call, and forget them.  Returns
 * how many, or the first negative return of emit (those not emitted stay).
 */
int sl_score_state_evicted(struct sl_scorer *s, int part, sl_score_state_emit emit, void *ctx);

/* Forget the subjects of partition part (it moved to another scorer).
 * Returns how many. */
unsigned sl_score_state_drop(struct sl_scorer *s, int part);

/*
 * The arrival numbers (score_item.seq) of partition part's events still
 * waiting in the reorder window or the open batch: not applied, so their
 * offsets must not be committed.  Sorted; *out is malloc'd (caller frees,
 * also when 0 is returned).
 */
size_t sl_score_state_pending(const struct sl_scorer *s, int part, uint64_t **out);

/* Drop partition part's events still waiting (revocation: the new owner
 * reads them again from the committed offset).  Returns how many. */
unsigned sl_score_state_discard(struct sl_scorer *s, int part);

#endif
