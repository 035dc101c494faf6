/* Expanding -r arguments into an ordered list of capture files: directories
 * walked recursively in name order, captures recognised by magic number. */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sightline/capture.h"

bool sl_capture_is_capture_magic(const uint8_t *b, size_t n)
{
	static const uint8_t magics[][4] = {
		{ 0xd4, 0xc3, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0xc3, 0xd4 }, /* pcap, µs */
		{ 0x4d, 0x3c, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0x3c, 0x4d }, /* pcap, ns */
		{ 0x34, 0xcd, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0xcd, 0x34 }, /* Kuznetzov pcap */
		{ 0x0a, 0x0d, 0x0d, 0x0a },                             /* pcapng SHB */
	};
	if (n < 4)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(magics); i++)
		if (memcmp(b, magics[i], 4) == 0)
			return true;
	return false;
}

/* Read the first bytes of path: -errno, 0 = capture, 1 = not a capture.
 * read(2) of 4 bytes: stdio would pull a whole buffer per file. */
static int sniff(const char *path, char *why, size_t whylen)
{
	uint8_t b[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t got = read(fd, b, sizeof(b));
	int saved = errno;
	close(fd);
	if (got < 0)
		return -saved;
	size_t n = (size_t)got;
	if (n == 0)
		snprintf(why, whylen, "empty file, not a capture");
	else if (n < 4)
		snprintf(why, whylen, "only %zu bytes: too short for a pcap or pcapng header", n);
	else if (!sl_capture_is_capture_magic(b, n))
		snprintf(why, whylen, "not a pcap or pcapng capture (starts with %02x %02x %02x %02x); "
			 "give a file written by tcpdump, dumpcap or Wireshark", b[0], b[1], b[2], b[3]);
	else
		return 0;
	return 1;
}

static int push(struct sl_capture_list *l, const char *path, off_t size)
{
	char **np = realloc(l->paths, (l->n + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	l->paths = np;
	if (!(l->paths[l->n] = strdup(path)))
		return -ENOMEM;
	l->n++;
	l->total_bytes += (uint64_t)size;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_path(struct sl_capture_list *l, const char *path, bool named, char *err, size_t errlen);

static int add_dir(struct sl_capture_list *l, const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: cannot read the directory: %s", dir, strerror(errno));
		return -errno;
	}
	char **names = NULL;
	size_t n = 0;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn || !(nn[n] = malloc(strlen(dir) + strlen(e->d_name) + 2))) {
			names = nn ? nn : names;
			rc = -ENOMEM;
			break;
		}
		names = nn;
		sprintf(names[n++], "%s/%s", dir, e->d_name);
	}
	closedir(d);
	if (names)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = add_path(l, names[i], false, err, errlen);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int add_path(struct sl_capture_list *l, const char *path, bool named, char *err, size_t errlen)
{
	struct stat st;
	char why[160];
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (S_ISDIR(st.st_mode))
		return add_dir(l, path, err, errlen);
	int rc = S_ISREG(st.st_mode) || named ? sniff(path, why, sizeof(why)) : 1;
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	if (rc == 1) {
		if (!named) {
			l->skipped++;
			return 0;
		}
		snprintf(err, errlen, "%s: %s", path, why);
		return -EINVAL;
	}
	return push(l, path, st.st_size);
}

int sl_capture_expand(const char *const *inputs, size_t n, struct sl_capture_list *out,
		      char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		int rc = add_path(out, inputs[i], true, err, errlen);
		if (rc < 0) {
			sl_capture_list_finish(out);
			return rc;
		}
	}
	return 0;
}

void sl_capture_list_finish(struct sl_capture_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
	memset(l, 0, sizeof(*l));
}
