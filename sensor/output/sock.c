/* Socket helpers for the unix-socket and syslog transports: connect with a
 * send timeout (a stalled reader costs the writer thread one second per
 * try, never the capture), send everything or report the link unusable,
 * and notice a stream peer that has gone away before writing into the void. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "output_priv.h"

static void set_timeout(int fd)
{
	struct timeval tv = { SL_OUT_SEND_TIMEOUT_MS / 1000, (SL_OUT_SEND_TIMEOUT_MS % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int sl_sock_unix(const char *path, int socktype, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return snprintf(err, errlen, "%s: socket path longer than %zu bytes", path,
				sizeof(sa.sun_path) - 1), -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, socktype | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return snprintf(err, errlen, "socket: %s", strerror(errno)), -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	set_timeout(fd);
	return fd;
}

int sl_sock_split_hostport(const char *hp, char *host, size_t hostlen, const char **port)
{
	const char *colon = strrchr(hp, ':');
	if (!colon)
		return -EINVAL;
	const char *h = hp;
	size_t n = (size_t)(colon - hp);
	if (hp[0] == '[' && n >= 2 && colon[-1] == ']')
		h++, n -= 2;
	if (n >= hostlen)
		return -ENAMETOOLONG;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = colon + 1;
	return 0;
}

/* Name resolution happens here, in the writer thread, on every connect:
 * a slow resolver delays only this output, and an address that moves is
 * followed. */
int sl_sock_inet(const char *hostport, int socktype, char *err, size_t errlen)
{
	char host[256];
	const char *port;
	if (sl_sock_split_hostport(hostport, host, sizeof(host), &port) < 0)
		return snprintf(err, errlen, "%s: not host:port", hostport), -EINVAL;
	struct addrinfo hints = { .ai_socktype = socktype }, *res, *ai;
	int g = getaddrinfo(host, port, &hints, &res);
	if (g != 0)
		return snprintf(err, errlen, "%s: %s", hostport, gai_strerror(g)), -EHOSTUNREACH;
	int fd = -ECONNREFUSED;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			fd = -errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		int e = errno;
		close(fd);
		fd = -e;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return snprintf(err, errlen, "%s: %s", hostport, strerror(-fd)), fd;
	set_timeout(fd);
	return fd;
}

int sl_sock_send_counted(int fd, const char *buf, size_t len, size_t *done)
{
	*done = 0;
	while (*done < len) {
		ssize_t w = send(fd, buf + *done, len - *done, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && *done == 0)
			return -EAGAIN;
		if (w <= 0)
			return -ENOTCONN;
		*done += (size_t)w;
	}
	return 0;
}

int sl_sock_send_all(int fd, const char *buf, size_t len)
{
	size_t done;
	return sl_sock_send_counted(fd, buf, len, &done);
}

/* A peer that closed with everything read sends FIN (recv sees EOF); one
 * that exits with data unread, or a broken path, resets (ECONNRESET). */
int sl_sock_peer_state(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };
	if (poll(&p, 1, 0) <= 0)
		return SL_PEER_OPEN;
	char c;
	ssize_t r = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (r == 0)
		return SL_PEER_CLOSED;
	if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		return SL_PEER_RESET;
	return p.revents & (POLLERR | POLLHUP) ? SL_PEER_RESET
	       : p.revents & POLLRDHUP		? SL_PEER_CLOSED
						: SL_PEER_OPEN;
}

bool sl_sock_peer_closed(int fd)
{
	return sl_sock_peer_state(fd) != SL_PEER_OPEN;
}
