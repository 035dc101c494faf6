/* Identity sources that run live: a file followed like tail -F (partial
 * lines, rotation by rename, copytruncate, a file that appears later,
 * starting at the end) and the unix stream and datagram sockets. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "identityhelp.h"
#include "testhelp.h"

static char dir[] = "/tmp/sl-idlive-XXXXXX";

/* An Okta session start at 2024-03-05T14:MM:00Z for account. */
static void rec(char *buf, size_t len, int minute, const char *account)
{
	snprintf(buf, len, "{\"published\":\"2024-03-05T14:%02d:00Z\",\"eventType\":"
		 "\"user.session.start\",\"actor\":{\"alternateId\":\"%s\"},\"client\":"
		 "{\"ipAddress\":\"192.0.2.%d\"},\"outcome\":{\"result\":\"SUCCESS\"}}\n",
		 minute, account, minute + 1);
}

static void append(const char *path, const char *text, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	CHECK(fd >= 0 && write(fd, text, n) == (ssize_t)n);
	close(fd);
}

static void append_rec(const char *path, int minute, const char *account)
{
	char line[512];
	rec(line, sizeof(line), minute, account);
	append(path, line, strlen(line));
}

static struct sl_identity_source *follow(struct run *r, const char *path,
					 enum sl_identity_start start)
{
	struct sl_identity_source_config c = { .path = (char *)path,
					       .mode = SL_IDENTITY_MODE_FOLLOW, .start = start };
	struct sl_identity_opts o = run_opts(r);
	struct sl_identity_source *s = NULL;
	r->rc = sl_identity_source_open(&c, &o, &s, r->err, sizeof(r->err));
	CHECK_EQ_INT(r->rc, 0);
	return s;
}

/* The next sign-in's account, or "" when none is ready. */
static const char *next_account(struct sl_identity_source *s, struct sl_signin *si)
{
	return sl_identity_source_next(s, si) ? si->account : "";
}

static void test_partial_and_late(void)
{
	char path[256], line[512];
	struct run r;
	struct sl_signin si;
	memset(&r, 0, sizeof(r));
	snprintf(path, sizeof(path), "%s/late.jsonl", dir);
	TEST("follow: a file that appears later, a line written in two parts");
	struct sl_identity_source *s = follow(&r, path, SL_IDENTITY_START_BEGINNING);
	if (!s)
		return;
	CHECK(strstr(r.msgs, "late.jsonl: does not exist yet; waiting for it") != NULL);
	CHECK_EQ_STR(next_account(s, &si), "");
	CHECK_EQ_STR(sl_identity_source_kind(s), "followed file");
	append_rec(path, 1, "a@x");
	CHECK_EQ_STR(next_account(s, &si), "a@x");
	CHECK_EQ_INT(si.line, 1);
	rec(line, sizeof(line), 2, "b@x");
	append(path, line, 40);
	CHECK_EQ_STR(next_account(s, &si), ""); /* half a line waits */
	CHECK(!sl_identity_source_finished(s));
	append(path, line + 40, strlen(line) - 40);
	CHECK_EQ_STR(next_account(s, &si), "b@x");
	CHECK_EQ_INT(si.line, 2);
	CHECK_EQ_INT(bad_sum(sl_identity_source_stats(s)), 0);
	sl_identity_source_destroy(s);
}

static void test_rotation(void)
{
	char path[256], old[256];
	struct run r;
	struct sl_signin si;
	memset(&r, 0, sizeof(r));
	snprintf(path, sizeof(path), "%s/okta.jsonl", dir);
	snprintf(old, sizeof(old), "%s/okta.jsonl.1", dir);
	append_rec(path, 1, "one@x");
	TEST("follow: rotation by rename reads the rest of the old file first");
	struct sl_identity_source *s = follow(&r, path, SL_IDENTITY_START_BEGINNING);
	if (!s)
		return;
	CHECK_EQ_STR(next_account(s, &si), "one@x");
	append_rec(path, 2, "two@x");
	char last[512];
	rec(last, sizeof(last), 3, "three@x");
	append(path, last, strlen(last) - 1); /* the old file's last line has no newline */
	CHECK_EQ_INT(rename(path, old), 0);
	CHECK_EQ_STR(next_account(s, &si), "two@x"); /* still the old file */
	append_rec(path, 4, "four@x");
	CHECK_EQ_STR(next_account(s, &si), "three@x");
	CHECK_EQ_STR(next_account(s, &si), "four@x");
	CHECK_EQ_INT(si.line, 1); /* line 1 of the new file */
	CHECK_EQ_INT(sl_identity_source_stats(s)->rotations, 1);

	TEST("follow: a file cut short in place (copytruncate) is read from its start");
	CHECK_EQ_INT(truncate(path, 0), 0);
	CHECK_EQ_STR(next_account(s, &si), ""); /* seen at the next poll */
	append_rec(path, 5, "five@x");
	CHECK_EQ_STR(next_account(s, &si), "five@x");
	CHECK_EQ_INT(si.line, 1);
	CHECK_EQ_INT(sl_identity_source_stats(s)->truncations, 1);

	TEST("follow: delete and create counts as rotation too");
	CHECK_EQ_INT(unlink(path), 0);
	CHECK_EQ_STR(next_account(s, &si), "");
	append_rec(path, 6, "six@x");
	append_rec(path, 7, "seven@x");
	CHECK_EQ_STR(next_account(s, &si), "six@x");
	CHECK_EQ_STR(next_account(s, &si), "seven@x");
	CHECK_EQ_INT(sl_identity_source_stats(s)->rotations, 2);
	CHECK_EQ_INT(bad_sum(sl_identity_source_stats(s)), 0);

	TEST("follow: a new path that cannot be opened is said once and tried again");
	CHECK_EQ_INT(unlink(path), 0);
	CHECK_EQ_INT(mkdir(path, 0755), 0);
	CHECK_EQ_STR(next_account(s, &si), "");
	CHECK_EQ_STR(next_account(s, &si), "");
	CHECK(strstr(r.msgs, "okta.jsonl: cannot open: Is a directory; trying again") != NULL);
	CHECK_EQ_INT(rmdir(path), 0);
	append_rec(path, 8, "eight@x");
	CHECK_EQ_STR(next_account(s, &si), "eight@x");
	sl_identity_source_destroy(s);
	unlink(path);
	unlink(old);
}

static void test_start_end(void)
{
	char path[256], line[512];
	struct run r;
	struct sl_signin si;
	memset(&r, 0, sizeof(r));
	snprintf(path, sizeof(path), "%s/end.jsonl", dir);
	TEST("follow: start at the end skips what is there, line numbers stay true");
	append_rec(path, 1, "old1@x");
	append_rec(path, 2, "old2@x");
	rec(line, sizeof(line), 3, "partial@x");
	append(path, line, 30);
	struct sl_identity_source *s = follow(&r, path, SL_IDENTITY_START_END);
	if (!s)
		return;
	CHECK_EQ_STR(next_account(s, &si), "");
	append(path, line + 30, strlen(line) - 30); /* the rest of a line begun before */
	append_rec(path, 4, "new@x");
	CHECK_EQ_STR(next_account(s, &si), "new@x");
	CHECK_EQ_INT(si.line, 4);
	CHECK_EQ_INT(bad_sum(sl_identity_source_stats(s)), 0);

	TEST("follow: a backwards time and a bad line are counted, not fatal");
	append_rec(path, 2, "late@x");
	append(path, "not json\n", 9);
	append_rec(path, 9, "next@x");
	CHECK_EQ_STR(next_account(s, &si), "next@x");
	const struct sl_identity_stats *st = sl_identity_source_stats(s);
	CHECK_EQ_INT(st->bad[SL_IDENTITY_BAD_TIME_BACKWARDS], 1);
	CHECK_EQ_INT(st->bad[SL_IDENTITY_BAD_NOT_JSON], 1);
	CHECK(strstr(r.msgs, "end.jsonl:5: sign-in time 2024-03-05T14:02:00.000000+0000 is before") != NULL);
	CHECK(strstr(r.msgs, "end.jsonl:6: not JSON") != NULL);
	sl_identity_source_destroy(s);
	unlink(path);
}

static void test_long_line(void)
{
	char path[256], big[3000];
	struct run r;
	struct sl_signin si;
	memset(&r, 0, sizeof(r));
	snprintf(path, sizeof(path), "%s/long.jsonl", dir);
	TEST("follow: a line over max_record is dropped to its end, counted once");
	struct sl_identity_source_config c = { .path = path, .mode = SL_IDENTITY_MODE_FOLLOW };
	struct sl_identity_opts o = run_opts(&r);
	o.max_record = 1024;
	struct sl_identity_source *s;
	append(path, "", 0);
	CHECK_EQ_INT(sl_identity_source_open(&c, &o, &s, r.err, sizeof(r.err)), 0);
	memset(big, 'x', sizeof(big));
	append(path, big, sizeof(big));
	CHECK_EQ_STR(next_account(s, &si), "");
	append(path, big, sizeof(big));
	append(path, "\n", 1);
	append_rec(path, 1, "after@x");
	CHECK_EQ_STR(next_account(s, &si), "after@x");
	CHECK_EQ_INT(si.line, 2);
	CHECK_EQ_INT(sl_identity_source_stats(s)->bad[SL_IDENTITY_BAD_TOO_LONG], 1);
	sl_identity_source_destroy(s);
	unlink(path);
}

static int connect_to(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, type, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static struct sl_identity_source *sock(struct run *r, const char *path,
				       enum sl_identity_socket_type type)
{
	struct sl_identity_source_config c = { .socket = (char *)path, .socket_type = type };
	struct sl_identity_opts o = run_opts(r);
	o.live = true;
	o.max_record = 2048;
	struct sl_identity_source *s = NULL;
	r->rc = sl_identity_source_open(&c, &o, &s, r->err, sizeof(r->err));
	return s;
}

static void test_stream(void)
{
	char path[256], a[512], b[512], c3[512];
	struct run r;
	struct sl_signin si;
	struct pollfd fds[8];
	memset(&r, 0, sizeof(r));
	snprintf(path, sizeof(path), "%s/id.sock", dir);
	TEST("stream socket: two collectors, a line in parts, a last line at close");
	struct sl_identity_source *s = sock(&r, path, SL_IDENTITY_SOCK_STREAM);
	CHECK_EQ_INT(r.rc, 0);
	if (!s)
		return;
	CHECK_EQ_STR(sl_identity_source_kind(s), "stream socket");
	int ca = connect_to(path, SOCK_STREAM), cb = connect_to(path, SOCK_STREAM);
	CHECK(ca >= 0 && cb >= 0);
	rec(a, sizeof(a), 1, "a@x");
	rec(b, sizeof(b), 2, "b@x");
	rec(c3, sizeof(c3), 3, "c@x");
	CHECK(write(ca, a, 25) == 25);
	CHECK(write(cb, b, strlen(b)) == (ssize_t)strlen(b));
	CHECK_EQ_STR(next_account(s, &si), "b@x");
	CHECK_EQ_INT(sl_identity_source_pollfds(s, fds, 8), 3); /* listener and two connections */
	CHECK_EQ_STR(next_account(s, &si), "");
	CHECK(write(ca, a + 25, strlen(a) - 25) == (ssize_t)(strlen(a) - 25));
	CHECK_EQ_STR(next_account(s, &si), ""); /* 14:01 after 14:02: out of order */
	CHECK_EQ_INT(sl_identity_source_stats(s)->bad[SL_IDENTITY_BAD_TIME_BACKWARDS], 1);
	CHECK(write(ca, c3, strlen(c3) - 1) == (ssize_t)(strlen(c3) - 1));
	close(ca);
	CHECK_EQ_STR(next_account(s, &si), "c@x");
	CHECK_EQ_INT(sl_identity_source_stats(s)->connections, 2);
	close(cb);
	CHECK_EQ_STR(next_account(s, &si), "");
	CHECK_EQ_INT(sl_identity_source_pollfds(s, fds, 8), 1);

	TEST("stream socket: a second sensor on the same path is refused");
	struct run r2;
	memset(&r2, 0, sizeof(r2));
	CHECK(sock(&r2, path, SL_IDENTITY_SOCK_STREAM) == NULL);
	CHECK(strstr(r2.err, "another process is listening on this socket") != NULL);
	sl_identity_source_destroy(s);
	struct stat st;
	CHECK(stat(path, &st) < 0 && errno == ENOENT); /* removed on destroy */
}

static void test_dgram(void)
{
	char path[256], a[512], big[4096];
	struct run r;
	struct sl_signin si;
	memset(&r, 0, sizeof(r));
	snprintf(path, sizeof(path), "%s/dg.sock", dir);
	TEST("datagram socket: one record per datagram, oversized ones counted");
	/* a socket file left behind by a dead process is replaced */
	int stale = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memcpy(sa.sun_path, path, strlen(path) < sizeof(sa.sun_path) ? strlen(path) : 0);
	CHECK(bind(stale, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	close(stale);
	struct sl_identity_source *s = sock(&r, path, SL_IDENTITY_SOCK_DGRAM);
	CHECK_EQ_INT(r.rc, 0);
	if (!s)
		return;
	int c = connect_to(path, SOCK_DGRAM);
	CHECK(c >= 0);
	rec(a, sizeof(a), 1, "a@x");
	CHECK(send(c, a, strlen(a) - 1, 0) == (ssize_t)(strlen(a) - 1)); /* no newline */
	memset(big, ' ', sizeof(big));
	CHECK(send(c, big, sizeof(big), 0) == (ssize_t)sizeof(big));
	char syslog[600];
	rec(a, sizeof(a), 2, "b@x");
	snprintf(syslog, sizeof(syslog), "<14>Mar  5 14:02:00 collector okta: %s", a);
	CHECK(send(c, syslog, strlen(syslog), 0) == (ssize_t)strlen(syslog));
	CHECK_EQ_STR(next_account(s, &si), "a@x");
	CHECK_EQ_INT(si.line, 1);
	CHECK_EQ_STR(next_account(s, &si), "b@x"); /* after its syslog header */
	CHECK_EQ_INT(si.line, 3);
	CHECK_EQ_STR(next_account(s, &si), "");
	CHECK_EQ_INT(sl_identity_source_stats(s)->bad[SL_IDENTITY_BAD_TOO_LONG], 1);
	CHECK(strstr(r.msgs, "dg.sock:2: datagram of 4096 bytes") != NULL);
	close(c);
	sl_identity_source_destroy(s);

	TEST("socket: a path that is not a socket is not replaced");
	append(path, "x", 1);
	memset(&r, 0, sizeof(r));
	CHECK(sock(&r, path, SL_IDENTITY_SOCK_DGRAM) == NULL);
	CHECK_EQ_INT(r.rc, -EEXIST);
	CHECK(strstr(r.err, "exists and is not a socket") != NULL);
	unlink(path);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_partial_and_late();
	test_rotation();
	test_start_end();
	test_long_line();
	test_stream();
	test_dgram();
	rmdir(dir);
	return TEST_REPORT();
}
