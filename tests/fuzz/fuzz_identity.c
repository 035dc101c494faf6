/* Fuzz harness for the identity sources: any bytes as a sign-in file read
 * once under every format (framer, Okta, Entra and configured-JSON parsers,
 * time order), and as a followed file (line reader).  A refusal must explain
 * itself; delivered sign-ins must be in time order with sane fields. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sightline/identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A delivered sign-in must hold what the contract promises. */
static void check(const struct sl_signin *si, sl_time_us prev)
{
	if (si->time < prev || si->account[0] == '\0' || (si->addr.family != 4 && si->addr.family != 6) ||
	    strlen(si->account_folded) != strlen(si->account) || si->format == SL_IDENTITY_FORMAT_AUTO ||
	    (unsigned)si->outcome >= SL_SIGNIN__NOUTCOMES)
		abort();
}

static void drain(struct sl_identity_source *s)
{
	struct sl_signin si;
	sl_time_us prev = 0, t;
	while (sl_identity_source_peek_time(s, &t)) {
		if (!sl_identity_source_next(s, &si) || si.time != t)
			abort();
		check(&si, prev);
		prev = si.time;
	}
}

static void run_buffer(const uint8_t *data, size_t size, const struct sl_identity_source_config *c)
{
	struct sl_identity_opts o = { .max_messages = 4, .max_record = 4096 };
	struct sl_identity_source *s;
	char err[2048] = "";
	if (sl_identity_source_open_buffer("fuzz", data, size, c, &o, &s, err, sizeof(err)) < 0) {
		if (err[0] == '\0')
			abort(); /* every refusal explains itself */
		return;
	}
	drain(s);
	if (!sl_identity_source_finished(s))
		abort();
	sl_identity_source_destroy(s);
}

/* The same bytes as a file followed from its start: the line reader. */
static void run_follow(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = memfd_create("fuzz-identity", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if (size == 0 || write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		struct sl_identity_source_config c = { .path = path, .mode = SL_IDENTITY_MODE_FOLLOW };
		struct sl_identity_opts o = { .live = true, .max_messages = 4, .max_record = 4096 };
		struct sl_identity_source *s;
		char err[512];
		if (sl_identity_source_open(&c, &o, &s, err, sizeof(err)) == 0) {
			drain(s);
			sl_identity_source_destroy(s);
		}
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_identity_source_config c = { 0 };
	for (int f = SL_IDENTITY_FORMAT_AUTO; f < SL_IDENTITY__NFORMATS; f++) {
		c.format = f;
		if (f == SL_IDENTITY_FORMAT_JSON) {
			c.fields[SL_IDENTITY_FIELD_TIME] = "ts";
			c.fields[SL_IDENTITY_FIELD_ACCOUNT] = "event.user";
			c.fields[SL_IDENTITY_FIELD_ADDRESS] = "event.src_ip";
			c.fields[SL_IDENTITY_FIELD_OUTCOME] = "event.result";
			c.fields[SL_IDENTITY_FIELD_USER_AGENT] = "client.ua";
			c.fields[SL_IDENTITY_FIELD_APPLICATION] = "a.0.b";
			c.success = "accepted, ok";
			c.failure = "rejected";
		}
		run_buffer(data, size, &c);
	}
	run_follow(data, size);
	return 0;
}
