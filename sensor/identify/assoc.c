/* Association of WebRTC media with Chrome Remote Desktop: Google's Chrome
 * Enterprise network list names the signalling hosts
 * (remotedesktop-pa.googleapis.com, instantmessaging-pa.googleapis.com);
 * the session itself is WebRTC (ICE/STUN, RFC 8445; DTLS-SRTP, RFC 5764)
 * between the same host and a peer or relay.  STUN and DTLS alone are any
 * video call, so only a preceding CRD name from the same host ties them to
 * remote access. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "assoc.h"
#include "sightline/identify.h"
#include "sightline/proto.h"

#define WAYS 4

struct host {
	struct sl_addr addr;
	bool used;
	sl_time_us first, last; /* span of CRD flows seen from this host */
};

struct sl_assoc {
	struct host h[SL_ASSOC_HOSTS];
};

_Static_assert(SL_ASSOC_HOSTS % WAYS == 0, "whole sets");

int sl_assoc_create(struct sl_assoc **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void sl_assoc_destroy(struct sl_assoc *a)
{
	free(a);
}

/* FNV-1a over the address picks a set of WAYS entries. */
static struct host *set_of(struct sl_assoc *a, const struct sl_addr *x)
{
	uint32_t h = 2166136261u;
	for (unsigned i = 0; i < sl_addr_len(x); i++)
		h = (h ^ x->b[i]) * 16777619u;
	return &a->h[(h % (SL_ASSOC_HOSTS / WAYS)) * WAYS];
}

static struct host *find(struct sl_assoc *a, const struct sl_addr *x)
{
	struct host *s = set_of(a, x);
	for (int i = 0; i < WAYS; i++)
		if (s[i].used && s[i].addr.family == x->family &&
		    memcmp(s[i].addr.b, x->b, sl_addr_len(x)) == 0)
			return &s[i];
	return NULL;
}

/* Mark x as having named CRD over [first, last]; a full set gives up the
 * host marked longest ago. */
static void note(struct sl_assoc *a, const struct sl_addr *x, sl_time_us first, sl_time_us last)
{
	struct host *e = find(a, x);
	if (!e) {
		struct host *s = set_of(a, x);
		e = &s[0];
		for (int i = 0; i < WAYS && e->used; i++)
			if (!s[i].used || s[i].last < e->last)
				e = &s[i];
		*e = (struct host){ .addr = *x, .used = true, .first = first, .last = last };
		return;
	}
	e->first = first < e->first ? first : e->first;
	e->last = last > e->last ? last : e->last;
}

static bool recent(struct sl_assoc *a, const struct sl_addr *x, sl_time_us start)
{
	const struct host *e = find(a, x);
	return e && start + SL_ASSOC_SLACK_US >= e->first && start <= e->last + SL_ASSOC_WINDOW_US;
}

static bool webrtc(const struct sl_flow *f)
{
	const struct sl_proto *p = f->app_proto ? sl_proto_at(f->app_proto - 1u) : NULL;
	return p && (strcmp(p->name, "stun") == 0 || strcmp(p->name, "dtls") == 0);
}

void sl_assoc_flow(struct sl_assoc *a, struct sl_flow *f, sl_time_us seen_until)
{
	const char *app, *cat;
	enum sl_app_source src;
	bool has = sl_app_product(f, &app, &cat, &src);
	if (has && src >= SL_SRC_DNS && strcmp(app, "chrome-remote-desktop") == 0) {
		note(a, &f->cli, f->first, seen_until);
		return;
	}
	if ((!has || src < SL_SRC_ASSOCIATION) && webrtc(f) &&
	    (recent(a, &f->cli, f->first) || recent(a, &f->srv, f->first)))
		sl_app_set_product(f, "chrome-remote-desktop", "remote-access", SL_SRC_ASSOCIATION);
}
