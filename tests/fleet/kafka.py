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
  first half and checkpoint (the kill waits for their periodic stats events to show
  both own partitions and the doomed one checkpointed); one is SIGKILLed; the second
  half is produced, starting with
  the first half's last events again (a sensor's retry); the survivor takes the dead
  one's partitions, restores their subjects and event ids from the state topic, reads
  from the dead one's commits, and ends with the local sensor's subject alerts; the
  resent events are counted as duplicates, none applied twice (every rule's hit count is
  compared).  Both cases run every rule, those that count across subjects included
  (each scorer's reader of every partition).  Where the kill falls (before, during or after the group's first
  rebalance, a commit refused while it runs) differs from run to run: the answer may not.

evict: a scorer with a table of 16 subjects sees 48; the evicted ones' state records are
  deleted (tombstones), so the next owner restores only the 16 it held.

Usage: kafka.py SIGHTLINE MOCKCLUSTER KAFKAPRODUCE {scale|failover|evict}
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


def reduced_pack(tmp, left_out=(), name='rules'):
    """The bundled rules, without those named in left_out."""
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
                failure_text(open(os.path.join(tmp, name + '.err')).read())))


def failure_text(err):
    """What a failed scorer said: a sanitizer's report whole (its first lines name the
    error), else the last lines."""
    at = err.find('==ERROR: ')
    return err[max(0, at - 200):at + 6000] if at >= 0 else err[-600:]


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


def running_stats(path):
    """The scorer's latest periodic stats (scorer.kafka), {} before the first."""
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return {}
    for l in reversed(lines):
        if '"event_type":"stats"' in l:
            try:
                return json.loads(l)['stats']['scorer']['kafka']
            except (ValueError, KeyError):
                return {}
    return {}


def settled(doomed, out_a, out_b, limit=90):
    """Until the group has settled (both scorers own partitions) and the doomed one
    has checkpointed its share twice since: the kill then falls where it is meant to,
    whatever the machine's load (a fixed sleep killed it before it owned anything)."""
    t0, base = time.time(), None
    while time.time() - t0 < limit and doomed.poll() is None:
        ka, kb = running_stats(out_a), running_stats(out_b)
        both = ka.get('partitions', 0) > 0 and kb.get('partitions', 0) > 0
        if both and base is None:
            base = ka.get('checkpoints', 0)
        elif not both:
            base = None
        elif ka.get('checkpoints', 0) >= base + 2:
            return
        time.sleep(0.2)
    sys.exit('the scorers did not settle within %d s (doomed %s, survivor %s)' %
             (limit, running_stats(out_a), running_stats(out_b)))


def failover(exe, mock, tool, tmp):
    pack = reduced_pack(tmp)  # every rule, the cross-subject ones too (see scale)
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
    extra = extra + ['--set', 'stats.interval=1']  # the kill waits on their stats events
    try:
        produce(tool, boot, first)
        a, out_a = scorer(exe, tmp, boot, 'doomed', 0, extra)
        b, out_b = scorer(exe, tmp, boot, 'survivor', 12, extra)
        settled(a, out_a, out_b)
        a.send_signal(signal.SIGKILL)
        a.wait()
        produce(tool, boot, second)
        wait(b, 'survivor', tmp, timeout=180)
    finally:
        cl.terminate()
        cl.wait()
    sb, kb = stats(out_b)
    print('survivor %s' % json.dumps(sb))
    periodic = [e for e in fleet.events([out_b]) if e.get('event_type') == 'stats']
    fleet.check(len(periodic) >= 3 and all('kafka' in e['stats']['scorer'] for e in periodic),
                'the survivor wrote stats events while it ran (stats.interval=1: %d, the last '
                'one final)' % len(periodic))
    doomed_alerts = fleet.subject_alerts([out_a])
    fleet.check(kb.get('restored', 0) > 0, 'the survivor restored subjects from the state '
                'topic (%s)' % kb.get('restored'))
    # Duplicates: the resent events, and events applied after the last commit that
    # succeeded (a commit refused during a rebalance), read again by their next owner
    # and dropped by the ids restored with the state; never more than those.
    dups, ids = sb.get('duplicates', 0), kb.get('replayed_seen', 0)
    fleet.check(RETRIED <= dups <= RETRIED + ids,
                'the %d events resent across the failover are duplicates, dropped (%s; %s ids '
                'restored with the state)' % (RETRIED, dups, ids))
    # The dead scorer's alerts reached the SIEM before it died; the survivor does not
    # raise them again (their levels were restored), so the union is the fleet's answer.
    fleet.same(fleet.subject_alerts([local]), sorted(doomed_alerts + fleet.subject_alerts([out_b])),
               'subject alerts (every rule\'s count included): one local sensor, and a scorer '
               'killed mid-stream + its survivor')
    return sb, kb


def synthetic(first, count):
    """count flow events of count hosts 10.99.0.first.. on the fleet's LAN, 10 s apart
    (each its own subject, keyed by its address as a forwarding sensor keys it)."""
    out = []
    for i in range(first, first + count):
        t = '2026-03-04T%02d:%02d:%02d.000000+0000' % (10 + i // 360, i // 6 % 60, i % 6 * 10)
        ip = '10.99.%d.%d' % (i // 200, 1 + i % 200)
        out.append(json.dumps({
            'host': 'lan', 'event_id': 'evict-%d' % i, 'sensor_time': t, 'timestamp': t,
            'subject_key': ip, 'flow_id': 7000 + i, 'event_type': 'flow', 'src_ip': ip,
            'src_port': 50000, 'dest_ip': '192.0.2.10', 'dest_port': 443, 'proto': 'TCP',
            'flow': {'start': t}}, separators=(',', ':')) + '\n')
    return out


def evict(exe, mock, tool, tmp):
    """A scorer whose table holds 16 subjects sees 48: the 32 it evicts get tombstones
    in the state topic (the first 16 had records from its checkpoints before), so the
    next owner of the partitions restores the 16 it held at its end, not 48."""
    cl, boot = start_cluster(mock, tmp)
    small = ['--set', 'scoring.max_subjects=16', '--set', 'stats.interval=1']
    try:
        produce(tool, boot, synthetic(0, 16))
        a, out_a = scorer(exe, tmp, boot, 'small', 6, small)
        t0 = time.time()  # the first 16 checkpointed: their records are in the state topic
        while running_stats(out_a).get('state_records', 0) < 16 and time.time() - t0 < 60:
            time.sleep(0.2)
        produce(tool, boot, synthetic(16, 32))
        wait(a, 'small', tmp)
        b, out_b = scorer(exe, tmp, boot, 'next', 3)
        wait(b, 'next', tmp)
    finally:
        cl.terminate()
        cl.wait()
    sa, ka = stats(out_a)
    sb, kb = stats(out_b)
    subj_a = [e for e in fleet.events([out_a]) if e.get('event_type') == 'stats'][-1]['stats']['subjects']
    print('small: %s %s\nnext: %s' % (json.dumps(ka), json.dumps(subj_a), json.dumps(kb)))
    fleet.check(subj_a.get('evictions') == 32 and subj_a.get('tracked') == 16,
                'the small table evicted 32 subjects and held 16 (%s, %s)' %
                (subj_a.get('evictions'), subj_a.get('tracked')))
    # (the final stats event is written before the checkpoints of leaving the group,
    # which delete what was evicted since the last periodic one: up to 32)
    fleet.check(16 <= ka.get('tombstones', 0) <= 32, 'tombstones for the evicted subjects '
                '(%s counted by the final stats)' % ka.get('tombstones'))
    fleet.check(kb.get('restored') == 16, 'the next owner restored the 16 subjects held, '
                'none of the evicted (%s)' % kb.get('restored'))


def main():
    exe, mock, tool = (os.path.abspath(a) for a in sys.argv[1:4])
    what = sys.argv[4]
    for prog in (mock, tool):
        if not os.access(prog, os.X_OK):
            print('SKIP: %s is missing (built with librdkafka: tests/fleet/meson.build)' % prog)
            return 77
    if not shutil.which('mergecap'):
        print('SKIP: mergecap (wireshark-common) is needed to build the one-sensor capture')
        return 77
    tmp = tempfile.mkdtemp(prefix='sl-kafka-')
    try:
        if what == 'scale':
            scale(exe, mock, tmp)
        elif what == 'failover':
            failover(exe, mock, tool, tmp)
        elif what == 'evict':
            evict(exe, mock, tool, tmp)
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
