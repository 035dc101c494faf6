#!/usr/bin/env python3
"""The privilege drop, live in a network namespace the test makes:
sightline captures the namespace's loopback as root and switches to
`nobody`.

Cases:
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

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


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


CASES = {'caps': case_caps}


def main():
    sensor, root, case = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    if os.geteuid() != 0:
        skip('needs root for network namespaces and the switch to nobody')
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
