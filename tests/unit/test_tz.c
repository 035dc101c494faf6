/* TZif reader and POSIX TZ rules against offsets known from the IANA data:
 * Pyongyang's 2015-2018 half hour, New York's DST, Moscow's 2011/2014
 * changes, Shanghai, and rules past the last transition. */
#include <stdlib.h>

#include "sightline/tz.h"
#include "testhelp.h"

/* 2000-01-01T00:00:00Z and friends, as unix seconds. */
#define T2010_JAN 1262304000LL  /* 2010-01-01 */
#define T2016_JUL 1467331200LL  /* 2016-07-01 */
#define T2015_AUG14 1439510400LL /* 2015-08-14 00:00 UTC: still +9 */
#define T2015_AUG15 1439596800LL /* 2015-08-15 00:00 UTC: +8:30 from 2015-08-14 15:00 UTC */
#define T2018_MAY5 1525478400LL  /* 2018-05-05 00:00 UTC: back to +9 (2018-05-04 23:30 local) */
#define T2020_JAN 1577836800LL
#define T2024_JUL 1719792000LL  /* 2024-07-01 */
#define T2024_JAN 1704067200LL  /* 2024-01-01 */
#define T2045_JUL 2382998400LL  /* 2045-07-15: past the table, footer rule */
#define T2045_JAN 2367360000LL  /* 2045-01-08 */

static struct sl_tz *load(const char *name)
{
	struct sl_tz *tz = NULL;
	char err[256];
	int rc = sl_tz_load(NULL, name, &tz, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "load %s: %s\n", name, err);
	CHECK_EQ_INT(rc, 0);
	return tz;
}

static void test_pyongyang(void)
{
	TEST("Asia/Pyongyang: +9, +8:30 from 2015-08-15 to 2018-05-04");
	struct sl_tz *tz = load("Asia/Pyongyang");
	if (!tz)
		return;
	CHECK_EQ_INT(sl_tz_offset(tz, T2010_JAN), 9 * 3600);
	CHECK_EQ_INT(sl_tz_offset(tz, T2015_AUG14), 9 * 3600);
	CHECK_EQ_INT(sl_tz_offset(tz, T2015_AUG15), 8 * 3600 + 1800);
	CHECK_EQ_INT(sl_tz_offset(tz, T2016_JUL), 8 * 3600 + 1800);
	CHECK_EQ_INT(sl_tz_offset(tz, T2018_MAY5), 9 * 3600);
	CHECK_EQ_INT(sl_tz_offset(tz, T2024_JUL), 9 * 3600);
	CHECK_EQ_INT(sl_tz_offset(tz, T2045_JUL), 9 * 3600);
	CHECK_EQ_STR(sl_tz_name(tz), "Asia/Pyongyang");
	sl_tz_destroy(tz);
}

static void test_new_york(void)
{
	TEST("America/New_York: -4 summer, -5 winter, also past the table");
	struct sl_tz *tz = load("America/New_York");
	if (!tz)
		return;
	CHECK_EQ_INT(sl_tz_offset(tz, T2024_JUL), -4 * 3600);
	CHECK_EQ_INT(sl_tz_offset(tz, T2024_JAN), -5 * 3600);
	CHECK_EQ_INT(sl_tz_offset(tz, T2045_JUL), -4 * 3600);
	CHECK_EQ_INT(sl_tz_offset(tz, T2045_JAN), -5 * 3600);
	/* 2024-03-10 07:00 UTC = 02:00 EST: the switch; one second before it, EST */
	CHECK_EQ_INT(sl_tz_offset(tz, 1710054000LL - 1), -5 * 3600);
	CHECK_EQ_INT(sl_tz_offset(tz, 1710054000LL), -4 * 3600);
	/* 2024-11-03 06:00 UTC = 02:00 EDT: back to EST */
	CHECK_EQ_INT(sl_tz_offset(tz, 1730613600LL - 1), -4 * 3600);
	CHECK_EQ_INT(sl_tz_offset(tz, 1730613600LL), -5 * 3600);
	sl_tz_destroy(tz);
}

static void test_moscow_shanghai(void)
{
	TEST("Europe/Moscow +3 (+4 in 2012), Asia/Shanghai +8");
	struct sl_tz *m = load("Europe/Moscow"), *s = load("Asia/Shanghai");
	if (m) {
		CHECK_EQ_INT(sl_tz_offset(m, 1341100800LL), 4 * 3600); /* 2012-07-01 */
		CHECK_EQ_INT(sl_tz_offset(m, T2020_JAN), 3 * 3600);
		CHECK_EQ_INT(sl_tz_offset(m, T2024_JUL), 3 * 3600);
		CHECK_EQ_INT(sl_tz_offset(m, T2045_JAN), 3 * 3600);
	}
	if (s) {
		CHECK_EQ_INT(sl_tz_offset(s, T2024_JUL), 8 * 3600);
		CHECK_EQ_INT(sl_tz_offset(s, T2024_JAN), 8 * 3600);
	}
	sl_tz_destroy(m);
	sl_tz_destroy(s);
}

static void test_rules(void)
{
	TEST("POSIX rules: US, EU (southern hemisphere too), fixed, quoted names");
	struct sl_tz_rule r;
	CHECK_EQ_INT(sl_tz_rule_parse("EST5EDT,M3.2.0,M11.1.0", &r), 0);
	CHECK_EQ_INT(sl_tz_rule_offset(&r, T2024_JUL), -4 * 3600);
	CHECK_EQ_INT(sl_tz_rule_offset(&r, T2024_JAN), -5 * 3600);
	CHECK_EQ_INT(sl_tz_rule_parse("CET-1CEST,M3.5.0,M10.5.0/3", &r), 0);
	CHECK_EQ_INT(sl_tz_rule_offset(&r, T2024_JUL), 2 * 3600);
	CHECK_EQ_INT(sl_tz_rule_offset(&r, T2024_JAN), 1 * 3600);
	/* 2024-03-31 01:00 UTC: CEST begins (last Sunday of March) */
	CHECK_EQ_INT(sl_tz_rule_offset(&r, 1711846800LL - 1), 3600);
	CHECK_EQ_INT(sl_tz_rule_offset(&r, 1711846800LL), 7200);
	/* Australia/Sydney: DST in January, standard in July */
	CHECK_EQ_INT(sl_tz_rule_parse("AEST-10AEDT,M10.1.0,M4.1.0/3", &r), 0);
	CHECK_EQ_INT(sl_tz_rule_offset(&r, T2024_JAN), 11 * 3600);
	CHECK_EQ_INT(sl_tz_rule_offset(&r, T2024_JUL), 10 * 3600);
	CHECK_EQ_INT(sl_tz_rule_parse("<+0830>-8:30", &r), 0);
	CHECK_EQ_INT(sl_tz_rule_offset(&r, T2024_JUL), 8 * 3600 + 1800);
	CHECK_EQ_INT(sl_tz_rule_parse("EST5EDT", &r), 0); /* US rules by default */
	CHECK_EQ_INT(sl_tz_rule_offset(&r, T2024_JUL), -4 * 3600);
	CHECK_EQ_INT(sl_tz_rule_parse("E5", &r), -22);
	CHECK_EQ_INT(sl_tz_rule_parse("EST5EDT,M13.1.0,M11.1.0", &r), -22);
	CHECK_EQ_INT(sl_tz_rule_parse("EST5EDT,M3.2.0", &r), -22);
}

static void test_errors(void)
{
	TEST("bad names and bad files are refused with a sentence");
	struct sl_tz *tz = NULL;
	char err[512];
	CHECK(sl_tz_load(NULL, "../etc/passwd", &tz, err, sizeof(err)) == -22);
	CHECK(strstr(err, "IANA") != NULL);
	CHECK(sl_tz_load(NULL, "Mars/Olympus_Mons", &tz, err, sizeof(err)) == -2);
	CHECK(strstr(err, "Mars/Olympus_Mons") != NULL && strstr(err, "tzdata") != NULL);
	const uint8_t junk[] = "TZif2 but then nothing";
	CHECK(sl_tz_parse(junk, sizeof(junk), "junk", &tz, err, sizeof(err)) == -22);
	CHECK(tz == NULL);
	sl_tz_destroy(NULL);
}

int main(void)
{
	test_pyongyang();
	test_new_york();
	test_moscow_shanghai();
	test_rules();
	test_errors();
	return TEST_REPORT();
}
