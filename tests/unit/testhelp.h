/* A tiny assertion header for unit tests (in the spirit of redis testhelp.h).
 * Each test file calls TEST(name) blocks and ends with TEST_REPORT(). */
#ifndef SIGHTLINE_TESTHELP_H
#define SIGHTLINE_TESTHELP_H

#include <stdio.h>
#include <string.h>

static int th_failed, th_passed;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (cond) {                                                    \
			th_passed++;                                           \
		} else {                                                       \
			th_failed++;                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
		}                                                              \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                      \
	do {                                                                    \
		long long th_a = (long long)(a), th_b = (long long)(b);         \
		if (th_a == th_b) {                                             \
			th_passed++;                                            \
		} else {                                                        \
			th_failed++;                                            \
			fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n",      \
				__FILE__, __LINE__, #a, #b, th_a, th_b);        \
		}                                                               \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                      \
	do {                                                                    \
		const char *th_a = (a), *th_b = (b);                            \
		if (th_a && th_b && strcmp(th_a, th_b) == 0) {                  \
			th_passed++;                                            \
		} else {                                                        \
			th_failed++;                                            \
			fprintf(stderr, "%s:%d: %s == %s: \"%s\" != \"%s\"\n",  \
				__FILE__, __LINE__, #a, #b, th_a ? th_a : "(null)", \
				th_b ? th_b : "(null)");                        \
		}                                                               \
	} while (0)

#define TEST(name) fprintf(stderr, "-- %s\n", name);

#define TEST_REPORT()                                                           \
	(fprintf(stderr, "%d checks passed, %d failed\n", th_passed, th_failed), \
	 th_failed ? 1 : 0)

#endif
