#!/usr/bin/env python3
"""Fleet scoring over Kafka (issue #19, parts 2, 3 and 5), on a librdkafka mock cluster
that runs in a process of its own (mockcluster) so sensors and scorers share it.

scale: three forwarding sensors (fleet.py's: laptop-farm LAN with an IP-KVM, the SSO
  edge, the VPN edge) produce into one topic per site of 6 partitions; two scorers in one
  group split the partitions; the union of their subject and flow alerts equals one local
  sensor's over all the captures with EVERY rule, the two that count across subjects
  included (several subjects behind one residential address, several accounts signed in
  from one address) and the correlation counting subjects (laptops driven remotely on one
  LAN): the roster does not list the farm's home line, so those counts come from what was
  seen, and Alice and Bob, behind that line, are scored by different scorers (checked),
  each knowing the other's facts and hits through its reader of every partition.
failover: the fleet's events in event time, produced in two halves; two scorers take the
  first half and checkpoint; one is SIGKILLed; the second half is produced, starting with
  the first half's last events again (a sensor's retry); the survivor takes the dead
  one's partitions, restores their subjects and event ids from the state topic, reads
  from the dead one's commits, and ends with the local sensor's subject alerts; the
  resent events are counted as duplicates, none applied twice (every rule's hit count is
  compared).

Usage: kafka.py SIGHTLINE MOCKCLUSTER KAFKAPRODUCE {scale|failover|measure}
(exit 77, skipped, without mergecap or when librdkafka has no mock cluster)
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet  # noqa: E402  (the fleet's captures, config, roster and comparisons)

PARTITIONS = 4
# scale: 6 partitions, so the two scorers' range assignment ({0,1,2} and {3,4,5}) puts
# "Alice Smith" (partition 4 by librdkafka's CRC32 of the key) and "Bob Jones" (1) apart
SCALE_PARTITIONS = 6
FARM_LINE = '203.0.113.140'
TOPIC, STATE = 'sightline-events', 'sightline-score-state'
# scale: each sensor produces to its own topic (a site's topic), as live sensors do; the
# scorers merge their partitions in event time.  Replayed one after the other into ONE
# topic, a partition would hold the farm's hour, then the edge's same hour again.
SITE_TOPICS = {name: 'sightline-' + name for name in fleet.SENSORS}
# The two rules that count across subjects (rule ids): shared egress, accounts on one address
CROSS_SUBJECT_IDS = ('8d0433c2-057c-4491-9637-e75824283860', '32240e1e-fc2b-41f7-8957-919ffbd5adbc')
# ... and the correlation without group-by that counts subjects (laptops driven remotely
# on one LAN): each scorer feeds it every partition's forwarded hits
FARM_LAN_CORRELATION = 'f4af4d28-6692-4152-84af-9fcb1c2b3826'
# failover: rules that read state across subjects (who else was seen behind an address, which
# accounts are bound to it): a scorer holds only its partitions' subjects, so these
# need every subject in one scorer (README, "Fleet scoring over Kafka").
CROSS_SUBJECT_RULES = ('farm-shared-egress.yml', 'signin_shared_address.yml')
# a member that stops heartbeating is out of the group after 6 s (librdkafka's default
# is 45 s); checkpoints every second so the kill finds a recent one
FAST = ['--set', 'scoring.input.snapshot_interval=1', '--set',
        'scoring.input.properties=session.timeout.ms=6000,heartbeat.interval.ms=500,'
        'log_level=3']


def start_cluster(mock, tmp, topics=(TOPIC, STATE), partitions=PARTITIONS):
    out = open(os.path.join(tmp, 'mock.out'), 'w+')
    p = subprocess.Popen([mock, '-b', '3', '-p', str(partitions)] + list(topics), stdout=out,
                         stderr=subprocess.STDOUT)
    for _ in range(100):
        out.seek(0)
        line = out.readline().strip()
        if line:
            return p, line
        if p.poll() is not None:
            break
        time.sleep(0.05)
    p.kill()
    print('SKIP: librdkafka could not start a mock cluster: ' + line)
    sys.exit(77)


def sensor_config(tmp, boot, topic):
    """fleet.py's configuration with a Kafka output: what a forwarding sensor runs."""
    path = os.path.join(tmp, topic + '.yaml')
    with open(path, 'w') as f:
        f.write(open(os.path.join(fleet.HERE, 'config.yaml')).read())
        f.write('outputs:\n  - type: kafka\n    brokers: %s\n    topic: %s\n' % (boot, topic))
    return path


def observed_roster(tmp):
    """fleet.py's roster without the farm's home line on Alice's and Bob's entries: who is
    behind it must then be seen (their sign-ins and flows), not read from the roster."""
    path = os.path.join(tmp, 'roster-observed.yaml')
    with open(path, 'w') as f:
        f.writelines(l for l in open(os.path.join(fleet.HERE, 'roster.yaml'))
                     if FARM_LINE not in l)
    return path


def forward(exe, tmp, boot, roster):
    """The three sensors in forwarding mode, producing into the cluster (and to files)."""
    outs = []
    for name, cs in fleet.SENSORS.items():
        cfg = sensor_config(tmp, boot, SITE_TOPICS[name])
        out = os.path.join(tmp, name + '.json')
        ids = [a for log in fleet.IDENTITY.get(name, []) for a in
               ('--identity', os.path.join(fleet.GEN, log))]
        r = fleet.run([exe, '-q', '-c', cfg, '--roster', roster,
                       '--set', 'sensor.name=' + name, '--set', 'scoring.mode=forward', '-o', out]
                      + ids + ['-r'] + [os.path.join(fleet.GEN, c) for c in cs], cwd=fleet.ROOT)
        if r.returncode != 0:
            sys.exit('sensor %s failed: %s' % (name, r.stderr))
        outs.append(out)
    return outs


def reduced_pack(tmp, left_out=CROSS_SUBJECT_RULES, name='rules'):
    """The bundled rules without those that read state across subjects."""
    d = os.path.join(tmp, name)
    os.mkdir(d)
    src = os.path.join(fleet.ROOT, 'rules', 'sigma')
    for f in sorted(os.listdir(src)):
        if f.endswith(('.yml', '.yaml')) and f not in left_out:
            os.symlink(os.path.join(src, f), os.path.join(d, f))
    return d


def local_run(exe, tmp, extra=(), name='local', roster=None):
    caps = [os.path.join(fleet.GEN, c) for cs in fleet.SENSORS.values() for c in cs]
    merged = os.path.join(tmp, 'all.pcap')
    r = fleet.run(['mergecap', '-F', 'pcap', '-w', merged] + caps)
    if r.returncode != 0:
        sys.exit('mergecap: ' + r.stderr)
    local = os.path.join(tmp, name + '.json')
    ids = [a for logs in fleet.IDENTITY.values() for log in logs for a in
           ('--identity', os.path.join(fleet.GEN, log))]
    fleet.sightline(exe, list(extra) + ids + ['-r', merged], local, roster)
    return local


def scorer(exe, tmp, boot, name, idle_exit, extra=(), roster=None):
    out = os.path.join(tmp, name + '.json')
    err = open(os.path.join(tmp, name + '.err'), 'w')
    args = [exe, 'score', '-q', '-c', os.path.join(fleet.HERE, 'config.yaml'),
            '--roster', roster or os.path.join(fleet.HERE, 'roster.yaml'), '-o', out,
            '--set', 'scoring.input.brokers=' + boot,
            '--set', 'scoring.input.idle_exit=%d' % idle_exit] + FAST + list(extra)
    return subprocess.Popen(args, cwd=fleet.ROOT, stdout=err, stderr=subprocess.STDOUT), out


def wait(p, name, tmp, timeout=120):
    try:
        rc = p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = 'timeout'
    fleet.check(rc == 0, '%s exits 0 (%s)%s' % (name, rc, '' if rc == 0 else ': ' +
                open(os.path.join(tmp, name + '.err')).read()[-600:]))


def stats(path):
    """The scorer's counters in its final stats event (the last one)."""
    st = {}
    for e in fleet.events([path]):
        if e.get('event_type') == 'stats' and 'scorer' in e.get('stats', {}):
            st = e['stats']['scorer']
    return st, st.get('kafka', {})


def group(exe, tmp, boot, names, extra, roster=None):
    procs = [scorer(exe, tmp, boot, n, 4, extra, roster) for n in names]
    for (p, _), n in zip(procs, names):
        wait(p, n, tmp)
    return [out for _, out in procs]


def compare(local, fwd, outs, what):
    n = sum(1 for e in fleet.events(fwd) if e.get('event_type') in ('flow', 'alert', 'signin'))
    st = [stats(o) for o in outs]
    for o, (s, k) in zip(outs, st):
        print('%s: %s' % (os.path.basename(o), json.dumps(s)))
    fleet.check(all(k.get('partitions', 0) > 0 for s, k in st),
                '%s: every scorer owned partitions at its end (%s; events read %s)' %
                (what, [k.get('partitions') for _, k in st], [s.get('events') for s, _ in st]))
    fleet.check(sum(s.get('events', 0) for s, _ in st) >= n,
                '%s: together they read every forwarded event (%d of %d)' %
                (what, sum(s.get('events', 0) for s, _ in st), n))
    fleet.check(all(s.get('late') == 0 for s, _ in st), '%s: no event late' % what)
    fleet.same(fleet.subject_alerts([local]), fleet.subject_alerts(outs),
               '%s: subject alerts equal one local sensor\'s' % what)
    fleet.same(fleet.flow_alerts([local]), fleet.flow_alerts(fwd + outs),
               '%s: flow alerts equal one local sensor\'s' % what)


def scored_by(outs, subject):
    """The scorers (by output) that raised alerts of subject."""
    return [os.path.basename(o) for o in outs
            if any((e.get('subject') or {}).get('id') == subject for e in fleet.events([o])
                   if e.get('event_type') == 'alert')]


def scale(exe, mock, tmp):
    roster = observed_roster(tmp)
    local = local_run(exe, tmp, roster=roster)
    topics = list(SITE_TOPICS.values()) + ['state-pair', 'state-solo']
    cl, boot = start_cluster(mock, tmp, topics, SCALE_PARTITIONS)
    sites = ['--set', 'scoring.input.topics=' + ','.join(SITE_TOPICS.values())]
    try:
        fwd = forward(exe, tmp, boot, roster)
        t0 = time.time()
        pair = group(exe, tmp, boot, ['scorer-a', 'scorer-b'], sites + [
            '--set', 'scoring.input.group_id=pair', '--set', 'scoring.input.state_topic=state-pair'],
            roster)
        t1 = time.time()
        solo = group(exe, tmp, boot, ['scorer-solo'], sites + [
            '--set', 'scoring.input.group_id=solo', '--set', 'scoring.input.state_topic=state-solo'],
            roster)
        print('two scorers %.1f s, one scorer %.1f s (group join and 4 s idle exit included)'
              % (t1 - t0, time.time() - t1))
    finally:
        cl.terminate()
        cl.wait()
    for rule in CROSS_SUBJECT_IDS + (FARM_LAN_CORRELATION,):
        # a rule's own alerts, or (a subject-scope correlation) its part in subject alerts
        n = sum(1 for e in fleet.events([local]) if e.get('event_type') == 'alert' and
                (e['alert'].get('rule_id') == rule or
                 any(r.get('id') == rule for r in e['alert'].get('rules', []))))
        fleet.check(n > 0, 'the local sensor raises %s (%d alerts): the scale case counts '
                    'across subjects' % (rule, n))
    by = {who: scored_by(pair, who) for who in ('Alice Smith', 'Bob Jones')}
    fleet.check(len(by['Alice Smith']) == 1 and len(by['Bob Jones']) == 1 and
                by['Alice Smith'] != by['Bob Jones'],
                'the two subjects behind the farm\'s line are scored by different scorers (%s)' % by)
    compare(local, fwd, pair, 'two scorers, every rule')
    compare(local, fwd, solo, 'one scorer over Kafka, every rule')
    fleet.schema_ok(exe, pair + solo)


RETRIED = 8


def halves(tmp, fwd):
    """The fleet's events in one stream in event time (as live sensors produce them), cut
    in two at its middle; the second half starts with the first half's last RETRIED
    events again, as a sensor resends what it had no acknowledgement for."""
    lines = [l for p in fwd for l in open(p) if l.strip()]
    lines.sort(key=lambda l: json.loads(l).get('sensor_time', ''))
    half = len(lines) // 2
    return lines[:half], lines[half - RETRIED:half] + lines[half:]


def produce(tool, boot, lines):
    r = subprocess.run([tool, boot, TOPIC], input=''.join(lines), capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit('kafkaproduce: ' + r.stderr)


def failover(exe, mock, tool, tmp):
    pack = reduced_pack(tmp)  # two scorers: the rules within one subject (see scale)
    extra = ['-R', pack]
    local = local_run(exe, tmp, extra)
    fwd = [os.path.join(tmp, n + '.json') for n in fleet.SENSORS]
    for name, cs in fleet.SENSORS.items():  # forwarding sensors writing files
        ids = [a for log in fleet.IDENTITY.get(name, []) for a in
               ('--identity', os.path.join(fleet.GEN, log))]
        fleet.sightline(exe, ['--set', 'sensor.name=' + name, '--set', 'scoring.mode=forward']
                        + ids + ['-r'] + [os.path.join(fleet.GEN, c) for c in cs],
                        os.path.join(tmp, name + '.json'))
    first, second = halves(tmp, fwd)
    cl, boot = start_cluster(mock, tmp)
    try:
        produce(tool, boot, first)
        a, out_a = scorer(exe, tmp, boot, 'doomed', 0, extra)
        b, out_b = scorer(exe, tmp, boot, 'survivor', 12, extra)
        time.sleep(8)  # both joined, the first half read and checkpointed
        a.send_signal(signal.SIGKILL)
        a.wait()
        produce(tool, boot, second)
        wait(b, 'survivor', tmp, timeout=180)
    finally:
        cl.terminate()
        cl.wait()
    sb, kb = stats(out_b)
    print('survivor %s' % json.dumps(sb))
    doomed_alerts = fleet.subject_alerts([out_a])
    fleet.check(kb.get('restored', 0) > 0, 'the survivor restored subjects from the state '
                'topic (%s)' % kb.get('restored'))
    fleet.check(kb.get('replayed_seen', 0) >= RETRIED and sb.get('duplicates') == RETRIED,
                'the %d events resent across the failover are duplicates, dropped (%s; %s ids '
                'restored with the state)' % (RETRIED, sb.get('duplicates'), kb.get('replayed_seen')))
    # The dead scorer's alerts reached the SIEM before it died; the survivor does not
    # raise them again (their levels were restored), so the union is the fleet's answer.
    fleet.same(fleet.subject_alerts([local]), sorted(doomed_alerts + fleet.subject_alerts([out_b])),
               'subject alerts (every rule\'s count included): one local sensor, and a scorer '
               'killed mid-stream + its survivor')
    return sb, kb


def main():
    exe, mock, tool = (os.path.abspath(a) for a in sys.argv[1:4])
    what = sys.argv[4]
    if not shutil.which('mergecap'):
        print('SKIP: mergecap (wireshark-common) is needed to build the one-sensor capture')
        return 77
    tmp = tempfile.mkdtemp(prefix='sl-kafka-')
    try:
        if what == 'scale':
            scale(exe, mock, tmp)
        elif what == 'failover':
            failover(exe, mock, tool, tmp)
        else:
            sys.exit('unknown case ' + what)
    finally:
        if os.environ.get('SL_KEEP_TMP'):
            print('kept ' + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print('%d failed' % len(fleet.failures))
    return 1 if fleet.failures else 0


if __name__ == '__main__':
    sys.exit(main())
