/* Privilege drop: initgroups, chroot, an empty capability bounding set,
 * setgid, setuid (in that order: the group database is read before the
 * chroot hides it, and groups and capabilities must change while we may
 * still change them), proof that root cannot be regained, no_new_privs. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sightline/privileges.h"

/* Exit status of the sl_priv_access() child when it could not switch. */
#define SWITCH_FAILED 255
#define MAX_GROUPS 65536

int sl_priv_check(const struct sl_privilege_config *p, bool live, char *err, size_t errlen)
{
	struct stat st;
	if (!p->user) {
		if (p->chroot)
			return snprintf(err, errlen, "--chroot needs --user: a process that stays root "
					"can leave a chroot"), -EINVAL;
		if (live && geteuid() == 0 && !p->allow_root)
			return snprintf(err, errlen, "refusing to capture live as root: give --user NAME "
					"(e.g. --user nobody) to drop privileges once the interface is "
					"open, or --allow-root (privileges.allow_root: true) to run as "
					"root anyway"), -EPERM;
		return 0;
	}
	struct passwd *pw = getpwnam(p->user);
	if (!pw)
		return snprintf(err, errlen, "--user %s: no such user", p->user), -EINVAL;
	if (geteuid() != 0 && pw->pw_uid != geteuid())
		return snprintf(err, errlen, "--user %s: only root can switch users; run as root or "
				"leave out --user", p->user), -EPERM;
	if (p->chroot && (stat(p->chroot, &st) != 0 || !S_ISDIR(st.st_mode)))
		return snprintf(err, errlen, "--chroot %s: not a directory", p->chroot), -EINVAL;
	return 0;
}

/* The user's supplementary groups, read now: the child of sl_priv_access()
 * may not read the group database (it runs inside a threaded process). */
static int read_groups(struct sl_priv_target *t)
{
	int n = 32;
	for (;;) {
		gid_t *g = realloc(t->groups, (size_t)n * sizeof(*g));
		if (!g)
			return -ENOMEM;
		t->groups = g;
		int want = n;
		if (getgrouplist(t->user, t->gid, g, &want) >= 0) {
			t->ngroups = want;
			return 0;
		}
		if (n >= MAX_GROUPS)
			return -E2BIG;
		n = want > n ? want : n * 2;
	}
}

int sl_priv_target_init(const struct sl_privilege_config *p, struct sl_priv_target *t,
			char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	if (!p->user || geteuid() != 0)
		return 0;
	struct passwd *pw = getpwnam(p->user);
	if (!pw)
		return snprintf(err, errlen, "--user %s: no such user", p->user), -EINVAL;
	if (pw->pw_uid == 0)
		return 0;
	t->uid = pw->pw_uid;
	t->gid = pw->pw_gid;
	t->user = p->user;
	t->chroot = p->chroot;
	int rc = read_groups(t);
	if (rc < 0) {
		snprintf(err, errlen, "--user %s: cannot read its groups: %s", p->user, strerror(-rc));
		sl_priv_target_finish(t);
		return rc;
	}
	return 1;
}

void sl_priv_target_finish(struct sl_priv_target *t)
{
	if (!t)
		return;
	free(t->groups);
	memset(t, 0, sizeof(*t));
}

/* In the forked child: async-signal-safe calls only (the parent has threads). */
static int access_as(const struct sl_priv_target *t, const char *path, int mode)
{
	if (t->chroot && (chdir(t->chroot) != 0 || chroot(".") != 0 || chdir("/") != 0))
		return SWITCH_FAILED;
	if (setgroups((size_t)t->ngroups, t->groups) != 0 || setgid(t->gid) != 0 ||
	    setuid(t->uid) != 0)
		return SWITCH_FAILED;
	if (access(path, mode) == 0)
		return 0;
	return errno > 0 && errno < SWITCH_FAILED ? errno : EIO;
}

int sl_priv_access(const struct sl_priv_target *t, const char *path, int mode)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(access_as(t, path, mode));
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status))
		return -ECHILD;
	int e = WEXITSTATUS(status);
	return e == SWITCH_FAILED ? -EPERM : -e;
}

static int fail(char *err, size_t errlen, const char *what, const char *arg)
{
	int e = errno ? errno : EPERM;
	snprintf(err, errlen, "cannot drop privileges: %s %s: %s", what, arg, strerror(e));
	return -e;
}

/*
 * Lower every capability still in the bounding set, so that nothing the
 * process runs later (a helper, a compromised parser's exec) can gain one
 * back.  Needs CAP_SETPCAP, which root has unless a service manager took
 * it away; then say how to give it back rather than run half-dropped.
 */
static int clear_bounding_set(char *err, size_t errlen)
{
	for (int cap = 0;; cap++) {
		int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (in < 0)
			return errno == EINVAL ? 0 : fail(err, errlen, "reading", "the capability bounding set");
		if (in && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
			int e = errno;
			snprintf(err, errlen, "cannot drop privileges: clearing capability %d from the "
				 "bounding set: %s%s", cap, strerror(e),
				 e == EPERM ? " (the process lacks CAP_SETPCAP; under systemd add "
					      "CAP_SETPCAP to CapabilityBoundingSet=)" : "");
			return -e;
		}
	}
}

/* After the switch: no way back to root, no capability left to regain. */
static bool fully_dropped(uid_t uid, gid_t gid)
{
	if (setuid(0) == 0 || seteuid(0) == 0 || getuid() != uid || geteuid() != uid ||
	    getgid() != gid || getegid() != gid)
		return false;
	for (int cap = 0;; cap++) {
		int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (in < 0)
			return errno == EINVAL;
		if (in)
			return false;
	}
}

static int no_new_privs(const char *user, char *err, size_t errlen)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return fail(err, errlen, "setting no_new_privs for", user);
	return 0;
}

int sl_priv_drop(const struct sl_privilege_config *p, char *err, size_t errlen)
{
	if (!p->user)
		return 0;
	struct passwd *pw = getpwnam(p->user);
	if (!pw)
		return snprintf(err, errlen, "--user %s: no such user", p->user), -EINVAL;
	if (geteuid() != 0) /* sl_priv_check() made sure we already are this user */
		return no_new_privs(p->user, err, errlen);
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (initgroups(p->user, gid) != 0)
		return fail(err, errlen, "initgroups", p->user);
	if (p->chroot && (chdir(p->chroot) != 0 || chroot(".") != 0 || chdir("/") != 0))
		return fail(err, errlen, "chroot", p->chroot);
	int rc = uid != 0 ? clear_bounding_set(err, errlen) : 0;
	if (rc < 0)
		return rc;
	if (setgid(gid) != 0)
		return fail(err, errlen, "setgid for", p->user);
	if (setuid(uid) != 0)
		return fail(err, errlen, "setuid to", p->user);
	if (uid != 0 && !fully_dropped(uid, gid)) {
		errno = EPERM;
		return fail(err, errlen, "verify (root or a capability could be regained) for", p->user);
	}
	return no_new_privs(p->user, err, errlen);
}
