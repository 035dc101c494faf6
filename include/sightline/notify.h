/* Telling a service manager (systemd's Type=notify protocol, sd_notify(3))
 * when the sensor is capturing and when it stops, without libsystemd. */
#ifndef SIGHTLINE_NOTIFY_H
#define SIGHTLINE_NOTIFY_H

#include <stddef.h>

/* The notification socket, opened while the process can still reach its
 * path (before a chroot or a user switch). */
struct sl_notify {
	int fd; /* -1: no service manager asked (NOTIFY_SOCKET unset) */
};

/**
 * Connect to $NOTIFY_SOCKET (a path, or an abstract name starting with
 * '@') when it is set; n->fd stays -1 when it is not.  Returns 0, or
 * -errno with a sentence in err when the variable names a socket that
 * cannot be reached.  Release with sl_notify_close(), which also accepts a
 * never-opened (fd -1) n.
 */
int sl_notify_open(struct sl_notify *n, char *err, size_t errlen);

/**
 * Send one state line (e.g. "READY=1", "STOPPING=1"); a no-op without a
 * socket.  Returns 0 or -errno (the manager went away: nothing to do).
 */
int sl_notify_send(const struct sl_notify *n, const char *state);

/** Close the socket; n->fd is -1 afterwards. */
void sl_notify_close(struct sl_notify *n);

#endif
