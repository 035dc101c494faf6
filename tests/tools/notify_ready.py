"""The sensor's readiness line for test scripts: a unix datagram socket named
by NOTIFY_SOCKET (the sd_notify protocol sightline speaks), on which READY=1
arrives once its capture is open -- instead of sleeping and hoping."""
import os
import socket


def ready_socket(tmp):
    """A bound socket in tmp and the environment that points the sensor at it."""
    path = os.path.join(tmp, "notify.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(30)
    return s, dict(os.environ, NOTIFY_SOCKET=path)


def wait_ready(s):
    """True once READY=1 came, False after the socket's timeout."""
    try:
        while s.recv(256) != b"READY=1":
            pass
        return True
    except socket.timeout:
        return False


def close(s):
    """Close the socket and remove its path."""
    path = s.getsockname()
    s.close()
    os.unlink(path)
