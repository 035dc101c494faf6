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
        try:  # wakes the accept() of the other thread; close alone would not stop listening
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
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


# ---- live cases: root, capturing on the loopback interface with a filter
# that matches nothing, so only the periodic stats events are written.
NOTHING = 'ip proto 253'


def need_root():
    if os.geteuid() != 0:
        print('skip: live capture needs root')
        sys.exit(SKIP)


def start_live(sensor, args, cfg, tmp):
    path = os.path.join(tmp, 'cfg.yaml')
    with open(path, 'w') as f:
        f.write(cfg)
    err = open(os.path.join(tmp, 'stderr'), 'wb')
    return subprocess.Popen([sensor, '-q', '-i', 'lo', '--bpf', NOTHING, '-c', path] + args,
                            stderr=err)


def wait_for(pred, secs, what):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    fail('timed out waiting for ' + what)


def stop(p, tmp):
    p.terminate()
    rc = p.wait(30)
    with open(os.path.join(tmp, 'stderr')) as f:
        return rc, f.read()


def case_outage_live(sensor, root, tmp):
    """A TCP syslog listener that stops and comes back: the sensor keeps
    capturing (stats events keep reaching the file every second), holds 3
    events, counts the rest as dropped, reconnects and delivers again."""
    need_root()
    l1 = TcpListener()
    port = l1.port
    out = os.path.join(tmp, 'eve.json')
    cfg = ('stats:\n  interval: 1\n' + syslog_cfg('tcp', '127.0.0.1:%d' % port,
           '    queue: 3\n    flush_timeout: 2000\n') + '  - type: file\n    path: %s\n' % out)
    p = start_live(sensor, ['--allow-root'], cfg, tmp)
    try:
        wait_for(lambda: len(l1.frames()) >= 2, 10, 'the first syslog frames')
        before = len(l1.frames())
        l1.stop()
        t_down = time.time()
        time.sleep(6)
        during = [e for e in stats_events(out) if 'timestamp' in e]
        l2 = TcpListener(port)
        wait_for(lambda: len(l2.frames()) >= 5, 15, 'delivery after the listener came back')
        rc, err = stop(p, tmp)
    finally:
        if p.poll() is None:
            p.kill()
    after = [json.loads(RFC5424.match(f).group(7)) for f in l2.frames()]
    if rc != 0:
        fail('exit %d after SIGTERM: %s' % (rc, err))
    if len(during) < 7:
        fail('only %d stats events reached the file: capture was held up' % len(during))
    last = [o for o in stats_events(out)[-1]['stats']['outputs'] if o['type'] == 'syslog'][0]
    if last['dropped'] < 1 or last['reconnects'] < 1:
        fail('final stats: %s' % last)
    seen = [o for e in after for o in e['stats']['outputs'] if o['type'] == 'syslog']
    if not any(o['reconnects'] >= 1 and o['connected'] for o in seen):
        fail('no event written after the reconnect arrived: %s' % seen)
    queued_max = max(o['queued'] for e in stats_events(out) for o in e['stats']['outputs']
                     if o['type'] == 'syslog')
    if queued_max > 3:
        fail('queue held %d events, bound 3' % queued_max)
    print('ok outage (live TCP syslog): %d frames before, listener down 6 s while %d stats events '
          'reached the file; queued at most %d, dropped %d, reconnects %d, %d frames after the '
          'restart' % (before, len(during), queued_max, last['dropped'], last['reconnects'], len(after)))


def case_sighup(sensor, root, tmp):
    """logrotate: rename the files, SIGHUP, new events land in new files;
    a broken configuration file at reload is refused with the reason."""
    need_root()
    a, b = os.path.join(tmp, 'a.json'), os.path.join(tmp, 'b.json')
    cfg = 'stats:\n  interval: 1\noutputs:\n  - type: file\n    path: %s\n' % b
    p = start_live(sensor, ['--allow-root', '-o', a], cfg, tmp)
    try:
        wait_for(lambda: os.path.exists(a) and stats_events(a) and os.path.exists(b) and stats_events(b),
                 10, 'stats events in both files')
        os.rename(a, a + '.1')
        os.rename(b, b + '.1')
        with open(os.path.join(tmp, 'cfg.yaml'), 'a') as f:
            f.write('flow:\n  max_flow: 3\n')
        p.send_signal(1)
        wait_for(lambda: os.path.exists(a) and stats_events(a) and os.path.exists(b) and stats_events(b),
                 10, 'stats events in the reopened files')
        rc, err = stop(p, tmp)
    finally:
        if p.poll() is None:
            p.kill()
    if rc != 0:
        fail('exit %d: %s' % (rc, err))
    if 'reload:' not in err or 'keeping the running configuration' not in err or 'max_flow' not in err:
        fail('no refused reload on stderr: %s' % err)
    print('ok SIGHUP: -o file (inline) and outputs: file (queued) reopened, %d and %d events in '
          'the new files; broken config refused at reload' % (len(lines(a)), len(lines(b))))


def proc_ids(pid):
    ids = {}
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            k, _, v = line.partition(':')
            if k in ('Uid', 'Gid', 'Groups'):
                ids[k] = v.split()
    return ids


def case_privileges(sensor, root, tmp):
    need_root()
    import pwd
    try:
        nobody = pwd.getpwnam('nobody')
    except KeyError:
        print('skip: no user nobody')
        sys.exit(SKIP)
    p = subprocess.run([sensor, '-q', '-i', 'lo', '--bpf', NOTHING, '-o', os.devnull],
                       capture_output=True, timeout=10)
    err = p.stderr.decode()
    if p.returncode != 2 or 'refusing to capture live as root' not in err or '--user' not in err:
        fail('live as root without --user: exit %d, %s' % (p.returncode, err))
    jail = os.path.join(tmp, 'jail')
    os.mkdir(jail)
    # The output lives inside the chroot, in a directory nobody may write:
    # only there can it be reopened after the drop (SIGHUP, logrotate).
    os.mkdir(os.path.join(jail, 'log'))
    os.chown(os.path.join(jail, 'log'), nobody.pw_uid, -1)
    # Under ASan, LeakSanitizer reads /proc at exit, which the chroot hides.
    opts = os.environ.get('ASAN_OPTIONS')
    os.environ['ASAN_OPTIONS'] = (opts + ':' if opts else '') + 'detect_leaks=0'
    out = os.path.join(jail, 'log', 'eve.json')
    s = start_live(sensor, ['--user', 'nobody', '--chroot', jail, '-o', out], 'stats:\n  interval: 1\n', tmp)
    try:
        wait_for(lambda: os.path.exists(out) and stats_events(out), 10, 'a stats event after the drop')
        ids = proc_ids(s.pid)
        root_dir = os.readlink('/proc/%d/root' % s.pid)
        rc, err = stop(s, tmp)
    finally:
        if s.poll() is None:
            s.kill()
    want_u, want_g = str(nobody.pw_uid), str(nobody.pw_gid)
    if ids['Uid'] != [want_u] * 4 or ids['Gid'] != [want_g] * 4:
        fail('running as Uid %s Gid %s, want %s/%s' % (ids['Uid'], ids['Gid'], want_u, want_g))
    if any(g == '0' for g in ids['Groups']):
        fail('still in group root: %s' % ids['Groups'])
    if root_dir != jail:
        fail('root directory %s, want %s' % (root_dir, jail))
    if rc != 0:
        fail('exit %d after SIGTERM: %s' % (rc, err))
    print('ok privileges: refused as root without --user (exit 2); running as uid %s gid %s '
          'groups %s in chroot %s' % (want_u, want_g, ids['Groups'], root_dir))


def case_reload_rules(sensor, root, tmp):
    """SIGHUP reloads the rule pack: a broken rule is refused with its
    FILE:LINE:COL and the running pack stays; a good one is swapped in
    (stats.rules.loaded changes) without restarting."""
    need_root()
    rules = os.path.join(tmp, 'rules')
    shutil.copytree(os.path.join(root, 'rules', 'sigma'), rules,
                    ignore=shutil.ignore_patterns('meson.build'))
    n0 = len([f for f in os.listdir(rules) if f.endswith(('.yml', '.yaml'))])
    a = os.path.join(tmp, 'a.json')
    cfg = 'stats:\n  interval: 1\nrules:\n  path: %s\n' % rules
    p = start_live(sensor, ['--allow-root', '-o', a], cfg, tmp)

    def loaded():
        ev = stats_events(a)
        return ev[-1]['stats']['rules']['loaded'] if ev else None
    try:
        wait_for(lambda: os.path.exists(a) and loaded() == n0, 10, 'stats with %d rules' % n0)
        bad = os.path.join(rules, 'zz-bad.yml')
        with open(bad, 'w') as f:
            f.write('title: broken\nid: zz-bad\nlevel: low\nscore: 10\nfamily: x\n'
                    'detection:\n  sel:\n    app_protocol: rdp\n  condition: sel\n')
        p.send_signal(1)
        time.sleep(2.5)
        if loaded() != n0:
            fail('a broken pack replaced the running one')
        os.unlink(bad)
        with open(os.path.join(rules, 'zz-good.yml'), 'w') as f:
            f.write('title: extra\nid: zz-good\nlevel: low\nscore: 10\nfamily: x\n'
                    'detection:\n  sel:\n    app_proto: rdp\n  condition: sel\n'
                    'tests:\n  match: [{app_proto: rdp}]\n  nomatch: [{app_proto: ssh}]\n')
        p.send_signal(1)
        wait_for(lambda: loaded() == n0 + 1, 10, 'stats with %d rules' % (n0 + 1))
        # Keys a reload does not apply are named, not silently ignored; a
        # reloaded key (the rules' path) is not among them.
        shutil.move(rules, rules + '2')
        with open(os.path.join(tmp, 'cfg.yaml'), 'w') as f:
            f.write(cfg.replace('interval: 1', 'interval: 2').replace(rules, rules + '2') +
                    'flow:\n  timeouts:\n    udp: 45\n')
        p.send_signal(1)
        restart = r'reload: settings changed but apply only at a restart \(the running values ' \
                  r'stay\): (.*)\n'
        wait_for(lambda: re.search(restart, open(os.path.join(tmp, 'stderr')).read()), 10,
                 'the reload naming the keys it does not apply')
        keys = re.search(restart, open(os.path.join(tmp, 'stderr')).read()).group(1)
        if keys != 'flow.timeouts.udp, stats.interval':
            fail('keys needing a restart: %r, want flow.timeouts.udp, stats.interval' % keys)
        rc, err = stop(p, tmp)
    finally:
        if p.poll() is None:
            p.kill()
    if rc != 0:
        fail('exit %d: %s' % (rc, err))
    if not re.search(r'reload: .*zz-bad\.yml:8:5: .*app_protocol.*keeping the running', err):
        fail('the refused reload does not name FILE:LINE:COL: %s' % err)
    print('ok reload: broken rule refused with its position, %d -> %d rules without a restart'
          % (n0, n0 + 1))


CASES.update({'outage-live': case_outage_live, 'sighup': case_sighup, 'privileges': case_privileges,
              'reload-rules': case_reload_rules})


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
