/* Account-address bindings: a sign-in binds from its time for the ttl, a
 * sign-in elsewhere moves the account, several accounts on one address are
 * counted, failures bind nothing, late and out-of-order sign-ins keep each
 * binding to its own interval, and a full table gives way and counts. */
#include <stdio.h>

#include "sightline/binding.h"
#include "testhelp.h"

#define S(x) ((sl_time_us)(x) * SL_US_PER_SEC)
#define TTL S(3600)

static struct sl_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return (struct sl_addr){ .family = 4, .b = { a, b, c, d } };
}

static struct sl_signin signin(const char *acct, struct sl_addr a, sl_time_us t,
			       enum sl_signin_outcome o)
{
	struct sl_signin si = { .time = t, .addr = a, .outcome = o, .source = "okta" };
	snprintf(si.account, sizeof(si.account), "%s", acct);
	sl_identity_fold(acct, si.account_folded, sizeof(si.account_folded));
	return si;
}

static void test_ttl(void)
{
	TEST("a sign-in binds from its time for the ttl, and not before");
	struct sl_bindings *b = NULL;
	CHECK_EQ_INT(sl_bindings_create(TTL, 16, &b), 0);
	struct sl_addr a = v4(198, 51, 100, 150);
	struct sl_signin si = signin("Carol@Example.com", a, S(1000), SL_SIGNIN_SUCCESS);
	CHECK_EQ_INT(sl_bindings_signin(b, &si), 1);
	struct sl_binding got;
	CHECK(!sl_bindings_lookup(b, &a, S(999), &got));
	CHECK(sl_bindings_lookup(b, &a, S(1000), &got));
	CHECK_EQ_STR(got.account, "Carol@Example.com");
	CHECK_EQ_STR(got.source, "okta");
	CHECK_EQ_INT(got.since, S(1000));
	CHECK_EQ_INT(got.until, S(1000) + TTL);
	CHECK_EQ_INT(got.accounts, 1);
	CHECK(sl_bindings_lookup(b, &a, S(1000) + TTL - 1, &got));
	CHECK(!sl_bindings_lookup(b, &a, S(1000) + TTL, &got));
	struct sl_addr other = v4(198, 51, 100, 151);
	CHECK(!sl_bindings_lookup(b, &other, S(1500), &got));
	sl_bindings_destroy(b);
	sl_bindings_destroy(NULL);
	CHECK_EQ_INT(sl_bindings_create(0, 16, &b), -22);
	CHECK_EQ_INT(sl_bindings_create(TTL, 0, &b), -22);
}

static void test_moved_and_shared(void)
{
	TEST("signing in elsewhere ends the old binding; two accounts on one address are counted");
	struct sl_bindings *b = NULL;
	CHECK_EQ_INT(sl_bindings_create(TTL, 16, &b), 0);
	struct sl_addr home = v4(203, 0, 113, 140), vpn = v4(198, 51, 100, 150);
	struct sl_signin si = signin("carol", home, S(100), SL_SIGNIN_SUCCESS);
	sl_bindings_signin(b, &si);
	si = signin("CAROL", vpn, S(200), SL_SIGNIN_SUCCESS);
	CHECK_EQ_INT(sl_bindings_signin(b, &si), 1);
	struct sl_binding got;
	CHECK(sl_bindings_lookup(b, &home, S(150), &got)); /* a flow that ended before the move */
	CHECK_EQ_INT(got.until, S(200));
	CHECK(!sl_bindings_lookup(b, &home, S(250), &got));
	CHECK(sl_bindings_lookup(b, &vpn, S(250), &got));
	CHECK_EQ_STR(got.account, "CAROL");
	CHECK_EQ_INT(sl_bindings_stats(b)->moved, 1);
	si = signin("dave", vpn, S(300), SL_SIGNIN_SUCCESS);
	CHECK_EQ_INT(sl_bindings_signin(b, &si), 2);
	CHECK(sl_bindings_lookup(b, &vpn, S(310), &got));
	CHECK_EQ_STR(got.account, "dave"); /* the latest sign-in names the flow */
	CHECK_EQ_INT(got.accounts, 2);
	CHECK(sl_bindings_lookup(b, &vpn, S(250), &got));
	CHECK_EQ_INT(got.accounts, 1);
	/* the same account again on the same address is one account, not two */
	si = signin("Dave", vpn, S(400), SL_SIGNIN_SUCCESS);
	CHECK_EQ_INT(sl_bindings_signin(b, &si), 2);
	CHECK_EQ_INT(sl_bindings_stats(b)->shared, 2);
	CHECK_EQ_INT(sl_bindings_stats(b)->signins, 4);
	sl_bindings_destroy(b);
}

static void test_failures_and_order(void)
{
	TEST("failed sign-ins bind nothing; an older sign-in met late binds only its own interval");
	struct sl_bindings *b = NULL;
	CHECK_EQ_INT(sl_bindings_create(TTL, 16, &b), 0);
	struct sl_addr a = v4(175, 45, 176, 10), c = v4(203, 0, 113, 7);
	struct sl_signin si = signin("kim", a, S(100), SL_SIGNIN_FAILURE);
	CHECK_EQ_INT(sl_bindings_signin(b, &si), 0);
	si = signin("kim", a, S(110), SL_SIGNIN_UNKNOWN);
	CHECK_EQ_INT(sl_bindings_signin(b, &si), 0);
	struct sl_binding got;
	CHECK(!sl_bindings_lookup(b, &a, S(120), &got));
	CHECK_EQ_INT(sl_bindings_stats(b)->ignored, 2);
	/* time going backwards across sources: the later sign-in came first */
	si = signin("kim", c, S(500), SL_SIGNIN_SUCCESS);
	sl_bindings_signin(b, &si);
	si = signin("kim", a, S(300), SL_SIGNIN_SUCCESS);
	CHECK_EQ_INT(sl_bindings_signin(b, &si), 1);
	CHECK(sl_bindings_lookup(b, &a, S(400), &got));
	CHECK_EQ_INT(got.until, S(500)); /* capped by the newer sign-in elsewhere */
	CHECK(!sl_bindings_lookup(b, &a, S(600), &got));
	CHECK(sl_bindings_lookup(b, &c, S(600), &got));
	CHECK_EQ_INT(got.since, S(500));
	sl_bindings_destroy(b);
}

static void test_full(void)
{
	TEST("a full table forgets long-ended bindings first, then evicts and counts");
	struct sl_bindings *b = NULL;
	CHECK_EQ_INT(sl_bindings_create(TTL, 16, &b), 0);
	char name[32];
	for (int i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		struct sl_signin si = signin(name, v4(10, 0, 0, (uint8_t)i), S(i), SL_SIGNIN_SUCCESS);
		sl_bindings_signin(b, &si);
	}
	CHECK_EQ_INT(sl_bindings_stats(b)->held, 16);
	struct sl_signin si = signin("late", v4(10, 0, 1, 1), S(100), SL_SIGNIN_SUCCESS);
	sl_bindings_signin(b, &si);
	CHECK_EQ_INT(sl_bindings_stats(b)->evicted, 1);
	struct sl_binding got;
	CHECK(!sl_bindings_lookup(b, &(struct sl_addr){ .family = 4, .b = { 10, 0, 0, 0 } },
				  S(100), &got)); /* u0 ended first: it gave way */
	CHECK(sl_bindings_lookup(b, &si.addr, S(100), &got));
	/* long after every binding ended, a new one reuses space without eviction */
	si = signin("later", v4(10, 0, 1, 2), S(100) + 3 * TTL, SL_SIGNIN_SUCCESS);
	sl_bindings_signin(b, &si);
	CHECK_EQ_INT(sl_bindings_stats(b)->evicted, 1);
	CHECK_EQ_INT(sl_bindings_stats(b)->held, 1);
	sl_bindings_destroy(b);
}

int main(void)
{
	test_ttl();
	test_moved_and_shared();
	test_failures_and_order();
	test_full();
	return TEST_REPORT();
}
