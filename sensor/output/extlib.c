/* Opening librdkafka and librelp on first use (see extlib.h for why): one
 * dlopen per library and process, its functions looked up by name. */
#define SL_EXTLIB_IMPL
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <librdkafka/rdkafka.h>
#include <librelp.h>

#include "sightline/extlib.h"

/* The ABI the headers describe: librdkafka 1.x/2.x keeps soname 1, librelp
 * 1.x soname 0 (what ld.so loaded when the build linked them). */
#define RDKAFKA_SONAME "librdkafka.so.1"
#define RELP_SONAME "librelp.so.0"

struct lib_state {
	pthread_once_t once;
	int rc;
	char why[300];
};

static struct sl_rdkafka_api rdkafka;
static struct sl_relp_api relp;
static struct lib_state rdkafka_state = { .once = PTHREAD_ONCE_INIT };
static struct lib_state relp_state = { .once = PTHREAD_ONCE_INIT };

/* env, when set, names the file to load instead of the soname: a library
 * installed outside ld.so's path (or, in tests/cli, one that is missing). */
static void *open_lib(struct lib_state *s, const char *soname, const char *env)
{
	const char *o = getenv(env);
	const char *name = o && *o ? o : soname;
	void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(s->why, sizeof(s->why), "cannot load %s%s%s: %s", name, name == o ? " from " : "",
			 name == o ? env : "", e ? e : "not found");
		s->rc = -ENOENT;
	}
	return h;
}

/* Store f's address in *slot; false (the reason in s) when the library
 * lacks it: an older version than the headers the build used. */
static bool find(struct lib_state *s, void *h, const char *soname, const char *f, void **slot)
{
	if ((*slot = dlsym(h, f)) != NULL)
		return true;
	snprintf(s->why, sizeof(s->why), "%s has no %s: older than the build's headers", soname,
		 f);
	s->rc = -ENOENT;
	return false;
}

static void load_rdkafka(void)
{
	void *h = open_lib(&rdkafka_state, RDKAFKA_SONAME, "SIGHTLINE_LIBRDKAFKA");
	bool ok = h != NULL;
#define X(f) if (ok) ok = find(&rdkafka_state, h, RDKAFKA_SONAME, #f, (void **)&rdkafka.f);
	SL_RDKAFKA_FUNCS(X)
#undef X
}

static void load_relp(void)
{
	void *h = open_lib(&relp_state, RELP_SONAME, "SIGHTLINE_LIBRELP");
	bool ok = h != NULL;
#define X(f) if (ok) ok = find(&relp_state, h, RELP_SONAME, #f, (void **)&relp.f);
	SL_RELP_FUNCS(X)
#undef X
}

static int result(const struct lib_state *s, char *err, size_t errlen)
{
	if (s->rc < 0 && err && errlen)
		snprintf(err, errlen, "%s", s->why);
	return s->rc;
}

int sl_rdkafka_open(char *err, size_t errlen)
{
	pthread_once(&rdkafka_state.once, load_rdkafka);
	return result(&rdkafka_state, err, errlen);
}

const struct sl_rdkafka_api *sl_rdkafka(void)
{
	return &rdkafka;
}

int sl_relp_open(char *err, size_t errlen)
{
	pthread_once(&relp_state.once, load_relp);
	return result(&relp_state, err, errlen);
}

const struct sl_relp_api *sl_relp(void)
{
	return &relp;
}
