#!/usr/bin/env python3
"""Outputs end to end: sightline replays captures into listeners this test
starts on loopback (syslog over UDP and TCP, unix stream and datagram
sockets, Kafka's built-in mock cluster) and the test checks the exact
framing and that every event arrived; an unreachable destination must not
hold up a replay and its losses must be counted.  Live cases (root, in a
network namespace the test makes): a TCP syslog outage and recovery, a file
reopened after SIGHUP, the privilege drop.

usage: outputs.py SIGHTLINE SOURCE_ROOT CASE"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77
# RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG
RFC5424 = re.compile(rb'^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) (\S{1,255}) '
                     rb'(\S{1,48}) (\d{1,128}) (\S{1,32}) - (\{.*\})$', re.S)


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def run(sensor, args, cfg, tmp, timeout=60):
    path = os.path.join(tmp, 'cfg.yaml')
    with open(path, 'w') as f:
        f.write(cfg)
    start = time.monotonic()
    p = subprocess.run([sensor, '-q', '-c', path] + args, capture_output=True, timeout=timeout)
    return p, time.monotonic() - start


def lines(path):
    with open(path, 'rb') as f:
        return [l for l in f.read().split(b'\n') if l]


def check_syslog(msg, want_body):
    m = RFC5424.match(msg)
    if not m:
        fail('not an RFC 5424 message: %r' % msg[:200])
    pri, _, host, app, procid, msgid, body = m.groups()
    ev = json.loads(body)
    if int(pri) != 16 * 8 + (4 if ev['event_type'] == 'alert' else 6):
        fail('PRI %s for facility local0 and event %s' % (pri, ev['event_type']))
    if app != b'sl-test' or host != b'sensor-1' or msgid.decode() != ev['event_type']:
        fail('header fields: host %r app %r msgid %r' % (host, app, msgid))
    if body != want_body:
        fail('syslog MSG differs from the file output:\n%r\n%r' % (body[:200], want_body[:200]))


def syslog_cfg(transport, addr, extra=''):
    return ('outputs:\n  - type: syslog\n    transport: %s\n    address: "%s"\n'
            '    facility: local0\n    app_name: sl-test\n    hostname: sensor-1\n%s'
            % (transport, addr, extra))


def case_syslog_udp(sensor, root, tmp):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    port = s.getsockname()[1]
    out = os.path.join(tmp, 'eve.json')
    p, _ = run(sensor, ['-r', os.path.join(root, 'pcaps/real'), '-o', out],
               syslog_cfg('udp', '127.0.0.1:%d' % port), tmp)
    if p.returncode != 0:
        fail('exit %d: %s' % (p.returncode, p.stderr.decode()))
    want = lines(out)
    s.settimeout(2)
    got = []
    try:
        while len(got) < len(want):
            got.append(s.recv(65536))
    except socket.timeout:
        pass
    if len(got) != len(want):
        fail('%d datagrams for %d events' % (len(got), len(want)))
    for g, w in zip(got, want):
        check_syslog(g, w)
    print('ok syslog udp: %d messages, one per datagram, RFC 5424 headers' % len(got))


class TcpListener:
    """Accepts connections on a fixed port and keeps every byte, per connection."""

    def __init__(self, port=0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(('127.0.0.1', port))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.data = []
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            buf = bytearray()
            self.data.append(buf)
            threading.Thread(target=self.read, args=(c, buf), daemon=True).start()

    def read(self, c, buf):
        while True:
            try:
                b = c.recv(65536)
            except OSError:
                return
            if not b:
                return
            buf += b

    def stop(self):
        self.sock.close()
        for c in self.conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def frames(self):
        """RFC 6587 3.4.1 octet counting: MSG-LEN SP SYSLOG-MSG, exact."""
        out = []
        for buf in self.data:
            b = bytes(buf)
            i = 0
            while i < len(b):
                sp = b.index(b' ', i)
                n = int(b[i:sp])
                if not b[i:sp].isdigit() or b[i] == ord('0'):
                    fail('bad MSG-LEN %r' % b[i:sp])
                msg = b[sp + 1:sp + 1 + n]
                if len(msg) != n:
                    fail('frame cut short: %d of %d octets' % (len(msg), n))
                if not msg.endswith(b'}'):
                    fail('octet count %d does not end on the message end' % n)
                out.append(msg)
                i = sp + 1 + n
        return out


def case_syslog_tcp(sensor, root, tmp):
    ls = TcpListener()
    out = os.path.join(tmp, 'eve.json')
    p, _ = run(sensor, ['-r', os.path.join(root, 'pcaps/real'), '-o', out],
               syslog_cfg('tcp', '127.0.0.1:%d' % ls.port), tmp)
    if p.returncode != 0:
        fail('exit %d: %s' % (p.returncode, p.stderr.decode()))
    time.sleep(0.3)
    want = lines(out)
    got = ls.frames()
    ls.stop()
    if len(got) != len(want):
        fail('%d frames for %d events' % (len(got), len(want)))
    for g, w in zip(got, want):
        check_syslog(g, w)
    print('ok syslog tcp: %d octet-counted frames, counts exact' % len(got))


def case_unix(sensor, root, tmp):
    spath, dpath = os.path.join(tmp, 'stream.sock'), os.path.join(tmp, 'dgram.sock')
    ss = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ss.bind(spath)
    ss.listen(1)
    ds = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ds.bind(dpath)
    ds.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    got_stream = bytearray()

    def accept():
        c, _ = ss.accept()
        while True:
            b = c.recv(65536)
            if not b:
                return
            got_stream.extend(b)
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    got = []

    def receive():  # a unix datagram queue holds only a few messages: read as they come
        ds.settimeout(3)
        try:
            while True:
                got.append(ds.recv(1 << 20))
        except socket.timeout:
            pass
    r = threading.Thread(target=receive, daemon=True)
    r.start()
    out = os.path.join(tmp, 'eve.json')
    cfg = ('outputs:\n  - type: unix-stream\n    path: %s\n  - type: unix-dgram\n    path: %s\n'
           '  - type: file\n    path: %s\n' % (spath, dpath, out))
    p, _ = run(sensor, ['-r', os.path.join(root, 'pcaps/real')], cfg, tmp)
    if p.returncode != 0:
        fail('exit %d: %s' % (p.returncode, p.stderr.decode()))
    t.join(5)
    want = lines(out)
    if bytes(got_stream) != b''.join(w + b'\n' for w in want):
        fail('unix-stream got %d bytes, the file has %d lines' % (len(got_stream), len(want)))
    r.join(10)
    if got != want:
        fail('unix-dgram: %d datagrams, want %d equal to the file lines' % (len(got), len(want)))
    print('ok unix-stream and unix-dgram: %d events each, identical to the file' % len(want))


def stats_events(path):
    return [json.loads(l) for l in lines(path) if b'"event_type":"stats"' in l]


def case_outage_replay(sensor, root, tmp):
    """Nothing listens: the replay must end within the flush timeout, with
    the queue bound respected and every lost event counted."""
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    out = os.path.join(tmp, 'eve.json')
    cfg = syslog_cfg('tcp', '127.0.0.1:%d' % port, '    queue: 5\n    flush_timeout: 500\n')
    p, secs = run(sensor, ['-r', os.path.join(root, 'pcaps/real'), os.path.join(root, 'pcaps/gen-out'),
                           '-o', out], cfg, tmp, timeout=30)
    events = len(lines(out))
    st = stats_events(out)[-1]['stats']['outputs']
    sy = [o for o in st if o['type'] == 'syslog'][0]
    err = p.stderr.decode()
    m = re.search(r'(\d+) of (\d+) events could not be written to tcp:127.0.0.1:%d' % port, err)
    if p.returncode != 1 or not m:
        fail('exit %d (want 1 with a loss report): %s' % (p.returncode, err))
    if int(m.group(1)) != events or int(m.group(2)) != events:
        fail('lost %s of %s, want all %d' % (m.group(1), m.group(2), events))
    if sy['queued'] > 5 or sy['dropped'] != events - 1 - sy['queued'] or sy['delivered'] or sy['connected']:
        fail('stats at the end of the replay: %s (events %d)' % (sy, events))
    if secs > 10:
        fail('replay took %.1f s with the destination down' % secs)
    print('ok outage (replay, nothing listening): %d events in %.2f s, queued %d, dropped %d '
          'before the stats event, all %d reported lost' % (events, secs, sy['queued'], sy['dropped'], events))


def case_kafka(sensor, root, tmp):
    out = os.path.join(tmp, 'eve.json')
    cfg = ('outputs:\n  - type: kafka\n    brokers: "mock:9092"\n    topic: sightline\n'
           '    compression: lz4\n    acks: all\n'
           '    properties: "test.mock.num.brokers=1,linger.ms=5"\n  - type: file\n    path: %s\n' % out)
    p, _ = run(sensor, ['-r', os.path.join(root, 'pcaps/real')], cfg, tmp)
    if p.returncode != 0:
        fail('exit %d: %s' % (p.returncode, p.stderr.decode()))
    n = len(lines(out))
    p2 = subprocess.run([sensor, '-c', os.path.join(tmp, 'cfg.yaml'), '-r', os.path.join(root, 'pcaps/real')],
                        capture_output=True, timeout=60)
    m = re.search(r'output: +(\d+) events to kafka mock:9092/sightline\n', p2.stderr.decode())
    if p2.returncode != 0 or not m or int(m.group(1)) != n:
        fail('kafka summary (want %d acknowledged): %s' % (n, p2.stderr.decode()))
    print('ok kafka (librdkafka mock cluster): %d events acknowledged' % n)


CASES = {
    'syslog-udp': case_syslog_udp,
    'syslog-tcp': case_syslog_tcp,
    'unix': case_unix,
    'outage-replay': case_outage_replay,
    'kafka': case_kafka,
}


def main():
    sensor, root, case = sys.argv[1], sys.argv[2], sys.argv[3]
    tmp = tempfile.mkdtemp()
    try:
        CASES[case](os.path.abspath(sensor), root, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
