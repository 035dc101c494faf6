#!/usr/bin/env python3
"""The syslog pipeline of README's "Identity sources", end to end: a real
rsyslogd (loopback imtcp in, omuxsock out, the README's legacy directives
that Debian 12's rsyslog needs) pushes Okta sign-ins, one a datagram, into
the datagram socket `sightline identity check --wait` listens on.  Every
record sent arrives as a sign-in; a line that is not JSON is one bad record.

    rsyslog_socket.py SIGHTLINE SOURCE_ROOT      (exit 77 without rsyslogd)
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'outputs'))
from rsyslog_harness import Rsyslog, RAW_TEMPLATE  # noqa: E402


def wait_for(cond, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def main():
    sensor, root = sys.argv[1:3]
    lines = open(os.path.join(root, 'tests/identity/okta-api.jsonl')).read().splitlines()
    with tempfile.TemporaryDirectory(prefix='sl-idrs-') as tmp:
        sock = os.path.join(tmp, 'identity.sock')
        cfg = os.path.join(tmp, 'sensor.yaml')
        with open(cfg, 'w') as f:
            f.write('identity:\n  sources:\n    - socket: %s\n      socket_type: datagram\n'
                    '      name: syslog\n' % sock)
        check = subprocess.Popen([sensor, 'identity', 'check', '--wait', '60', '-c', cfg],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if not wait_for(lambda: os.path.exists(sock), 10):
            check.kill()
            print('FAIL: the socket was not created:', check.communicate())
            return 1
        legacy = '\n$ModLoad omuxsock\n$OMUxSockSocket %s' % sock
        with Rsyslog(os.path.join(tmp, 'rs'), inputs=('imtcp',), template=RAW_TEMPLATE + legacy,
                     rules=':omuxsock:;sl_raw') as rs:
            rs.start()
            with socket.create_connection(('127.0.0.1', rs.ports['imtcp'])) as c:
                for i, line in enumerate(lines + ['this is not json']):
                    c.sendall(b'<14>Mar  5 14:%02d:00 collector okta: %s\n' % (i, line.encode()))
            sent = len(lines) + 1
            if not rs.wait_messages(sent, 30):
                print('FAIL: rsyslogd passed on %d of %d messages' % (len(rs.messages()), sent))
                check.kill()
                return 1
            time.sleep(1.0)  # the datagrams are in the socket's queue by now
        check.send_signal(signal.SIGTERM)
        out, err = check.communicate(timeout=30)
    print(out + err)
    want = ['syslog: 13 records (datagram socket)',
            'sign-ins     10: okta 10; success 8, failure 2, unknown 0',
            'passed over  2 Okta events of other types',
            'bad          1: not_json 1']
    missing = [w for w in want if w not in out]
    if missing or check.returncode != 1:
        print('FAIL: exit %d (want 1, one bad record); missing: %s' % (check.returncode, missing))
        return 1
    print('ok: every record rsyslogd pushed through omuxsock was read')
    return 0


if __name__ == '__main__':
    sys.exit(main())
