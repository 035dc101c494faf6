/* Before the privilege drop: make sure the user the sensor becomes can
 * reopen each file output when logrotate sends SIGHUP (own the file, be
 * allowed to create it anew, find it at a path inside the chroot). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output_priv.h"

/* Split path into its directory ("." when it has none) and its last part. */
static int split(const char *path, char *dir, size_t dirlen, const char **base)
{
	const char *slash = strrchr(path, '/');
	*base = slash ? slash + 1 : path;
	if (!slash)
		return snprintf(dir, dirlen, ".") >= (int)dirlen ? -ENAMETOOLONG : 0;
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= dirlen)
		return -ENAMETOOLONG;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;
}

/*
 * The path to reopen, as the switched process sees it: unchanged without a
 * chroot (the working directory stays); inside one, the real directory
 * with the chroot's own path taken off.  A file outside the chroot could
 * never be reopened, so that is refused now rather than at the first
 * rotation.
 */
static int path_after(const char *path, const char *rdir, const char *base,
		      const struct sl_priv_target *to, char *out, size_t outlen,
		      char *err, size_t errlen)
{
	char rjail[PATH_MAX];
	if (!to->chroot)
		return snprintf(out, outlen, "%s", path) >= (int)outlen ? -ENAMETOOLONG : 0;
	if (!realpath(to->chroot, rjail)) {
		int e = errno;
		return snprintf(err, errlen, "--chroot %s: %s", to->chroot, strerror(e)), -e;
	}
	size_t n = strcmp(rjail, "/") == 0 ? 0 : strlen(rjail);
	if (strncmp(rdir, rjail, n) != 0 || (rdir[n] != '/' && rdir[n] != '\0'))
		return snprintf(err, errlen, "%s: outside the --chroot %s, so after the switch to "
				"user %s it could not be reopened on SIGHUP (logrotate); put the output "
				"under %s", path, to->chroot, to->user, to->chroot), -EXDEV;
	if (snprintf(out, outlen, "%s/%s", rdir + n, base) >= (int)outlen)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Give the file to the user (its owner only: a group such as adm that lets
 * people read the log stays), so it can open it again for appending; and
 * logrotate's plain `create` copies that owner to the new file.  Only a
 * regular file with one link, opened without following a symlink: a link
 * planted in the directory must not hand some other file to the user.
 */
static int give_file(const char *path, const struct sl_priv_target *to, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0; /* a symlink or gone: the access check below decides */
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
	    st.st_uid != to->uid && fchown(fd, to->uid, (gid_t)-1) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot give the file to user %s, who must reopen it on "
			 "SIGHUP (logrotate): %s; create it owned by %s beforehand%s", path, to->user,
			 strerror(-rc), to->user, rc == -EPERM ? " (the process lacks CAP_CHOWN: under "
			 "systemd add it to CapabilityBoundingSet=)" : "");
	}
	close(fd);
	return rc;
}

/* Whether rdir is one of systemd's LogsDirectory= of this service. */
static bool service_logs_dir(const char *rdir)
{
	const char *env = getenv("LOGS_DIRECTORY");
	char one[PATH_MAX], real[PATH_MAX];
	while (env && *env) {
		size_t n = strcspn(env, ":");
		if (n < sizeof(one)) {
			memcpy(one, env, n);
			one[n] = '\0';
			if (realpath(one, real) && strcmp(real, rdir) == 0)
				return true;
		}
		env += n + (env[n] == ':');
	}
	return false;
}

/*
 * systemd makes LogsDirectory= for this service alone, owned by root when
 * the unit has no User= (ours switches users itself): the one directory
 * that may be given to the user without asking.  Any other directory may
 * be shared (/var/log, a home), so it is only checked.
 */
static int give_logs_dir(const char *rdir, const struct sl_priv_target *to)
{
	struct stat st;
	if (!service_logs_dir(rdir) || lstat(rdir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0)
		return -EACCES;
	return chown(rdir, to->uid, to->gid) == 0 ? 0 : -errno;
}

/* The user must be able to create the file in its directory (logrotate
 * moved the old one away) and to append to it while it is there. */
static int check_access(const char *path, const char *rdir, const char *after,
			const struct sl_priv_target *to, char *err, size_t errlen)
{
	char adir[PATH_MAX];
	const char *base;
	int rc = split(after, adir, sizeof(adir), &base);
	if (rc == 0 && (rc = sl_priv_access(to, adir, W_OK | X_OK)) < 0 && give_logs_dir(rdir, to) == 0)
		rc = sl_priv_access(to, adir, W_OK | X_OK);
	if (rc < 0)
		return snprintf(err, errlen, "%s: after the switch to user %s this output could not "
				"be reopened on SIGHUP once logrotate moved it: %s cannot create files "
				"in %s%s%s%s (%s); give it the directory (chown %s %s), "
				"choose a directory it can write, or leave out --user", path, to->user,
				to->user, rdir, to->chroot ? ", seen as " : "", to->chroot ? adir : "",
				to->chroot ? " inside the chroot" : "", strerror(-rc), to->user, rdir), rc;
	rc = sl_priv_access(to, after, W_OK);
	if (rc < 0 && rc != -ENOENT)
		return snprintf(err, errlen, "%s: user %s may not write this file (%s), so it could "
				"not reopen it on SIGHUP; give it the file (chown %s %s) or leave out "
				"--user", path, to->user, strerror(-rc), to->user, path), rc;
	return 0;
}

int sl_file_handover(const char *path, const struct sl_priv_target *to, char **after,
		     char *err, size_t errlen)
{
	char dir[PATH_MAX], rdir[PATH_MAX], apath[PATH_MAX];
	const char *base;
	struct stat st;
	*after = NULL;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) /* /dev/null, a FIFO: never rotated */
		return (*after = strdup(path)) ? 0 : -ENOMEM;
	int rc = split(path, dir, sizeof(dir), &base);
	if (rc == 0 && !realpath(dir, rdir))
		rc = -errno;
	if (rc < 0)
		return snprintf(err, errlen, "%s: %s", path, strerror(-rc)), rc;
	rc = path_after(path, rdir, base, to, apath, sizeof(apath), err, errlen);
	if (rc == 0)
		rc = give_file(path, to, err, errlen);
	if (rc == 0)
		rc = check_access(path, rdir, apath, to, err, errlen);
	if (rc == 0 && !(*after = strdup(apath)))
		rc = -ENOMEM;
	return rc;
}
