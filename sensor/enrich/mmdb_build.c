/* Public entry points of the mmdb builder: load the lists, serialise, and
 * write the file atomically (temporary file, fsync, rename). */
#include "sightline/mmdb_build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmdb_internal.h"
#include "sightline/csv.h"

#define CSV_FLAGS (SL_CSV_SKIP_COMMENTS | SL_CSV_SKIP_BLANK)

/* Fill defaults and check that the metadata strings are valid UTF-8 (which
 * also keeps the metadata marker out of the metadata itself). */
static int resolve_opts(const struct sl_mmdb_build_opts *in,
			struct sl_mmdb_build_opts *out, char *err, size_t errlen)
{
	*out = in ? *in : (struct sl_mmdb_build_opts){0};
	if (!out->database_type || !*out->database_type)
		out->database_type = "sightline-intel";
	if (out->build_epoch == 0)
		out->build_epoch = 1; /* libmaxminddb treats 0 as missing */
	if (!mb_utf8_valid(out->database_type, strlen(out->database_type)) ||
	    (out->description && !mb_utf8_valid(out->description, strlen(out->description)))) {
		snprintf(err, errlen, "database type and description must be UTF-8");
		return -EINVAL;
	}
	return 0;
}

/* List name: the base name without a ".csv" suffix. */
static void list_name(const char *path, const char **name, size_t *len)
{
	const char *slash = strrchr(path, '/');
	*name = slash ? slash + 1 : path;
	*len = strlen(*name);
	if (*len > 4 && strcmp(*name + *len - 4, ".csv") == 0)
		*len -= 4;
}

static int load_paths(struct mb *b, const char *const *paths, size_t n,
		      char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		struct sl_csv *csv;
		const char *name;
		size_t len;
		int rc = sl_csv_open(paths[i], CSV_FLAGS, &csv, err, errlen);
		if (rc < 0)
			return rc;
		list_name(paths[i], &name, &len);
		rc = mb_load_csv(b, csv, name, len, (uint32_t)i, err, errlen);
		sl_csv_destroy(csv);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int file_write(void *ctx, const void *p, size_t n)
{
	return fwrite(p, 1, n, ctx) == n ? 0 : -EIO;
}

/* Serialise into a temporary file next to out_path and rename it over
 * out_path only once it is complete and synced. */
static int write_atomic(struct mb *b, const struct sl_mmdb_build_opts *o,
			const char *out_path, char *err, size_t errlen)
{
	size_t n = strlen(out_path) + sizeof(".tmp.XXXXXX");
	char *tmp = malloc(n);
	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, n, "%s.tmp.XXXXXX", out_path);
	int fd = mkstemp(tmp), rc = 0;
	FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (!f) {
		rc = -errno;
		goto err_open;
	}
	struct mb_sink sink = {file_write, f};
	rc = mb_serialize(b, o, &sink);
	if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0 || fchmod(fileno(f), 0644) != 0))
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	fd = -1;
	if (rc == 0 && rename(tmp, out_path) != 0)
		rc = -errno;
err_open:
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot write the database: %s", out_path,
			 rc == -EFBIG ? "more than 4 GiB of tree and data" : strerror(-rc));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

int sl_mmdb_build(const char *const *csv_paths, size_t n_paths,
		  const char *out_path, const struct sl_mmdb_build_opts *opts,
		  char *err, size_t errlen)
{
	struct sl_mmdb_build_opts o;
	struct mb b;
	int rc = resolve_opts(opts, &o, err, errlen);
	if (rc < 0)
		return rc;
	if ((rc = mb_init(&b)) < 0) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	rc = load_paths(&b, csv_paths, n_paths, err, errlen);
	if (rc == 0)
		rc = mb_resolve_asn(&b, &o, err, errlen);
	if (rc == 0)
		rc = write_atomic(&b, &o, out_path, err, errlen);
	mb_finish(&b);
	return rc;
}

static int buf_write(void *ctx, const void *p, size_t n)
{
	return mb_buf_put(ctx, p, n);
}

static int load_mem(struct mb *b, const struct sl_mmdb_source *srcs, size_t n,
		    char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		struct sl_csv *csv;
		const char *name = srcs[i].name ? srcs[i].name : "list";
		int rc = sl_csv_open_mem(srcs[i].data, srcs[i].len, name, CSV_FLAGS, &csv);
		if (rc < 0) {
			snprintf(err, errlen, "%s: out of memory", name);
			return rc;
		}
		rc = mb_load_csv(b, csv, name, strlen(name), (uint32_t)i, err, errlen);
		sl_csv_destroy(csv);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int sl_mmdb_build_mem(const struct sl_mmdb_source *srcs, size_t n_srcs,
		      const struct sl_mmdb_build_opts *opts, uint8_t **out,
		      size_t *out_len, char *err, size_t errlen)
{
	struct sl_mmdb_build_opts o;
	struct mb_buf buf = {0};
	struct mb b;
	int rc = resolve_opts(opts, &o, err, errlen);
	if (rc < 0)
		return rc;
	if ((rc = mb_init(&b)) < 0) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	rc = load_mem(&b, srcs, n_srcs, err, errlen);
	if (rc == 0)
		rc = mb_resolve_asn(&b, &o, err, errlen);
	struct mb_sink sink = {buf_write, &buf};
	if (rc == 0 && (rc = mb_serialize(&b, &o, &sink)) < 0)
		snprintf(err, errlen, "cannot build the database: %s",
			 rc == -EFBIG ? "more than 4 GiB of tree and data" : strerror(-rc));
	mb_finish(&b);
	if (rc < 0) {
		mb_buf_free(&buf);
		return rc;
	}
	*out = buf.p;
	*out_len = buf.len;
	return 0;
}
