/* `sightline mmdb build`: compiles CIDR intel lists (CSV) into a MaxMind DB
 * format file (spec v2.0) that libmaxminddb and mmdblookup read. */
#ifndef SIGHTLINE_MMDB_BUILD_H
#define SIGHTLINE_MMDB_BUILD_H

#include <stddef.h>
#include <stdint.h>

/* What resolving one list's AS lines gave (sl_mmdb_build_opts.on_resolved).
 * Everything is borrowed for the duration of the callback. */
struct sl_mmdb_asn_result {
	const char *list;    /* the list's name */
	uint32_t as_numbers; /* distinct AS numbers the list names */
	uint32_t as_found;   /* of them, those some ASN source announces */
	uint64_t prefixes;   /* prefixes added to the list for them */
	const char *missing; /* the AS numbers no source knows, space-separated
			      * ("AS20448 AS398391"; at most 8, then "..."),
			      * "" when all were found */
};

/* Database metadata and build options.  A NULL opts or NULL member takes
 * the default. */
struct sl_mmdb_build_opts {
	const char *database_type; /* default "sightline-intel" */
	const char *description;   /* written as description.en; NULL gives an
				    * empty description map */
	uint64_t build_epoch;      /* Unix seconds; a parameter so builds are
				    * reproducible (SOURCE_DATE_EPOCH).  0 is
				    * written as 1: libmaxminddb rejects 0. */
	/* ASN databases that resolve the lists' AS lines into address
	 * prefixes (see "AS-number entries" below): ip-location-db `asn` CSV
	 * files (start_ip,end_ip,asn[,org]), or .mmdb files with an
	 * autonomous_system_number (GeoLite2-ASN, DB-IP ASN) or asn ("AS174",
	 * IPinfo Lite) per record.  None: AS lines stay lookup-time entries. */
	const char *const *asn_sources;
	size_t n_asn_sources;
	/* Called once per list that has AS lines, in list order, after they
	 * were resolved (only when asn_sources are given); NULL: not told. */
	void (*on_resolved)(void *ctx, const struct sl_mmdb_asn_result *r);
	void *ctx;
};

/* One in-memory list for sl_mmdb_build_mem(): name is the list name as it
 * appears in each record's `lists` array, data the CSV text. */
struct sl_mmdb_source {
	const char *name;
	const void *data;
	size_t len;
};

/*
 * AS-number entries.  A list line `AS131279,dprk` cannot live in the
 * address tree as such, so the builder stores it at one address per AS
 * number inside the RFC 6666 discard-only block 100::/64: 100::/96 plus the
 * number in the low 32 bits (AS131279 -> 100::2:cf).  No real peer uses
 * that block.  A reader that has learnt an address's AS number (from a
 * GeoIP/ASN database) asks the intel database for this address as well,
 * and `mmdblookup --ip 100::2:cf` shows the entry.
 *
 * Given ASN sources (sl_mmdb_build_opts.asn_sources), the builder also adds
 * every prefix the sources give each AS number to the list, with the AS
 * line's label and keys, so the list matches without an ASN database at
 * lookup time.  The lists whose AS lines were not resolved so are named in
 * the metadata key SL_MMDB_META_UNRESOLVED (an array of list names, absent
 * when there are none): a reader without AS numbers warns about them.
 */
#define SL_MMDB_ASN_PREFIX "100::/96"
#define SL_MMDB_META_UNRESOLVED "sightline_unresolved_as_lists"

/** The address that stands for AS number asn in a built database. */
static inline void sl_mmdb_asn_addr(uint32_t asn, uint8_t out[16])
{
	for (int i = 0; i < 16; i++)
		out[i] = 0;
	out[0] = 0x01;
	out[12] = (uint8_t)(asn >> 24);
	out[13] = (uint8_t)(asn >> 16);
	out[14] = (uint8_t)(asn >> 8);
	out[15] = (uint8_t)asn;
}

/**
 * Compile the CSV lists at csv_paths into a MaxMind DB at out_path.
 *
 * Each file is one list named after its base name without ".csv".  Lines
 * are `cidr,label[,key=value...]` (a third field without '=' is taken as
 * `note`); '#' comment lines, blank lines and a leading `cidr,label,...`
 * header are skipped.  Values are typed: true/false -> boolean, integers ->
 * uint32 / uint64 / int32 (negative), decimals -> double, a value in single
 * quotes ('38.5') -> the string between them, anything else a UTF-8
 * string; dotted keys (`location.latitude`) become nested maps.  The first
 * column may also be an AS number (`AS131279`): see sl_mmdb_asn_addr().
 *
 * The record for an address is a map holding `label` and every key of the
 * prefixes that cover it, the most specific prefix winning per key, plus
 * `lists`: the names of all covering lists in input order.  The tree is an
 * IPv6 tree with IPv4 at ::/96 and aliases for ::ffff:0:0/96 and 2002::/16.
 *
 * With opts->asn_sources the AS lines are resolved into prefixes as well
 * (see "AS-number entries"); an unreadable or malformed source fails the
 * build with "SOURCE[:LINE]: sentence".
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

/**
 * `sightline mmdb ...` with argv[0] "mmdb": parse the options, build, print
 * what was done on stderr.  Returns the process exit status (0, 1 runtime
 * error, 2 usage or input error).  Only main() calls it.
 */
int sl_mmdb_main(int argc, char **argv);

#endif
