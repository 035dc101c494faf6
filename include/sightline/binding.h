/* Account <-> address bindings learnt from successful sign-ins: who was
 * signed in from an address at a given time, so flows from that address are
 * charged to a person rather than to the address.  Implemented in
 * sensor/identity/binding.c. */
#ifndef SIGHTLINE_BINDING_H
#define SIGHTLINE_BINDING_H

#include "sightline/common.h"
#include "sightline/field.h"
#include "sightline/identity.h"

#define SL_BINDING_SOURCE_MAX 128 /* bytes of a source name kept, NUL included */

/* One binding as a lookup reports it.  A plain value: copy it freely. */
struct sl_binding {
	char account[SL_SIGNIN_ACCOUNT_MAX];        /* as the sign-in wrote it */
	char source[SL_BINDING_SOURCE_MAX];         /* the identity source's name */
	struct sl_addr addr;
	sl_time_us since;     /* the sign-in's time */
	sl_time_us until;     /* since + identity.binding_ttl, or the time the
			       * account signed in from elsewhere, if earlier */
	unsigned accounts;    /* accounts bound to addr at the time looked up (>= 1) */
};

/* Counters for the stats event and the summary. */
struct sl_bindings_stats {
	uint64_t signins;     /* successful sign-ins that bound an account */
	uint64_t ignored;     /* sign-ins that bind nothing (failed or unknown outcome) */
	uint64_t moved;       /* bindings cut short by the account signing in elsewhere */
	uint64_t shared;      /* sign-ins that left two or more accounts on one address */
	uint64_t evicted;     /* live bindings dropped to stay within identity.max_bindings */
	uint64_t held;        /* bindings held now (live and recently ended) */
};

struct sl_bindings;

/**
 * Create a table for at most max bindings, each lasting ttl microseconds.
 * Memory grows with use up to max.  Returns 0, -EINVAL (max or ttl 0) or
 * -ENOMEM.  Caller owns *out; free with sl_bindings_destroy().
 */
int sl_bindings_create(sl_time_us ttl, uint32_t max, struct sl_bindings **out);

/** Free the table.  Accepts NULL. */
void sl_bindings_destroy(struct sl_bindings *b);

/**
 * Feed one sign-in.  A successful one binds si->account to si->addr from
 * si->time for the table's ttl, ending the account's earlier binding (to
 * any address) at that time; other outcomes bind nothing.  Sign-ins should
 * come in time order (sl_identity_next() gives them so); an older one still
 * binds from its own time.  Returns the number of accounts bound to
 * si->addr just after it (0 when it bound nothing).  Never fails: when the
 * table is full the binding that ended first (else the oldest) gives way,
 * counted in evicted.
 */
unsigned sl_bindings_signin(struct sl_bindings *b, const struct sl_signin *si);

/**
 * The binding of addr in force at time t: the latest sign-in to it with
 * since <= t < until, with the count of accounts bound to addr at t.
 * Returns true with *out filled, false when the address is not bound then.
 */
bool sl_bindings_lookup(const struct sl_bindings *b, const struct sl_addr *addr, sl_time_us t,
			struct sl_binding *out);

/**
 * The binding a sign-in event of si carries (subject.account,
 * subject.signin.*): the binding in force at its address and time, with
 * si's own account, source, address and time, and at least bound accounts
 * (what sl_bindings_signin() returned for si).  Fills *out; never fails.
 * b and si are borrowed for the call.
 */
void sl_bindings_signin_view(const struct sl_bindings *b, const struct sl_signin *si,
			     unsigned bound, struct sl_binding *out);

/** Counters.  Borrowed; valid until the table is destroyed. */
const struct sl_bindings_stats *sl_bindings_stats(const struct sl_bindings *b);

/* subject.account, subject.signin.*, subject.accounts_bound: the binding a
 * flow's outside address had (sl_record.binding). */
extern const struct sl_field_table sl_binding_fields;

/* signin.*: a sign-in event's own fields (sl_record.signin). */
extern const struct sl_field_table sl_signin_fields;

#endif
