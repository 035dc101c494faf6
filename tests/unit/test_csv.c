/* Unit tests for the RFC 4180 CSV reader: quoting, doubled quotes, line
 * breaks inside quotes, CRLF, BOM, comments, blank lines and errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sightline/csv.h"
#include "testhelp.h"

#define ALL (SL_CSV_SKIP_COMMENTS | SL_CSV_SKIP_BLANK)

static struct sl_csv *mem(const char *text, unsigned flags)
{
	struct sl_csv *c = NULL;
	int rc = sl_csv_open_mem(text, strlen(text), "t.csv", flags, &c);
	CHECK_EQ_INT(rc, 0);
	return c;
}

static void test_plain_and_quotes(void)
{
	TEST("plain fields, quotes, doubled quotes, embedded comma and newline");
	char err[256];
	struct sl_csv_record r;
	struct sl_csv *c = mem("a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\"\"\n\"two\nlines\",z\n", 0);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), 1);
	CHECK_EQ_INT(r.n_fields, 3);
	CHECK_EQ_STR(r.fields[0], "a");
	CHECK_EQ_STR(r.fields[2], "c");
	CHECK_EQ_INT(r.line, 1);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), 1);
	CHECK_EQ_INT(r.n_fields, 3);
	CHECK_EQ_STR(r.fields[0], "x,y");
	CHECK_EQ_STR(r.fields[1], "say \"hi\"");
	CHECK_EQ_STR(r.fields[2], "");
	CHECK_EQ_INT(r.lens[1], 8);
	CHECK_EQ_INT(r.line, 2);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), 1);
	CHECK_EQ_STR(r.fields[0], "two\nlines");
	CHECK_EQ_STR(r.fields[1], "z");
	CHECK_EQ_INT(r.line, 3);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), 0);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), 0);
	sl_csv_destroy(c);
}

static void expect_error(const char *text, int rc, const char *msg);

static void test_quotes_inside_fields(void)
{
	TEST("quoted commas in every column, also where a quote opens mid-field");
	char err[256];
	struct sl_csv_record r;
	struct sl_csv *c = mem("\"10.0.0.0/8\",\"a, b\",note=\"x, y\",k=\"say \"\"hi\"\", \"\n"
			       "AS1,lab,key=\"two\nlines, here\",last=\"\"\n"
			       "p,q=\"a\"\"b\",r=\"\"\"\"\n", ALL);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), 1);
	CHECK_EQ_INT(r.n_fields, 4);
	CHECK_EQ_STR(r.fields[0], "10.0.0.0/8");
	CHECK_EQ_STR(r.fields[1], "a, b");
	CHECK_EQ_STR(r.fields[2], "note=x, y");
	CHECK_EQ_STR(r.fields[3], "k=say \"hi\", ");
	CHECK_EQ_INT(r.lens[3], 12);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), 1);
	CHECK_EQ_INT(r.n_fields, 4);
	CHECK_EQ_STR(r.fields[2], "key=two\nlines, here");
	CHECK_EQ_STR(r.fields[3], "last=");
	CHECK_EQ_INT(r.line, 2);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), 1);
	CHECK_EQ_INT(r.line, 4);
	CHECK_EQ_INT(r.n_fields, 3);
	CHECK_EQ_STR(r.fields[1], "q=a\"b");
	CHECK_EQ_STR(r.fields[2], "r=\"");
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), 0);
	sl_csv_destroy(c);

	TEST("text after a closing quote is still refused");
	expect_error("k=\"a, b\"c,d\n", -EINVAL, "t.csv:1: unexpected character after a closing quote");
}

static void test_crlf_bom_comments(void)
{
	TEST("CRLF, BOM, comments, blank lines, no final newline");
	char err[256];
	struct sl_csv_record r;
	struct sl_csv *c = mem("\xEF\xBB\xBF# comment, with comma\r\n\r\na,\"b\r\nc\"\r\n\r\nlast,1", ALL);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), 1);
	CHECK_EQ_INT(r.n_fields, 2);
	CHECK_EQ_STR(r.fields[0], "a");
	CHECK_EQ_STR(r.fields[1], "b\r\nc");
	CHECK_EQ_INT(r.line, 3);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), 1);
	CHECK_EQ_STR(r.fields[0], "last");
	CHECK_EQ_STR(r.fields[1], "1");
	CHECK_EQ_INT(r.line, 6);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), 0);
	sl_csv_destroy(c);

	TEST("without flags, blank lines and '#' lines are records");
	c = mem("#x\n\nq\n", 0);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), 1);
	CHECK_EQ_STR(r.fields[0], "#x");
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), 1);
	CHECK_EQ_INT(r.n_fields, 1);
	CHECK_EQ_INT(r.lens[0], 0);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), 1);
	CHECK_EQ_STR(r.fields[0], "q");
	CHECK_EQ_INT(r.line, 3);
	sl_csv_destroy(c);
}

static void expect_error(const char *text, int rc, const char *msg)
{
	char err[256] = "";
	struct sl_csv_record r;
	struct sl_csv *c = mem(text, ALL);
	int got;
	while ((got = sl_csv_next(c, &r, err, sizeof(err))) > 0)
		;
	CHECK_EQ_INT(got, rc);
	CHECK_EQ_STR(err, msg);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), -EINVAL);
	sl_csv_destroy(c);
}

static void test_errors(void)
{
	TEST("errors carry name and line");
	expect_error("ok,1\n\nx,\"open\nstill open\n", -EINVAL,
		     "t.csv:3: unterminated quoted field");
	expect_error("a\nok,b\"c\nnext\n", -EINVAL, "t.csv:2: unterminated quoted field");
	expect_error("a\nb,\"q\"x\n", -EINVAL, "t.csv:2: unexpected character after a closing quote");
	static const char nul[] = "a,b\nc\0d\n";
	char err[256] = "";
	struct sl_csv_record r;
	struct sl_csv *c = NULL;
	CHECK_EQ_INT(sl_csv_open_mem(nul, sizeof(nul) - 1, "n.csv", 0, &c), 0);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), 1);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), -EINVAL);
	CHECK_EQ_STR(err, "n.csv:2: NUL byte in input");
	sl_csv_destroy(c);
}

static void test_limits(void)
{
	TEST("oversized records and too many fields are refused");
	size_t n = SL_CSV_MAX_RECORD_BYTES + 10;
	char *big = malloc(n + 1);
	memset(big, 'x', n);
	big[n] = '\0';
	char err[256] = "";
	struct sl_csv_record r;
	struct sl_csv *c = mem(big, 0);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), -E2BIG);
	CHECK(strstr(err, "t.csv:1: record too long") != NULL);
	sl_csv_destroy(c);
	memset(big, ',', SL_CSV_MAX_FIELDS + 5);
	big[SL_CSV_MAX_FIELDS + 5] = '\0';
	c = mem(big, 0);
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), -E2BIG);
	sl_csv_destroy(c);
	free(big);
}

static void test_file(void)
{
	TEST("file input across read-buffer boundaries");
	char path[] = "/tmp/sl_csv_testXXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("\xEF\xBB\xBFh1,h2\r\n", f);
	for (int i = 0; i < 20000; i++)
		fprintf(f, "%d,\"v,%d\"\r\n", i, i);
	fclose(f);
	char err[256];
	struct sl_csv *c = NULL;
	CHECK_EQ_INT(sl_csv_open(path, ALL, &c, err, sizeof(err)), 0);
	struct sl_csv_record r;
	int rows = 0, bad = 0;
	CHECK_EQ_INT(sl_csv_next(c, &r, err, sizeof(err)), 1);
	CHECK_EQ_STR(r.fields[0], "h1");
	while (sl_csv_next(c, &r, err, sizeof(err)) == 1) {
		char want[32];
		snprintf(want, sizeof(want), "v,%d", rows);
		if (r.n_fields != 2 || strcmp(r.fields[1], want) != 0 || r.line != (unsigned long)rows + 2)
			bad++;
		rows++;
	}
	CHECK_EQ_INT(rows, 20000);
	CHECK_EQ_INT(bad, 0);
	sl_csv_destroy(c);
	unlink(path);
	CHECK_EQ_INT(sl_csv_open(path, 0, &c, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "cannot open") != NULL);
	sl_csv_destroy(NULL);
}

int main(void)
{
	test_plain_and_quotes();
	test_quotes_inside_fields();
	test_crlf_bom_comments();
	test_errors();
	test_limits();
	test_file();
	return TEST_REPORT();
}
