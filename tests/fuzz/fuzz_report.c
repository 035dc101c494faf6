/* Fuzz harness for the HTML report: any bytes as an event file, read in one
 * pass and written as a page, both as a file and line by line (the --report
 * tap).  It must never crash, and a refusal must say why; the page must be
 * one whole HTML document. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sightline/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void page(const struct sl_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	char err[256] = "";
	if (!out)
		return;
	if (sl_report_write(r, out, err, sizeof(err)) < 0 && !err[0])
		abort();
	fclose(out);
	if (len < 15 || strcmp(buf + len - 15, "</body></html>\n") != 0)
		abort();
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_report_opts o = { .rows = 8, .subjects_shown = 8 };
	struct sl_report *r;
	char err[512] = "";
	if (sl_report_create(&o, &r, err, sizeof(err)) < 0)
		return 0;
	FILE *in = fmemopen((void *)data, size, "r");
	if (in) {
		if (sl_report_add_stream(r, in, "fuzz", NULL, err, sizeof(err)) < 0 && !err[0])
			abort();
		fclose(in);
	}
	/* the tap: the same bytes line by line */
	for (size_t at = 0; at < size;) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t n = nl ? (size_t)(nl - (data + at)) + 1 : size - at;
		sl_report_add_line(r, "tap", (const char *)data + at, n);
		at += n;
	}
	page(r);
	sl_report_destroy(r);
	return 0;
}
