/* Privilege drop: initgroups, chroot, setgid, setuid (in that order: the
 * group database is read before the chroot hides it, and the group must
 * change while we may still change it), then proof that setuid(0) fails. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sightline/privileges.h"

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

static int fail(char *err, size_t errlen, const char *what, const char *arg)
{
	int e = errno ? errno : EPERM;
	snprintf(err, errlen, "cannot drop privileges: %s %s: %s", what, arg, strerror(e));
	return -e;
}

int sl_priv_drop(const struct sl_privilege_config *p, char *err, size_t errlen)
{
	if (!p->user)
		return 0;
	struct passwd *pw = getpwnam(p->user);
	if (!pw)
		return snprintf(err, errlen, "--user %s: no such user", p->user), -EINVAL;
	if (geteuid() != 0)
		return 0; /* sl_priv_check() made sure we already are this user */
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (initgroups(p->user, gid) != 0)
		return fail(err, errlen, "initgroups", p->user);
	if (p->chroot && (chdir(p->chroot) != 0 || chroot(p->chroot) != 0 || chdir("/") != 0))
		return fail(err, errlen, "chroot", p->chroot);
	if (setgid(gid) != 0)
		return fail(err, errlen, "setgid for", p->user);
	if (setuid(uid) != 0)
		return fail(err, errlen, "setuid to", p->user);
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0 || getuid() != uid || geteuid() != uid ||
			 getgid() != gid || getegid() != gid)) {
		errno = EPERM;
		return fail(err, errlen, "verify (root could be regained) for", p->user);
	}
	return 0;
}
