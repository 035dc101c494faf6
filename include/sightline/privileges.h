/* Giving up root once captures and outputs are open: switch to an
 * unprivileged user (optionally inside a chroot), with no capabilities left
 * to regain, and refuse to keep capturing live as root unless told to. */
#ifndef SIGHTLINE_PRIVILEGES_H
#define SIGHTLINE_PRIVILEGES_H

#include "sightline/config.h"

/**
 * Check before anything is opened: the user exists, the chroot directory
 * is a directory, switching is possible (running as root, or already that
 * user), and a live capture (live = true) as root names a user or allows
 * root.  Returns 0 or -EINVAL/-EPERM with a sentence saying what to do in err.
 */
int sl_priv_check(const struct sl_privilege_config *p, bool live, char *err, size_t errlen);

/**
 * Switch now: supplementary groups of the user, chroot (if set), an empty
 * capability bounding set, group, user; verify that root cannot be
 * regained; then PR_SET_NO_NEW_PRIVS, so no exec can ever raise privileges
 * again.  Without a user, a no-op; when already running as that user, only
 * no_new_privs is set.  Returns 0 or -errno with err.
 */
int sl_priv_drop(const struct sl_privilege_config *p, char *err, size_t errlen);

#endif
