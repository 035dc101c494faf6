/* Opening the IP-intelligence databases: where the bundled ones live, each
 * schema's field paths, the metadata check of a file against its declared
 * schema, and the one-line description for the summary. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "geo_priv.h"
#include "sightline/mmdb_build.h"
#include "sl_build_config.h"

/* The files `meson compile` builds in <build>/rules and installs in
 * SL_DATADIR (rules/meson.build). */
#define DEMO_DB "demo-geo.mmdb"
#define INTEL_DB "intel.mmdb"

/* GeoIP2 / GeoLite2 (and DB-IP's compatible files).  Enterprise keeps the
 * network facts under traits, hence the second path (see maxmind_reads). */
static const char *const maxmind_paths[SL_GEO__NFIELDS][GEO_ALTS + 1] = {
	[SL_GEO_COUNTRY] = { "country.iso_code" },
	[SL_GEO_COUNTRY_NAME] = { "country.names.en" },
	[SL_GEO_REGISTERED_COUNTRY] = { "registered_country.iso_code" },
	[SL_GEO_CITY] = { "city.names.en" },
	[SL_GEO_LAT] = { "location.latitude" },
	[SL_GEO_LON] = { "location.longitude" },
	[SL_GEO_ACCURACY_KM] = { "location.accuracy_radius" },
	[SL_GEO_TIMEZONE] = { "location.time_zone" },
	[SL_GEO_ASN] = { "autonomous_system_number", "traits.autonomous_system_number" },
	[SL_GEO_AS_ORG] = { "autonomous_system_organization",
			    "traits.autonomous_system_organization" },
	[SL_GEO_ISP] = { "isp", "traits.isp" },
	[SL_GEO_CONNECTION_TYPE] = { "connection_type", "traits.connection_type" },
	[SL_GEO_ANON_ANY] = { "is_anonymous", "traits.is_anonymous" },
	[SL_GEO_ANON_VPN] = { "is_anonymous_vpn", "traits.is_anonymous_vpn" },
	[SL_GEO_ANON_HOSTING] = { "is_hosting_provider", "traits.is_hosting_provider" },
	[SL_GEO_ANON_PROXY] = { "is_public_proxy", "traits.is_public_proxy" },
	[SL_GEO_ANON_RESIDENTIAL_PROXY] = { "is_residential_proxy",
					    "traits.is_residential_proxy" },
	[SL_GEO_ANON_TOR] = { "is_tor_exit_node", "traits.is_tor_exit_node" },
	[SL_GEO_ANON_PROVIDER] = { "provider_name" },
	[SL_GEO_ANON_CONFIDENCE] = { "anonymizer_confidence" },
	[SL_GEO_ANON_LAST_SEEN] = { "network_last_seen" },
};

/*
 * Which MaxMind products carry each field, as bits of mm_products[]: a
 * lookup reads only the paths the file's type can hold (an ASN database is
 * not asked for a city), which keeps a merged lookup to a few reads per
 * database.  Enterprise keeps its network facts under traits.
 */
enum { P_CITY = 1, P_COUNTRY = 2, P_ASN = 4, P_ISP = 8, P_CONN = 16, P_ANON = 32,
       P_PLUS = 64, P_ENTERPRISE = 128 };
static const char *const mm_products[] = { "City", "Country", "ASN", "ISP", "Connection-Type",
					   "Anonymous-IP", "Anonymous-Plus", "Enterprise" };
#define P_GEO (P_CITY | P_ENTERPRISE)
#define P_FLAGS (P_ANON | P_PLUS | P_ENTERPRISE)
static const uint8_t maxmind_fields[SL_GEO__NFIELDS] = {
	[SL_GEO_COUNTRY] = P_GEO | P_COUNTRY,
	[SL_GEO_COUNTRY_NAME] = P_GEO | P_COUNTRY,
	[SL_GEO_REGISTERED_COUNTRY] = P_GEO | P_COUNTRY,
	[SL_GEO_CITY] = P_GEO,
	[SL_GEO_LAT] = P_GEO,
	[SL_GEO_LON] = P_GEO,
	[SL_GEO_ACCURACY_KM] = P_GEO,
	[SL_GEO_TIMEZONE] = P_GEO,
	[SL_GEO_ASN] = P_ASN | P_ISP | P_ENTERPRISE,
	[SL_GEO_AS_ORG] = P_ASN | P_ISP | P_ENTERPRISE,
	[SL_GEO_ISP] = P_ISP | P_ENTERPRISE,
	[SL_GEO_CONNECTION_TYPE] = P_CONN | P_ENTERPRISE,
	[SL_GEO_ANON_ANY] = P_FLAGS,
	[SL_GEO_ANON_VPN] = P_FLAGS,
	[SL_GEO_ANON_HOSTING] = P_FLAGS,
	[SL_GEO_ANON_PROXY] = P_FLAGS,
	[SL_GEO_ANON_RESIDENTIAL_PROXY] = P_FLAGS,
	[SL_GEO_ANON_TOR] = P_FLAGS,
	[SL_GEO_ANON_PROVIDER] = P_PLUS,
	[SL_GEO_ANON_CONFIDENCE] = P_PLUS,
	[SL_GEO_ANON_LAST_SEEN] = P_PLUS,
};

/* The products a database_type names ("GeoLite2-City" -> P_CITY). */
static unsigned products_of(const char *type)
{
	unsigned bits = 0;
	for (size_t i = 0; i < ARRAY_SIZE(mm_products); i++)
		if (strstr(type, mm_products[i]))
			bits |= 1u << i;
	return bits;
}

/* Should a maxmind database of these products read path number alt of f? */
static bool maxmind_reads(unsigned products, enum sl_geo_field f, size_t alt)
{
	if (alt > 0)
		return products & P_ENTERPRISE; /* the traits.* spelling */
	return maxmind_fields[f] & products;
}

/* github.com/sapics/ip-location-db: flat keys, coordinates as text or float. */
static const char *const iplocdb_paths[SL_GEO__NFIELDS][GEO_ALTS + 1] = {
	[SL_GEO_COUNTRY] = { "country_code" },
	[SL_GEO_CITY] = { "city" },
	[SL_GEO_LAT] = { "latitude" },
	[SL_GEO_LON] = { "longitude" },
	[SL_GEO_TIMEZONE] = { "timezone" },
	[SL_GEO_ASN] = { "autonomous_system_number" },
	[SL_GEO_AS_ORG] = { "autonomous_system_organization" },
};

/* IPinfo Lite: flat keys, the AS number as text "AS174". */
static const char *const ipinfo_paths[SL_GEO__NFIELDS][GEO_ALTS + 1] = {
	[SL_GEO_COUNTRY] = { "country_code" },
	[SL_GEO_COUNTRY_NAME] = { "country" },
	[SL_GEO_ASN] = { "asn" },
	[SL_GEO_AS_ORG] = { "as_name" },
	[SL_GEO_AS_DOMAIN] = { "as_domain" },
};

/* `sightline mmdb build` output: the names of the covering lists. */
static const char *const intel_paths[SL_GEO__NFIELDS][GEO_ALTS + 1] = {
	[SL_GEO_INTEL] = { "lists" },
};

const char *const *sl_geo_schema_paths(uint32_t schema, enum sl_geo_field f)
{
	switch (schema) {
	case SL_GEO_SCHEMA_MAXMIND: return maxmind_paths[f];
	case SL_GEO_SCHEMA_IP_LOCATION_DB: return iplocdb_paths[f];
	case SL_GEO_SCHEMA_IPINFO: return ipinfo_paths[f];
	case SL_GEO_SCHEMA_INTEL: return intel_paths[f];
	default: return NULL;
	}
}

static const char *const schema_label[SL_GEO__NSCHEMAS] = {
	"maxmind", "ip-location-db", "ipinfo", "intel", "fields",
};

/*
 * Does the file's database_type fit the declared schema?  MaxMind names
 * its products with capitalised words (GeoLite2-City, GeoIP2-Anonymous-IP,
 * DBIP-City-Lite follows suit); ip-location-db writes lower-case "city ipv4"
 * and "asn ipv6"; IPinfo names itself; intel databases come from our
 * builder.  A wrong schema would read nothing at all, silently, so it is
 * refused at start with what was expected.
 */
static bool type_fits(uint32_t schema, const char *type, const char **expect)
{
	static const char *const loc[] = { "city", "country", "asn" };
	switch (schema) {
	case SL_GEO_SCHEMA_MAXMIND:
		*expect = "a GeoIP2/GeoLite2 type such as GeoLite2-City, GeoLite2-ASN or "
			  "GeoIP2-Anonymous-IP";
		return products_of(type) != 0;
	case SL_GEO_SCHEMA_IP_LOCATION_DB:
		*expect = "an ip-location-db type such as 'city ipv4' or 'asn ipv6'";
		for (size_t i = 0; i < ARRAY_SIZE(loc); i++)
			if (strstr(type, loc[i]))
				return true;
		return false;
	case SL_GEO_SCHEMA_IPINFO:
		*expect = "an IPinfo type (naming ipinfo)";
		return strcasestr(type, "ipinfo") != NULL;
	case SL_GEO_SCHEMA_INTEL:
		*expect = "a database built by `sightline mmdb build` (type sightline-...)";
		return strncasecmp(type, "sightline", 9) == 0;
	default:
		return true;
	}
}

/* Does this database read path number alt of field f at all? */
static bool reads(const struct geo_db *db, unsigned products, enum sl_geo_field f, size_t alt)
{
	return db->schema != SL_GEO_SCHEMA_MAXMIND || maxmind_reads(products, f, alt);
}

/* Split every path the database reads into one buffer it owns. */
static int compile_paths(struct geo_db *db, const struct sl_geo_db_config *c)
{
	size_t total = 1;
	unsigned products = products_of(db->mmdb.metadata.database_type ?
					db->mmdb.metadata.database_type : "");
	for (int f = 0; f < SL_GEO__NFIELDS; f++) {
		const char *const *p = c ? (const char *const[]){ c->fields[f], NULL }
					 : sl_geo_schema_paths(db->schema, (enum sl_geo_field)f);
		for (size_t a = 0; p && a < GEO_ALTS && p[a]; a++)
			total += strlen(p[a]) + 1;
	}
	char *w = db->pathbuf = malloc(total);
	if (!w)
		return -ENOMEM;
	for (int f = 0; f < SL_GEO__NFIELDS; f++) {
		const char *const *p = c ? (const char *const[]){ c->fields[f], NULL }
					 : sl_geo_schema_paths(db->schema, (enum sl_geo_field)f);
		for (size_t a = 0; p && a < GEO_ALTS && p[a]; a++) {
			if (!reads(db, products, (enum sl_geo_field)f, a))
				continue;
			struct geo_path *gp = &db->paths[f][db->npaths[f]++];
			size_t k = 0;
			strcpy(w, p[a]);
			for (char *tok = w; tok && k < GEO_PATH_PARTS; k++) {
				gp->parts[k] = tok;
				tok = strchr(tok, '.');
				if (tok)
					*tok++ = '\0';
			}
			gp->parts[k] = NULL;
			w += strlen(p[a]) + 1;
		}
	}
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Why MMDB_open refused the file, in words; -ENOENT when it is not there. */
static int open_error(const char *path, int status, int saved_errno, char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
		snprintf(err, errlen, "%s: empty file, not a MaxMind DB (.mmdb) database", path);
		return -EINVAL;
	}
	if (status == MMDB_FILE_OPEN_ERROR || status == MMDB_IO_ERROR)
		snprintf(err, errlen, "%s: cannot open the database: %s", path,
			 saved_errno ? strerror(saved_errno) : MMDB_strerror(status));
	else
		snprintf(err, errlen, "%s: not a usable MaxMind DB file (%s); is it truncated, or "
			 "not an .mmdb file?", path, MMDB_strerror(status));
	return saved_errno == ENOENT ? -ENOENT : -EINVAL;
}

/* Open one file and check it against its schema. */
static int open_db(struct geo_db *db, const char *path, uint32_t schema, const char *name,
		   const struct sl_geo_db_config *c, char *err, size_t errlen)
{
	const char *expect = "";
	errno = 0;
	int status = MMDB_open(path, MMDB_MODE_MMAP, &db->mmdb);
	if (status != MMDB_SUCCESS)
		return open_error(path, status, errno, err, errlen);
	db->open = true;
	db->schema = schema;
	snprintf(db->name, sizeof(db->name), "%s", name && *name ? name : base_name(path));
	const char *type = db->mmdb.metadata.database_type ? db->mmdb.metadata.database_type : "";
	if (!type_fits(schema, type, &expect)) {
		snprintf(err, errlen, "%s: database type '%.60s' does not fit schema '%s' (expected "
			 "%s); check the entry's schema", path, type, schema_label[schema], expect);
		return -EINVAL;
	}
	if (compile_paths(db, schema == SL_GEO_SCHEMA_FIELDS ? c : NULL) < 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	return 0;
}

/* Append a bundled database when it exists; note it when it does not. */
static int add_bundled(struct sl_geo *g, const char *file, uint32_t schema, char *err,
		       size_t errlen)
{
	char path[PATH_MAX + 64];
	if (!sl_find_bundled(file, path, sizeof(path))) {
		size_t used = strlen(g->note);
		if (errno == EACCES)
			snprintf(g->note + used, sizeof(g->note) - used, "%sbundled %s is not "
				 "readable by uid %u: %s", used ? "; " : "", file, (unsigned)getuid(),
				 path);
		else
			snprintf(g->note + used, sizeof(g->note) - used, "%sbundled %s not found "
				 "beside the program (rules/) or in %s", used ? "; " : "", file,
				 SL_DATADIR);
		return 0;
	}
	return open_db(&g->dbs[g->n++], path, schema, NULL, NULL, err, errlen);
}

/* Can this database tell an address's AS number?  An ip-location-db city
 * or country file has the schema's ASN path but no AS numbers. */
static bool gives_asn(const struct geo_db *db)
{
	const char *type = db->mmdb.metadata.database_type ? db->mmdb.metadata.database_type : "";
	if (db->schema == SL_GEO_SCHEMA_INTEL || db->npaths[SL_GEO_ASN] == 0)
		return false;
	return db->schema != SL_GEO_SCHEMA_IP_LOCATION_DB || strstr(type, "asn") != NULL;
}

/* The entry after the value that starts at p: maps and arrays come
 * flattened, their size first. */
static MMDB_entry_data_list_s *skip_value(MMDB_entry_data_list_s *p, unsigned depth)
{
	uint32_t n = 0;
	if (p->entry_data.type == MMDB_DATA_TYPE_MAP)
		n = p->entry_data.data_size * 2;
	else if (p->entry_data.type == MMDB_DATA_TYPE_ARRAY)
		n = p->entry_data.data_size;
	for (p = p->next; n-- > 0 && p && depth < 16;)
		p = skip_value(p, depth + 1);
	return p;
}

/* Append to w the names in the array p unless w names them already. */
static void add_names(char *w, size_t size, const MMDB_entry_data_list_s *p)
{
	uint32_t n = p->entry_data.type == MMDB_DATA_TYPE_ARRAY ? p->entry_data.data_size : 0;
	for (p = p->next; n-- > 0 && p; p = p->next) {
		char name[96];
		const MMDB_entry_data_s *d = &p->entry_data;
		if (d->type != MMDB_DATA_TYPE_UTF8_STRING)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)d->data_size, d->utf8_string);
		size_t used = strlen(w), len = strlen(name);
		bool dup = false;
		for (const char *q = strstr(w, name); q && !dup; q = strstr(q + 1, name))
			dup = (q == w || q[-1] == ' ') && (q[len] == ',' || q[len] == '\0');
		if (!dup)
			snprintf(w + used, size - used, "%s%s", used ? ", " : "", name);
	}
}

/* The lists of an intel database whose AS lines were not resolved into
 * prefixes when it was built (SL_MMDB_META_UNRESOLVED), appended to w. */
static void unresolved_lists(const struct geo_db *db, char *w, size_t size)
{
	MMDB_entry_data_list_s *list = NULL, *p;
	if (MMDB_get_metadata_as_entry_data_list(&db->mmdb, &list) != MMDB_SUCCESS || !list ||
	    list->entry_data.type != MMDB_DATA_TYPE_MAP) {
		MMDB_free_entry_data_list(list);
		return;
	}
	uint32_t n = list->entry_data.data_size;
	for (p = list->next; n-- > 0 && p && p->next; p = skip_value(p->next, 0)) {
		const MMDB_entry_data_s *k = &p->entry_data;
		if (k->type == MMDB_DATA_TYPE_UTF8_STRING &&
		    k->data_size == strlen(SL_MMDB_META_UNRESOLVED) &&
		    memcmp(k->utf8_string, SL_MMDB_META_UNRESOLVED, k->data_size) == 0)
			add_names(w, size, p->next);
	}
	MMDB_free_entry_data_list(list);
}

/*
 * AS lines of an intel list match only through an address's AS number, so
 * with no database that gives one, and no resolution at build time, those
 * lists silently match nothing: say so once, at start, naming the lists
 * and both ways out.
 */
static void check_as_lists(struct sl_geo *g)
{
	char names[256] = "";
	const char *file = NULL;
	for (size_t i = 0; i < g->n; i++)
		if (gives_asn(&g->dbs[i]))
			return;
	for (size_t i = 0; i < g->n; i++) {
		size_t before = strlen(names);
		if (g->dbs[i].schema == SL_GEO_SCHEMA_INTEL)
			unresolved_lists(&g->dbs[i], names, sizeof(names));
		if (strlen(names) > before && !file)
			file = g->dbs[i].name;
	}
	if (!names[0])
		return;
	snprintf(g->warning, sizeof(g->warning), "the AS-number lines of intel list%s %s (%s) match "
		 "nothing: no database gives AS numbers and they were not resolved at build; add an "
		 "ASN database (GeoLite2-ASN, IPinfo Lite) to databases:, or rebuild the lists with "
		 "'sightline mmdb build --asn'", strchr(names, ',') ? "s" : "", names, file);
}

const char *sl_geo_warning(const struct sl_geo *g)
{
	return g ? g->warning : "";
}

int sl_geo_create(const struct sl_config *cfg, struct sl_geo **out, char *err, size_t errlen)
{
	struct sl_geo *g = calloc(1, sizeof(*g));
	int rc = 0;
	if (!g || !(g->dbs = calloc(cfg->n_databases + 2, sizeof(*g->dbs)))) {
		free(g);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_databases && rc == 0; i++) {
		const struct sl_geo_db_config *c = &cfg->databases[i];
		rc = open_db(&g->dbs[g->n++], c->path, c->schema, c->name, c, err, errlen);
	}
	if (rc == 0 && cfg->n_databases == 0 && cfg->intel.demo)
		rc = add_bundled(g, DEMO_DB, SL_GEO_SCHEMA_MAXMIND, err, errlen);
	if (rc == 0 && cfg->intel.builtin)
		rc = add_bundled(g, INTEL_DB, SL_GEO_SCHEMA_INTEL, err, errlen);
	if (rc == 0)
		check_as_lists(g);
	if (rc == 0)
		rc = sl_geo_locate_sensor(g, &cfg->sensor, err, errlen);
	if (rc < 0) {
		sl_geo_destroy(g);
		return rc;
	}
	*out = g;
	return 0;
}

void sl_geo_destroy(struct sl_geo *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++) {
		if (g->dbs[i].open)
			MMDB_close(&g->dbs[i].mmdb);
		free(g->dbs[i].pathbuf);
	}
	free(g->dbs);
	free(g);
}

size_t sl_geo_count(const struct sl_geo *g)
{
	return g ? g->n : 0;
}

char *sl_geo_describe(const struct sl_geo *g, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; g && i < g->n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s (%s)", i ? ", " : "",
					 g->dbs[i].name, schema_label[g->dbs[i].schema]);
	if (used < len && (!g || g->n == 0))
		used += (size_t)snprintf(buf + used, len - used, "no databases");
	if (used < len && g && g->note[0])
		used += (size_t)snprintf(buf + used, len - used, "; %s", g->note);
	if (used < len && g && g->warning[0])
		used += (size_t)snprintf(buf + used, len - used, "; WARNING: %s", g->warning);
	if (used < len && g && g->located)
		snprintf(buf + used, len - used, "; sensor at %.4f, %.4f", g->lat, g->lon);
	return buf;
}
