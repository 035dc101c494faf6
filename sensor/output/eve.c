/* EVE JSON lines to a file or stdout, with counted (never fatal) write errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/eve.h"

struct sl_eve {
	FILE *f;
	bool is_stdout;
	char *path;
	struct sl_eve_stats st;
};

int sl_eve_open(const char *path, struct sl_eve **out, char *err, size_t errlen)
{
	struct sl_eve *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->is_stdout = strcmp(path, "-") == 0;
	e->f = e->is_stdout ? stdout : fopen(path, "a");
	if (!e->f) {
		int rc = -errno;
		snprintf(err, errlen, "%s: cannot open the EVE output: %s; %s", path, strerror(errno),
			 errno == ENOENT ? "create the directory first or choose another path with -o"
					 : "check permissions or choose another path with -o");
		free(e);
		return rc;
	}
	e->path = strdup(path);
	if (!e->path) {
		sl_eve_close(e);
		return -ENOMEM;
	}
	if (!e->is_stdout)
		setvbuf(e->f, NULL, _IOFBF, 1 << 16);
	*out = e;
	return 0;
}

bool sl_eve_write(struct sl_eve *e, const char *line, size_t len)
{
	if (fwrite(line, 1, len, e->f) != len || fputc('\n', e->f) == EOF) {
		e->st.write_errors++;
		e->st.last_errno = errno;
		clearerr(e->f);
		return false;
	}
	e->st.events++;
	e->st.bytes += len + 1;
	return true;
}

void sl_eve_flush(struct sl_eve *e)
{
	if (e && fflush(e->f) != 0) {
		e->st.write_errors++;
		e->st.last_errno = errno;
		clearerr(e->f);
	}
}

const char *sl_eve_path(const struct sl_eve *e)
{
	return e->path;
}

const struct sl_eve_stats *sl_eve_stats(const struct sl_eve *e)
{
	return &e->st;
}

void sl_eve_close(struct sl_eve *e)
{
	if (!e)
		return;
	sl_eve_flush(e);
	if (!e->is_stdout && e->f)
		fclose(e->f);
	free(e->path);
	free(e);
}
