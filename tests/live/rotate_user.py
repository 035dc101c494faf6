#!/usr/bin/env python3
"""Rotation and the privilege drop, live in a network namespace the test
makes: sightline captures the namespace's loopback as root, switches to
`nobody` and keeps writing while the real logrotate (no copytruncate) moves
its files and sends SIGHUP from postrotate.  Every flow the test sent must
be in the rotated plus new files, once, and every stats event must sit
exactly where its own count of earlier events says (nothing lost, nothing
written twice).

Cases:
  logrotate     the shipped unit's layout: a root-owned LogsDirectory
                ($LOGS_DIRECTORY), an inline (-o) and a queued file output,
                two rotations with logrotate's `create`
  reopen-fails  the user may no longer create the file: the failure is on
                stderr at once and in the next stats event (reopen_errno 13),
                events keep going to the rotated file; after the directory
                is fixed a second SIGHUP switches to the new file
  refuse        a directory the user cannot write, or an output outside
                --chroot: the sensor refuses to start and names the fix
  caps          the running sensor has no capability left, even in its
                bounding set, and no_new_privs set (/proc/PID/status)

usage: rotate_user.py SIGHTLINE SOURCE_ROOT CASE"""
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
NS = 'sl-rot-%d' % os.getpid()
PORT0 = 21000


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def skip(msg):
    print('skip: ' + msg)
    sys.exit(SKIP)


def lines(path):
    if not os.path.exists(path):
        return []
    with open(path, 'rb') as f:
        return [json.loads(l) for l in f.read().split(b'\n') if l]


def wait_for(pred, secs, what):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    fail('timed out waiting for ' + what)


class Sensor:
    """sightline -i lo inside the namespace, as root switching to nobody."""

    def __init__(self, sensor, tmp, args, env=None):
        self.tmp = tmp
        self.errpath = os.path.join(tmp, 'stderr')
        cfg = os.path.join(tmp, 'cfg.yaml')
        self.err = open(self.errpath, 'wb')
        self.p = subprocess.Popen(['ip', 'netns', 'exec', NS, sensor, '-q', '-i', 'lo', '-c', cfg,
                                   '--user', 'nobody', '--set', 'flow.timeouts.udp=1',
                                   '--set', 'rules.enabled=false'] + args,
                                  stderr=self.err, env=env)

    def stderr(self):
        with open(self.errpath) as f:
            return f.read()

    def stop(self):
        self.p.terminate()
        rc = self.p.wait(60)
        self.err.close()
        return rc, self.stderr()

    def exited(self, secs):
        """The exit status of a sensor that must stop by itself (a refusal)."""
        try:
            return self.p.wait(secs)
        except subprocess.TimeoutExpired:
            self.kill()
            fail('still running after %d s: it did not refuse to start' % secs)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def send_udp(ports, rate):
    """Send one datagram to each port on the namespace's loopback, rate a second."""
    code = ('import socket,sys,time\n'
            's=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n'
            'for p in range(%d,%d):\n'
            '    s.sendto(b"sightline rotation test",("127.0.0.1",p))\n'
            '    time.sleep(%f)\n' % (ports[0], ports[-1] + 1, 1.0 / rate))
    return subprocess.Popen(['ip', 'netns', 'exec', NS, sys.executable, '-c', code])


def logrotate(tmp, conf_body):
    conf = os.path.join(tmp, 'logrotate.conf')
    with open(conf, 'w') as f:
        f.write(conf_body)
    p = subprocess.run(['logrotate', '-f', '-s', os.path.join(tmp, 'logrotate.state'), conf],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        fail('logrotate exit %d: %s%s' % (p.returncode, p.stdout, p.stderr))


def rotate_conf(paths, pid, create='create'):
    return ('%s {\n    rotate 5\n    missingok\n    nocompress\n    %s\n    sharedscripts\n'
            '    postrotate\n        kill -HUP %d\n    endscript\n}\n' % (' '.join(paths), create, pid))


def check_stream(name, events, dest, ports):
    """The concatenated files of one output: each flow of ports exactly once,
    and each stats event preceded by exactly as many lines as it counted."""
    udp = [e['dest_port'] for e in events if e.get('event_type') == 'flow' and e.get('proto') == 'UDP'
           and ports[0] <= e.get('dest_port', 0) <= ports[-1]]
    missing = sorted(set(ports) - set(udp))
    if missing or len(udp) != len(set(udp)):
        fail('%s: %d of %d flows, missing %s, twice %s' % (name, len(set(udp)), len(ports), missing[:10],
                                                           sorted(p for p in set(udp) if udp.count(p) > 1)[:10]))
    stats = 0
    for i, e in enumerate(events):
        if e.get('event_type') != 'stats':
            continue
        o = [o for o in e['stats']['outputs'] if o['destination'] == dest]
        if len(o) != 1:
            fail('%s: stats event without output %s' % (name, dest))
        if o[0]['events'] != i or o[0]['dropped'] != 0:
            fail('%s: stats event at line %d says %d earlier events, %d dropped' %
                 (name, i, o[0]['events'], o[0]['dropped']))
        stats += 1
    if stats < 3:
        fail('%s: only %d stats events' % (name, stats))
    return o[0]


def setup(tmp, owner):
    os.chmod(tmp, 0o755)  # nobody must reach the configuration and the log directory
    log = os.path.join(tmp, 'log')
    os.mkdir(log, 0o755)
    if owner is not None:
        os.chown(log, owner, -1)
    with open(os.path.join(tmp, 'cfg.yaml'), 'w') as f:
        f.write('stats:\n  interval: 1\noutputs:\n  - type: file\n    path: %s/queued.json\n'
                '    queue: 1000\n' % log)
    return log


def case_logrotate(sensor, root, tmp, nobody):
    """The shipped unit's layout: LogsDirectory= made by systemd, owned by
    root, named in $LOGS_DIRECTORY; the sensor gives it to its user."""
    log = setup(tmp, None)
    eve, queued = os.path.join(log, 'eve.json'), os.path.join(log, 'queued.json')
    env = dict(os.environ, LOGS_DIRECTORY=log)
    s = Sensor(sensor, tmp, ['-o', eve], env)
    ports = list(range(PORT0, PORT0 + 300))
    try:
        wait_for(lambda: lines(eve) and lines(queued), 10, 'the first stats events')
        tx = send_udp(ports, 100)
        for n in (1, 2):
            time.sleep(1.0)
            logrotate(tmp, rotate_conf([eve, queued], s.p.pid))
            wait_for(lambda: os.path.exists(eve) and lines(eve) and lines(queued), 10,
                     'events in the new files after rotation %d' % n)
        tx.wait(30)
        time.sleep(2.0)  # the last flows time out and are written live
        rc, err = s.stop()
    finally:
        s.kill()
    if rc != 0 or 'reopen' in err:
        fail('exit %d, stderr: %s' % (rc, err))
    for path, dest in ((eve, eve), (queued, queued)):
        files = [path + '.2', path + '.1', path]
        for f in files:
            if not lines(f):
                fail('%s is empty: a rotation lost its events' % f)
        events = [e for f in files for e in lines(f)]
        last = check_stream(path, events, dest, ports)
        if last['reopens'] != 2 or last['reopen_failures'] != 0:
            fail('%s: final stats %s' % (path, last))
        if os.stat(path).st_uid != nobody.pw_uid:
            fail('%s: the new file is not owned by nobody' % path)
    if os.stat(log).st_uid != nobody.pw_uid:
        fail('the LogsDirectory was not given to nobody')
    print('ok logrotate as nobody: 2 rotations of a root-owned LogsDirectory, %d flows each in '
          '%s.{2,1,} and %s.{2,1,}, every stats count in place, reopens 2, failures 0'
          % (len(ports), eve, queued))


def case_reopen_fails(sensor, root, tmp, nobody):
    log = setup(tmp, nobody.pw_uid)
    eve, queued = os.path.join(log, 'eve.json'), os.path.join(log, 'queued.json')
    s = Sensor(sensor, tmp, ['-o', eve])
    ports = list(range(PORT0, PORT0 + 200))
    try:
        wait_for(lambda: lines(eve) and lines(queued), 10, 'the first stats events')
        tx = send_udp(ports, 100)
        time.sleep(0.5)
        os.chown(log, 0, -1)  # nobody may no longer create files there
        t0 = time.monotonic()
        logrotate(tmp, rotate_conf([eve, queued], s.p.pid, 'nocreate'))
        wait_for(lambda: s.stderr().count('cannot reopen after SIGHUP as user nobody: Permission denied') == 2,
                 3, 'the reopen failures on stderr')
        said = time.monotonic() - t0
        wait_for(lambda: any(o.get('reopen_errno') == 13 for e in lines(eve + '.1') if e['event_type'] == 'stats'
                             for o in e['stats']['outputs']), 5, 'reopen_errno 13 in a stats event')
        if os.path.exists(eve) or os.path.exists(queued):
            fail('a new file appeared although nobody may not create it')
        os.chown(log, nobody.pw_uid, -1)
        time.sleep(1.0)
        s.p.send_signal(1)
        wait_for(lambda: lines(eve) and lines(queued), 10, 'events in the new files after the fix')
        tx.wait(30)
        time.sleep(2.0)
        rc, err = s.stop()
    finally:
        s.kill()
    if rc != 0:
        fail('exit %d: %s' % (rc, err))
    for path in (eve, queued):
        if ('%s: cannot reopen after SIGHUP as user nobody: Permission denied; events keep going to the file '
                'opened before (now %s.1)' % (path, path)) not in err:
            fail('message for %s: %s' % (path, err))
        if '%s: reopened; events go to the new file again' % path not in err:
            fail('no note of the successful reopen of %s: %s' % (path, err))
        old = lines(path + '.1')
        failed = [o for e in old if e['event_type'] == 'stats' for o in e['stats']['outputs']
                  if o['destination'] == path and o['reopen_failures'] == 1 and o['reopen_errno'] == 13]
        if not failed:
            fail('%s.1: no stats event with reopen_failures 1 and reopen_errno 13' % path)
        last = check_stream(path, old + lines(path), path, ports)
        if last['reopens'] != 1 or last['reopen_failures'] != 1 or last['reopen_errno'] != 0:
            fail('%s: final stats %s' % (path, last))
    print('ok reopen refused (EACCES): said on stderr %.2f s after logrotate started, reopen_errno 13 in the next stats '
          'event, events kept going to the rotated files; after the fix SIGHUP reopened; %d flows '
          'each, none lost' % (said, len(ports)))


def case_refuse(sensor, root, tmp, nobody):
    log = setup(tmp, None)
    eve, queued = os.path.join(log, 'eve.json'), os.path.join(log, 'queued.json')
    s = Sensor(sensor, tmp, ['-o', eve])
    rc, err = s.exited(10), s.stderr()
    want = ('%s: after the switch to user nobody this output could not be reopened on SIGHUP once '
            'logrotate moved it: nobody cannot create files in %s (Permission denied); give it the '
            'directory (chown nobody %s)' % (queued, log, log))
    if rc != 2 or want not in err:
        fail('root-owned directory: exit %d, stderr: %s' % (rc, err))
    jail = os.path.join(tmp, 'jail')
    os.mkdir(jail)
    os.environ['ASAN_OPTIONS'] = os.environ.get('ASAN_OPTIONS', '') + ':detect_leaks=0'
    s = Sensor(sensor, tmp, ['-o', eve, '--chroot', jail])
    rc, err = s.exited(10), s.stderr()
    if rc != 2 or '%s: outside the --chroot %s' % (queued, jail) not in err:
        fail('output outside the chroot: exit %d, stderr: %s' % (rc, err))
    print('ok refused to start (exit 2): a directory nobody cannot write, an output outside --chroot')


def status(pid):
    out = {}
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            k, _, v = line.partition(':')
            out[k] = v.split()
    return out


def case_caps(sensor, root, tmp, nobody):
    log = setup(tmp, nobody.pw_uid)
    eve = os.path.join(log, 'eve.json')
    s = Sensor(sensor, tmp, ['-o', eve])
    try:
        wait_for(lambda: lines(eve), 10, 'a stats event after the drop')
        st = status(s.p.pid)
        rc, err = s.stop()
    finally:
        s.kill()
    if rc != 0:
        fail('exit %d: %s' % (rc, err))
    want = {'Uid': [str(nobody.pw_uid)] * 4, 'CapInh': ['0000000000000000'],
            'CapPrm': ['0000000000000000'], 'CapEff': ['0000000000000000'],
            'CapBnd': ['0000000000000000'], 'CapAmb': ['0000000000000000'], 'NoNewPrivs': ['1']}
    bad = {k: st.get(k) for k, v in want.items() if st.get(k) != v}
    if bad:
        fail('running sensor: %s (want %s)' % (bad, {k: want[k] for k in bad}))
    print('ok caps: running as uid %s with every capability set empty (bounding set too) and '
          'NoNewPrivs 1' % nobody.pw_uid)


CASES = {'logrotate': case_logrotate, 'reopen-fails': case_reopen_fails, 'refuse': case_refuse,
         'caps': case_caps}


def main():
    sensor, root, case = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    if os.geteuid() != 0:
        skip('needs root for network namespaces and the switch to nobody')
    if case in ('logrotate', 'reopen-fails') and not shutil.which('logrotate'):
        skip('needs logrotate (Debian package logrotate)')
    if not shutil.which('ip'):
        skip('needs iproute2')
    try:
        nobody = pwd.getpwnam('nobody')
    except KeyError:
        skip('no user nobody')
    if subprocess.run(['ip', 'netns', 'add', NS], capture_output=True).returncode != 0:
        skip('cannot create a network namespace')
    tmp = tempfile.mkdtemp()
    try:
        subprocess.run(['ip', '-n', NS, 'link', 'set', 'lo', 'up'], check=True)
        CASES[case](sensor, root, tmp, nobody)
    finally:
        subprocess.run(['ip', 'netns', 'del', NS], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
