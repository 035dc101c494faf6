/* `sightline mmdb build`: compiles CIDR intel lists (CSV) into a MaxMind DB
 * format file (spec v2.0) that libmaxminddb and mmdblookup read. */
#ifndef SIGHTLINE_MMDB_BUILD_H
#define SIGHTLINE_MMDB_BUILD_H

#include <stddef.h>
#include <stdint.h>

/* Database metadata.  A NULL opts or NULL member takes the default. */
struct sl_mmdb_build_opts {
	const char *database_type; /* default "sightline-intel" */
	const char *description;   /* written as description.en; NULL gives an
				    * empty description map */
	uint64_t build_epoch;      /* Unix seconds; a parameter so builds are
				    * reproducible (SOURCE_DATE_EPOCH).  0 is
				    * written as 1: libmaxminddb rejects 0. */
};

/* One in-memory list for sl_mmdb_build_mem(): name is the list name as it
 * appears in each record's `lists` array, data the CSV text. */
struct sl_mmdb_source {
	const char *name;
	const void *data;
	size_t len;
};

/**
 * Compile the CSV lists at csv_paths into a MaxMind DB at out_path.
 *
 * Each file is one list named after its base name without ".csv".  Lines
 * are `cidr,label[,key=value...]` (a third field without '=' is taken as
 * `note`); '#' comment lines, blank lines and a leading `cidr,label,...`
 * header are skipped.  Values are typed: true/false -> boolean, integers ->
 * uint32 / uint64 / int32 (negative), decimals -> double, anything else a
 * UTF-8 string; dotted keys (`location.latitude`) become nested maps.
 *
 * The record for an address is a map holding `label` and every key of the
 * prefixes that cover it, the most specific prefix winning per key, plus
 * `lists`: the names of all covering lists in input order.  The tree is an
 * IPv6 tree with IPv4 at ::/96 and aliases for ::ffff:0:0/96 and 2002::/16.
 *
 * The file is written to a temporary name and renamed, so a failed build
 * never leaves a partial database.  Returns 0 or a negative errno with
 * "FILE:LINE: sentence" (or "FILE: sentence") in err.  Borrowed: every
 * argument stays owned by the caller.
 */
int sl_mmdb_build(const char *const *csv_paths, size_t n_paths,
		  const char *out_path, const struct sl_mmdb_build_opts *opts,
		  char *err, size_t errlen);

/**
 * The same build from in-memory lists into a malloc'd buffer (tests and
 * fuzzing).  Returns 0 and sets *out / *out_len, or a negative errno with
 * "NAME:LINE: sentence" in err.  Caller owns *out; free with free().
 */
int sl_mmdb_build_mem(const struct sl_mmdb_source *srcs, size_t n_srcs,
		      const struct sl_mmdb_build_opts *opts, uint8_t **out,
		      size_t *out_len, char *err, size_t errlen);

#endif
