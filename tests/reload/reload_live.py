#!/usr/bin/env python3
"""SIGHUP reloads never stall capture.  In a network namespace of its own,
sightline captures a steady UDP stream on lo while a reload is held up
for seconds: the new configuration names a roster that is a FIFO nobody
writes yet.  Stats events must keep coming every second with the packet
count rising and no kernel drops; once the roster is written the new set
(one more rule) is swapped in; a second reload stuck the same way must not
delay SIGTERM; and every packet sent is counted at the end.

usage: reload_live.py SIGHTLINE SOURCE_ROOT WORKERS"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
PORT = 9999
RATE = 200  # packets per second

SENDER = r'''
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.bind(('127.0.0.1', %d))  # a listener: no ICMP port-unreachable replies
n, start = 0, time.monotonic()
stop = sys.argv[1]
import os
while not os.path.exists(stop):
    s.sendto(b'x' * 32, ('127.0.0.1', %d))
    n += 1
    time.sleep(max(0, start + n / %d - time.monotonic()))
print(n, flush=True)
''' % (PORT, PORT, RATE)


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def stats(path):
    out = []
    try:
        with open(path, 'rb') as f:
            for line in f:
                if b'"event_type":"stats"' in line and line.endswith(b'\n'):
                    out.append(json.loads(line)['stats'])
    except FileNotFoundError:
        pass
    return out


def wait_for(pred, secs, what):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    fail('timed out waiting for ' + what)


def rule_text():
    return ('title: extra\nid: zz-reload-extra\nlevel: low\nscore: 10\nfamily: x\n'
            'detection:\n  sel:\n    app_proto: rdp\n  condition: sel\n')


class Run:
    def __init__(self, sensor, root, workers, tmp, ns):
        self.tmp, self.ns = tmp, ns
        self.cfg = os.path.join(tmp, 'cfg.yaml')
        self.eve = os.path.join(tmp, 'eve.json')
        self.rules = os.path.join(tmp, 'rules')
        shutil.copytree(os.path.join(root, 'rules', 'sigma'), self.rules,
                        ignore=shutil.ignore_patterns('meson.build'))
        self.n0 = len([f for f in os.listdir(self.rules) if f.endswith(('.yml', '.yaml'))])
        self.write_cfg('')
        self.errf = open(os.path.join(tmp, 'stderr'), 'wb')
        self.p = subprocess.Popen(['ip', 'netns', 'exec', ns, sensor, '-q', '-i', 'lo',
                                   '--allow-root', '--workers', str(workers), '--bpf',
                                   'udp port %d' % PORT, '-c', self.cfg, '-o', self.eve],
                                  stderr=self.errf)

    def write_cfg(self, extra):
        with open(self.cfg, 'w') as f:
            f.write('stats:\n  interval: 1\nrules:\n  path: %s\n%s' % (self.rules, extra))

    def err(self):
        with open(os.path.join(self.tmp, 'stderr')) as f:
            return f.read()

    def loaded(self):
        st = stats(self.eve)
        return st[-1]['rules']['loaded'] if st else None


def held_reload(run, fifo, seconds):
    """SIGHUP with the roster a FIFO: for `seconds` the load waits on it.
    Returns the stats events written meanwhile."""
    os.mkfifo(fifo)
    with open(os.path.join(run.rules, 'zz-extra.yml'), 'w') as f:
        f.write(rule_text())
    run.write_cfg('scoring:\n  roster: %s\n' % fifo)
    before = len(stats(run.eve))
    run.p.send_signal(1)
    time.sleep(seconds)
    return stats(run.eve)[before:]


def check_flowing(during, n0, loaded):
    if len(during) < 3:
        fail('%d stats events in 4 s while a reload was loading: capture was held up'
             % len(during))
    counts = [s['capture']['packets'] for s in during]
    if any(b <= a for a, b in zip(counts, counts[1:])):
        fail('packet count stalled while a reload was loading: %s' % counts)
    drops = [s['capture']['kernel_drops'] for s in during]
    if any(drops):
        fail('kernel drops while a reload was loading: %s' % drops)
    if loaded != n0:
        fail('the new rule pack was swapped in before its roster was read (%s rules)' % loaded)
    return counts


def scenario(sensor, root, workers, tmp, ns):
    stop_file = os.path.join(tmp, 'stop-sender')
    run = Run(sensor, root, workers, tmp, ns)
    sender = None
    try:
        wait_for(lambda: stats(run.eve), 15, 'the first stats event (capture open)')
        sender = subprocess.Popen(['ip', 'netns', 'exec', ns, sys.executable, '-c', SENDER,
                                   stop_file], stdout=subprocess.PIPE)
        wait_for(lambda: stats(run.eve) and stats(run.eve)[-1]['capture']['packets'] > 0, 15,
                 'stats events counting packets')
        fifo = os.path.join(tmp, 'roster.fifo')
        counts = check_flowing(held_reload(run, fifo, 4), run.n0, run.loaded())
        with open(fifo, 'w') as f:  # the held load reads the roster and goes on
            f.write('people:\n  - name: Ana\n    ip: 192.0.2.7\n')
        wait_for(lambda: run.loaded() == run.n0 + 1, 10, 'the reloaded pack in stats')
        os.unlink(fifo)
        during2 = held_reload(run, fifo, 2)  # held again, and never released
        open(stop_file, 'w').close()
        sent = int(sender.communicate(timeout=10)[0])
        time.sleep(1)
        t0 = time.monotonic()
        run.p.terminate()
        rc = run.p.wait(30)
        secs = time.monotonic() - t0
    finally:
        if run.p.poll() is None:
            run.p.kill()
        if sender and sender.poll() is None:
            sender.kill()
    err = run.err()
    final = stats(run.eve)[-1]['capture']
    if rc != 0:
        fail('exit %d after SIGTERM: %s' % (rc, err))
    if secs > 5:
        fail('SIGTERM took %.1f s with a reload loading' % secs)
    if 'still loading when the run ended; not applied' not in err:
        fail('the abandoned reload is not reported: %s' % err)
    if len(during2) < 1:
        fail('no stats event while the second reload was loading')
    if final['packets'] != sent or final['kernel_drops']:
        fail('%d packets sent, %d counted, %d kernel drops' %
             (sent, final['packets'], final['kernel_drops']))
    print('ok reload (%d worker%s): %d stats events, packets %s, no drops while a reload waited '
          '4 s on its roster; %d -> %d rules once read; SIGTERM in %.2f s during a held reload; '
          '%d packets sent, %d counted' % (workers, 's' if workers > 1 else '', len(counts), counts,
                                           run.n0, run.n0 + 1, secs, sent, final['packets']))


def main():
    sensor, root, workers = os.path.abspath(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    if os.geteuid() != 0:
        print('skip: needs root for a network namespace')
        return SKIP
    if not shutil.which('ip'):
        print('skip: needs iproute2 (ip)')
        return SKIP
    ns = 'sl-reload-%d' % os.getpid()
    if subprocess.run(['ip', 'netns', 'add', ns]).returncode != 0:
        print('skip: cannot create a network namespace')
        return SKIP
    tmp = tempfile.mkdtemp()
    try:
        subprocess.run(['ip', '-n', ns, 'link', 'set', 'lo', 'up'], check=True)
        scenario(sensor, root, workers, tmp, ns)
    finally:
        subprocess.run(['ip', 'netns', 'del', ns])
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
