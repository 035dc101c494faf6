/* The service manager's readiness protocol (sd_notify(3)): one datagram per
 * state line to the unix socket named by NOTIFY_SOCKET. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sightline/notify.h"

int sl_notify_open(struct sl_notify *n, char *err, size_t errlen)
{
	n->fd = -1;
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return 0;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "NOTIFY_SOCKET=%s: not a socket path or abstract name", path);
		return -EINVAL;
	}
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, salen) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "NOTIFY_SOCKET=%s: cannot connect: %s", path, strerror(e));
		return -e;
	}
	n->fd = fd;
	return 0;
}

int sl_notify_send(const struct sl_notify *n, const char *state)
{
	if (n->fd < 0)
		return 0;
	return send(n->fd, state, strlen(state), MSG_NOSIGNAL) < 0 ? -errno : 0;
}

void sl_notify_close(struct sl_notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
