#!/usr/bin/env python3
"""Delivery that is really delivered (issue 13): every event the sensor
writes is accounted for as received by the destination or counted as
dropped, across a full disk and a syslog receiver that restarts.

Cases:
  final-stats   replay: the last stats event's outputs[].delivered equals the
                events the destination holds before it (the stats event does
                not count itself), for an inline file, a queued file and TCP
                syslog
  relp-down     replay into a RELP address nobody listens on: bounded time,
                bounded queue, every event counted lost
  disk-full     live in a network namespace, the EVE file on a tiny tmpfs:
                the disk fills, space comes back; every line of the file
                parses as JSON, written = delivered + dropped
  rsyslog-tcp   live in a network namespace: syslog over TCP into a real
  rsyslog-relp  rsyslogd (imtcp / imrelp) that is frozen under load, then
                restarted mid-run: events received + events counted dropped
                = events written; with RELP nothing is dropped

usage: delivery.py SIGHTLINE SOURCE_ROOT CASE"""
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rsyslog_harness  # noqa: E402

SKIP = 77
PORT = 40000           # UDP port the traffic generator sends to, inside the namespace
BPF = 'udp dst port %d' % PORT


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def skip(msg):
    print('skip: ' + msg)
    sys.exit(SKIP)


def lines(path):
    with open(path, 'rb') as f:
        return [l for l in f.read().split(b'\n') if l]


def last_stats(evs):
    st = [e for e in evs if e.get('event_type') == 'stats']
    if not st:
        fail('no stats event')
    return st[-1]['stats']


def output(stats, typ):
    return [o for o in stats['outputs'] if o['type'] == typ]


# ---- a private network namespace: its own loopback, so the capture sees
# only the test's packets and rsyslog's ports collide with nothing.  The
# test re-runs itself inside one (ip netns exec also gives it a private
# mount namespace, where a tmpfs can be mounted and vanishes with it).

def in_netns():
    if os.environ.get('SL_TEST_NETNS'):
        return
    if os.geteuid() != 0:
        skip('needs root for a network namespace and live capture')
    if not shutil.which('ip'):
        skip('ip (iproute2) not found')
    name = 'sl-delivery-%d' % os.getpid()
    if subprocess.run(['ip', 'netns', 'add', name], capture_output=True).returncode != 0:
        skip('cannot create a network namespace (ip netns add)')
    try:
        subprocess.run(['ip', 'netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up'], check=True)
        env = dict(os.environ, SL_TEST_NETNS=name)
        rc = subprocess.run(['ip', 'netns', 'exec', name, sys.executable] + sys.argv, env=env).returncode
    finally:
        subprocess.run(['ip', 'netns', 'del', name])
    sys.exit(rc)


class Traffic:
    """UDP datagrams to 127.0.0.1:PORT, each from a new socket (a new source
    port: one flow each), `rate` per second, until stopped."""

    def __init__(self, rate):
        self.rate, self.sent, self.stopping = rate, 0, False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        batch = max(1, self.rate // 100)
        while not self.stopping:
            for _ in range(batch):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.sendto(b'sightline-delivery', ('127.0.0.1', PORT))
                s.close()
                self.sent += 1
            time.sleep(0.01)

    def stop(self):
        self.stopping = True
        self.t.join()


def start_live(sensor, tmp, cfg, extra=()):
    path = os.path.join(tmp, 'cfg.yaml')
    with open(path, 'w') as f:
        f.write('flow:\n  timeouts:\n    udp: 1\n' + cfg)
    err = open(os.path.join(tmp, 'stderr'), 'wb')
    return subprocess.Popen([sensor, '-q', '-i', 'lo', '--allow-root', '--bpf', BPF, '-c', path]
                            + list(extra), stderr=err)


def stop_live(p, tmp):
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(60)
    except subprocess.TimeoutExpired:
        p.kill()
        fail('the sensor did not stop within 60 s of SIGTERM')
    with open(os.path.join(tmp, 'stderr')) as f:
        return rc, f.read()


def wait_for(pred, secs, what):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    fail('timed out waiting for ' + what)


# ---- final-stats ----------------------------------------------------------

class TcpSink:
    """Reads octet-counted syslog frames on loopback; keeps the MSG parts."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.data = bytearray()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        c, _ = self.sock.accept()
        while True:
            b = c.recv(65536)
            if not b:
                return
            self.data += b

    def messages(self, wait=5):
        self.t.join(wait)
        out, b, i = [], bytes(self.data), 0
        while i < len(b):
            sp = b.index(b' ', i)
            n = int(b[i:sp])
            msg = b[sp + 1:sp + 1 + n]
            out.append(msg[msg.index(b' - {') + 3:])
            i = sp + 1 + n
        return out


def case_final_stats(sensor, root, tmp):
    sink = TcpSink()
    inline, queued = os.path.join(tmp, 'inline.json'), os.path.join(tmp, 'queued.json')
    cfg = os.path.join(tmp, 'cfg.yaml')
    with open(cfg, 'w') as f:
        f.write('outputs:\n  - type: file\n    path: %s\n'
                '  - type: syslog\n    transport: tcp\n    address: "127.0.0.1:%d"\n'
                % (queued, sink.port))
    p = subprocess.run([sensor, '-q', '-c', cfg, '-o', inline, '-r', os.path.join(root, 'pcaps/real'),
                        os.path.join(root, 'pcaps/gen-out')], capture_output=True, timeout=120)
    if p.returncode != 0:
        fail('exit %d: %s' % (p.returncode, p.stderr.decode()))
    held = {'file:' + inline: lines(inline), 'file:' + queued: lines(queued),
            'syslog:tcp:127.0.0.1:%d' % sink.port: sink.messages()}
    if len(held['file:' + inline]) < 100:
        fail('only %d events: the replay wrote too little to tell' % len(held['file:' + inline]))
    for name, got in held.items():
        if got != held['file:' + inline]:
            fail('%s holds %d events, the -o file %d' % (name, len(got), len(held['file:' + inline])))
        st = json.loads(got[-1])
        if st.get('event_type') != 'stats':
            fail('%s: the last event is %s, not the final stats' % (name, st.get('event_type')))
        typ, dest = name.split(':', 1)
        o = [o for o in st['stats']['outputs'] if o['type'] == typ and o['destination'] == dest]
        if len(o) != 1:
            fail('no stats.outputs entry for %s: %s' % (name, st['stats']['outputs']))
        o = o[0]
        want = len(got) - 1  # every event before the stats event; it does not count itself
        if (o['delivered'], o['events'], o['queued'], o.get('in_flight'), o['dropped']) != (want, want, 0, 0, 0):
            fail('%s: final stats %s, but %d events precede it at the destination' % (name, o, want))
    print('ok final stats: %d events before it; delivered = events = %d for the inline file, the '
          'queued file and TCP syslog (queued 0, in flight 0)' % (want, want))


# ---- relp-down --------------------------------------------------------------

def case_relp_down(sensor, root, tmp):
    """A RELP destination that is down: the replay ends within the flush
    timeout, the queue bound holds, every event is counted lost."""
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    eve, cfg = os.path.join(tmp, 'eve.json'), os.path.join(tmp, 'cfg.yaml')
    with open(cfg, 'w') as f:
        f.write('outputs:\n  - type: relp\n    address: "127.0.0.1:%d"\n    queue: 5\n'
                '    flush_timeout: 500\n' % port)
    start = time.monotonic()
    p = subprocess.run([sensor, '-q', '-c', cfg, '-o', eve, '-r', os.path.join(root, 'pcaps/real')],
                       capture_output=True, timeout=60)
    secs = time.monotonic() - start
    n = len(lines(eve))
    o = output(last_stats([json.loads(l) for l in lines(eve)]), 'relp')[0]
    err = p.stderr.decode()
    want = '%d of %d events could not be written to 127.0.0.1:%d: Connection refused' % (n, n, port)
    if p.returncode != 1 or want not in err:
        fail('exit %d, want 1 and "%s": %s' % (p.returncode, want, err))
    if o['queued'] > 5 or o['delivered'] or o['dropped'] != n - 1 - o['queued'] or o['connected']:
        fail('final stats %s for %d events' % (o, n))
    if secs > 10:
        fail('the replay took %.1f s with the RELP destination down' % secs)
    print('ok relp down: %d events in %.2f s, queued %d, all counted lost' % (n, secs, o['queued']))


# ---- disk-full ------------------------------------------------------------

def fill(path, keep):
    """Fill the filesystem of path with a file, leaving about `keep` bytes."""
    st = os.statvfs(os.path.dirname(path))
    with open(path, 'wb') as f:
        f.write(b'\0' * max(0, st.f_bavail * st.f_frsize - keep))


def case_disk_full(sensor, root, tmp):
    in_netns()
    disk = os.path.join(tmp, 'disk')
    os.mkdir(disk)
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', disk]).returncode != 0:
        skip('cannot mount a tmpfs')
    try:
        disk_full(sensor, tmp, disk)
    finally:
        if os.environ.get('SL_KEEP_TMP'):
            shutil.copy(os.path.join(disk, 'eve.json'), tmp)
        subprocess.run(['umount', '-l', disk])


def disk_full(sensor, tmp, disk):
    eve, filler = os.path.join(disk, 'eve.json'), os.path.join(disk, 'filler')
    fill(filler, 24 << 10)
    p = start_live(sensor, tmp, 'stats:\n  interval: 1\n', ['-o', eve])
    traffic = Traffic(400)
    try:
        wait_for(lambda: full(eve), 20, 'the disk to fill')
        time.sleep(1.5)  # writes keep failing while it is full
        os.unlink(filler)
        t_free = time.time()
        time.sleep(2.5)  # and succeed again once there is room
        traffic.stop()
        time.sleep(1.5)
        rc, err = stop_live(p, tmp)
    finally:
        traffic.stop()
        if p.poll() is None:
            p.kill()
    raw = lines(eve)
    evs = []
    for n, l in enumerate(raw, 1):
        try:
            evs.append(json.loads(l))
        except ValueError:
            fail('line %d of %d is not JSON (%d bytes): %r ... %r' % (n, len(raw), len(l), l[:80], l[-80:]))
    o = output(last_stats(evs), 'file')[0]
    if rc != 0:
        fail('exit %d after SIGTERM: %s' % (rc, err))
    if o['dropped'] == 0:
        fail('nothing was dropped: the disk never filled (%s)' % o)
    if o['delivered'] != len(raw) - 1 or o['events'] != o['delivered'] + o['dropped']:
        fail('the file holds %d events before the final stats; the stats say %s' % (len(raw) - 1, o))
    after = sum(1 for e in evs if stamp(e) > t_free)
    if after < 10:
        fail('only %d events in the file from after space came back' % after)
    print('ok disk full: %d events written, %d in the file (every line JSON), %d counted dropped; '
          '%d events written after space came back' % (o['events'], o['delivered'], o['dropped'], after))


def stamp(ev):
    return datetime.datetime.strptime(ev['timestamp'], '%Y-%m-%dT%H:%M:%S.%f%z').timestamp()


def full(path):
    st = os.statvfs(os.path.dirname(path))
    return st.f_bavail < 2


# ---- rsyslog: TCP syslog and RELP across a receiver restart ---------------

def case_rsyslog(sensor, root, tmp, kind):
    in_netns()
    rs = rsyslog_harness.Rsyslog(os.path.join(tmp, 'rsyslog'), inputs=(kind,))
    rs.start()
    eve = os.path.join(tmp, 'eve.json')
    if kind == 'imtcp':
        out = ('  - type: syslog\n    transport: tcp\n    address: "127.0.0.1:%d"\n    queue: 3000\n'
               % rs.ports[kind])
    else:
        out = '  - type: relp\n    address: "127.0.0.1:%d"\n    queue: 200000\n' % rs.ports[kind]
    cfg = 'outputs:\n%s    flush_timeout: 30000\n  - type: file\n    path: %s\n' % (out, eve)
    p = start_live(sensor, tmp, cfg)
    traffic = Traffic(1500)
    try:
        wait_for(lambda: len(rs.messages()) > 1500, 30, 'events at rsyslog before the restart')
        # A collector too busy to read for a moment, then restarted: what
        # sat in its socket buffers and in ours must not vanish.
        rs.proc.send_signal(signal.SIGSTOP)
        time.sleep(1.0)
        before = len(rs.messages())
        rs.proc.send_signal(signal.SIGTERM)
        rs.proc.send_signal(signal.SIGCONT)
        rs.restart(1.5)
        time.sleep(2.5)
        traffic.stop()
        time.sleep(1.5)
        rc, err = stop_live(p, tmp)
    finally:
        traffic.stop()
        if p.poll() is None:
            p.kill()
        rs.stop()
    return account(rs, eve, rc, err, before, kind)


def account(rs, eve, rc, err, before, kind):
    written = lines(eve)
    got = rs.messages()
    typ = 'syslog' if kind == 'imtcp' else 'relp'
    if rc != 0:
        fail('exit %d after SIGTERM: %s' % (rc, err))
    for g in got:
        try:
            json.loads(g)
        except ValueError:
            fail('rsyslog wrote a line that is not a whole event: %r' % g[:200])
    stats = json.loads(written[-1])['stats']
    o = output(stats, typ)[0]
    unique = set(got)
    stray = unique - set(written)
    if stray:
        fail('%d received events were never written: %r' % (len(stray), next(iter(stray))[:200]))
    missing = len(written) - len(unique)
    dropped = o['dropped']
    dup = len(got) - len(unique)
    print('%s across a receiver restart: written %d, received %d (%d more as duplicates), '
          'dropped %d; resent %d, reconnects %d; %d had arrived before the restart'
          % ('TCP syslog' if kind == 'imtcp' else 'RELP', len(written), len(unique), dup, dropped,
             o.get('resent', 0), o['reconnects'], before))
    if o['reconnects'] < 1:
        fail('the output never reconnected: %s' % o)
    if len(unique) + dropped != len(written):
        fail('received %d + dropped %d != written %d: %d events vanished without being counted'
             % (len(unique), dropped, len(written), missing - dropped))
    if kind == 'imrelp' and dropped:
        fail('RELP dropped %d events' % dropped)
    if o['delivered'] != len(written) - 1 - dropped or o.get('in_flight') or o['queued']:
        fail('final stats %s: delivered should be %d' % (o, len(written) - 1 - dropped))
    return 0


CASES = {
    'final-stats': case_final_stats,
    'relp-down': case_relp_down,
    'disk-full': case_disk_full,
    'rsyslog-tcp': lambda s, r, t: case_rsyslog(s, r, t, 'imtcp'),
    'rsyslog-relp': lambda s, r, t: case_rsyslog(s, r, t, 'imrelp'),
}


def main():
    sensor, root, case = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    tmp = tempfile.mkdtemp(prefix='sl-delivery-')
    try:
        CASES[case](sensor, root, tmp)
    finally:
        if os.environ.get('SL_KEEP_TMP'):  # for a look at what went wrong
            print('kept ' + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
