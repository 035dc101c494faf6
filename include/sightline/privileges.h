/* Giving up root once captures and outputs are open: switch to an
 * unprivileged user (optionally inside a chroot), with no capabilities left
 * to regain, and refuse to keep capturing live as root unless told to. */
#ifndef SIGHTLINE_PRIVILEGES_H
#define SIGHTLINE_PRIVILEGES_H

#include <sys/types.h>

#include "sightline/config.h"

/*
 * Who the process becomes at sl_priv_drop(), resolved before anything
 * changes, so outputs can check that this user will be able to reopen them.
 */
struct sl_priv_target {
	uid_t uid;
	gid_t gid;           /* the user's primary group */
	gid_t *groups;       /* its supplementary groups; owned */
	int ngroups;
	const char *user;    /* borrowed from the configuration */
	const char *chroot;  /* borrowed; NULL: no chroot */
};

/**
 * Check before anything is opened: the user exists, the chroot directory
 * is a directory, switching is possible (running as root, or already that
 * user), and a live capture (live = true) as root names a user or allows
 * root.  Returns 0 or -EINVAL/-EPERM with a sentence saying what to do in err.
 */
int sl_priv_check(const struct sl_privilege_config *p, bool live, char *err, size_t errlen);

/**
 * Resolve the user sl_priv_drop() will switch to.  Returns 1 and fills t
 * when it will switch (running as root with a user to become), 0 when it
 * will not (no user, or already that user; t is zeroed), or -errno with
 * err.  On 1 the caller owns t's contents; release with
 * sl_priv_target_finish(), which also accepts a zeroed t.
 */
int sl_priv_target_init(const struct sl_privilege_config *p, struct sl_priv_target *t,
			char *err, size_t errlen);
void sl_priv_target_finish(struct sl_priv_target *t);

/**
 * Whether t, once switched, may access path with mode (R_OK, W_OK, X_OK as
 * for access(2)).  path is resolved as the switched process will see it:
 * inside t's chroot, or relative to the current directory.  A child process
 * switches and asks the kernel, so ACLs and the permissions of every parent
 * directory count.  Returns 0 or -errno (-EACCES: not allowed).
 */
int sl_priv_access(const struct sl_priv_target *t, const char *path, int mode);

/**
 * Switch now: supplementary groups of the user, chroot (if set), an empty
 * capability bounding set, group, user; verify that root cannot be
 * regained; then PR_SET_NO_NEW_PRIVS, so no exec can ever raise privileges
 * again.  Without a user, a no-op; when already running as that user, only
 * no_new_privs is set.  Returns 0 or -errno with err.
 */
int sl_priv_drop(const struct sl_privilege_config *p, char *err, size_t errlen);

#endif
