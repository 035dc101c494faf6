/* Time zones without the C library's global state: a TZif reader (RFC 8536,
 * versions 1-3) that loads a zone once and answers "UTC offset at time t"
 * by binary search, with the footer's POSIX TZ rule past the last
 * transition.  Implemented in sensor/subject/tz.c and tz_posix.c. */
#ifndef SIGHTLINE_TZ_H
#define SIGHTLINE_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "sightline/common.h"

#define SL_TZ_NAME_MAX 64 /* bytes of an IANA zone name, NUL included */

struct sl_tz;

/**
 * Load IANA zone name ("Asia/Pyongyang") from dir, or when dir is NULL from
 * $TZDIR or /usr/share/zoneinfo.  Names with "..", a leading '/' or
 * characters outside [A-Za-z0-9/_+-] are refused.  Returns 0, or a negative
 * errno with one sentence in err (errlen bytes) saying what is wrong and
 * what to do.  Caller owns *out; free with sl_tz_destroy().
 */
int sl_tz_load(const char *dir, const char *name, struct sl_tz **out, char *err, size_t errlen);

/**
 * Parse a TZif file held in memory (len bytes, borrowed for the call).
 * name is kept for sl_tz_name().  Same returns and ownership as sl_tz_load().
 */
int sl_tz_parse(const uint8_t *data, size_t len, const char *name, struct sl_tz **out,
		char *err, size_t errlen);

/** Free a zone.  Accepts NULL. */
void sl_tz_destroy(struct sl_tz *tz);

/** The zone's name.  Borrowed; valid until sl_tz_destroy(). */
const char *sl_tz_name(const struct sl_tz *tz);

/**
 * Offset from UTC, in seconds east, in force at unix time t (seconds).
 * Never allocates, never touches TZ or localtime; thread-safe.
 */
int32_t sl_tz_offset(const struct sl_tz *tz, int64_t t);

/* A POSIX TZ rule ("EST5EDT,M3.2.0,M11.1.0", "<+09>-9"), as found in the
 * TZif footer.  Offsets are seconds east of UTC. */
struct sl_tz_rule_date {
	uint8_t kind;   /* 'J' (Jn: 1-365, no leap day), 'D' (n: 0-365), 'M' (Mm.w.d) */
	uint16_t day;   /* J/D: the day number; M: the weekday 0-6 (Sunday 0) */
	uint8_t month;  /* M: 1-12 */
	uint8_t week;   /* M: 1-5 (5: the last) */
	int32_t time;   /* seconds after local midnight, -167h..167h (RFC 8536 3.3.1) */
};

struct sl_tz_rule {
	int32_t std_off;
	int32_t dst_off;
	bool has_dst;
	struct sl_tz_rule_date start, end; /* DST begins (local standard time), ends (local DST) */
};

/**
 * Parse a POSIX TZ string.  A DST name without rules takes the US rules
 * (M3.2.0,M11.1.0), as POSIX implementations do.  Returns 0 or -EINVAL.
 */
int sl_tz_rule_parse(const char *s, struct sl_tz_rule *out);

/** Offset (seconds east) the rule gives at unix time t. */
int32_t sl_tz_rule_offset(const struct sl_tz_rule *r, int64_t t);

#endif
