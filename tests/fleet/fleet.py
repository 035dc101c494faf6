#!/usr/bin/env python3
"""The fleet gives the answer one sensor gives (issue #19, parts 1, 2 and 4).

Three sensors in forwarding mode (scoring.mode: forward) each replay a share of the
captures of the laptop-farm and us-vpn-exit scenarios and a host-side capture (an
IP-KVM on the farm's LAN); `sightline score -r` over their event files must raise the
subject alerts (subject, signature_id, level, score, every contributing rule with its
score, count and facts) and, with the sensors' own, the flow alerts of ONE local sensor
that saw every packet (the captures merged in time order by mergecap). Then: the same
events fed twice give the same alerts and count every repeat as a duplicate; events
shuffled within the reorder window give the same alerts; an event older than the window
is counted late; a line that is no event stops the run naming its file and line.

Usage: fleet.py SIGHTLINE  (exit 77, skipped, without mergecap)
"""
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(ROOT, 'tests', 'fleet')
GEN = os.path.join(ROOT, 'pcaps', 'gen-out')
SENSORS = {  # name -> its captures
    'farm-lan': ['laptop-farm.pcap', 'ipkvm.pcap'],
    'edge-sso': ['laptop-farm-edge.pcap'],
    'edge-vpn': ['us-vpn-exit.pcap'],
}
IDENTITY = {  # name -> the sign-in logs it reads (identity.sources)
    'edge-sso': ['laptop-farm-edge.entra.json'],
    'edge-vpn': ['us-vpn-exit.okta.jsonl'],
}
SUBJECT_SIDS = range(9000000, 9001000)
failures = []


def check(ok, what):
    print(('ok   ' if ok else 'FAIL ') + what)
    if not ok:
        failures.append(what)


def run(args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    return r


def sightline(exe, args, out, roster=None):
    base = [exe, '-q', '-c', os.path.join(HERE, 'config.yaml'),
            '--roster', roster or os.path.join(HERE, 'roster.yaml'), '-o', out]
    r = run(base + args, cwd=ROOT)
    if r.returncode != 0:
        sys.exit('sightline %s failed (%d): %s' % (' '.join(args), r.returncode, r.stderr))


def score(exe, inputs, out, extra=()):
    args = [exe, 'score', '-q', '-c', os.path.join(HERE, 'config.yaml'),
            '--roster', os.path.join(HERE, 'roster.yaml'), '-o', out] + list(extra)
    return run(args + ['-r'] + inputs, cwd=ROOT)


def events(paths):
    for p in paths:
        with open(p) as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def subject_alerts(paths):
    out = []
    for e in events(paths):
        a = e.get('alert')
        if e.get('event_type') != 'alert' or a['signature_id'] not in SUBJECT_SIDS:
            continue
        rules = sorted((json.dumps({k: r.get(k) for k in ('signature_id', 'score', 'count', 'facts')},
                                   sort_keys=True) for r in a['rules']))
        out.append(json.dumps({'subject': e['subject']['id'], 'sid': a['signature_id'],
                               'level': a['level'], 'score': a['score'], 'rules': rules},
                              sort_keys=True))
    return sorted(out)


def flow_alerts(paths):
    """Alerts of rules on flows and sign-ins: which event, which rule, what held."""
    out = []
    for e in events(paths):
        a = e.get('alert')
        if e.get('event_type') != 'alert' or a['signature_id'] in SUBJECT_SIDS:
            continue
        if a.get('scope') not in ('flow', 'signin'):
            continue
        which = e.get('community_id') or '%s %s %s' % (e['timestamp'], e.get('src_ip'),
                                                      e.get('signin', {}).get('account'))
        out.append(json.dumps({'event': which, 'sid': a['signature_id'],
                               'matched': a.get('matched')}, sort_keys=True))
    return sorted(out)


def scorer_stats(path):
    for e in events([path]):
        if e.get('event_type') == 'stats' and 'scorer' in e.get('stats', {}):
            return e['stats']['scorer']
    return {}


def same(a, b, what):
    check(a == b and len(a) > 0, '%s: %d and %d alerts%s' % (
        what, len(a), len(b), '' if a == b else ' differ'))
    if a != b:
        for x in sorted(set(a) - set(b)):
            print('   only in the first: ' + x[:400])
        for x in sorted(set(b) - set(a)):
            print('   only in the second: ' + x[:400])


def shuffled(src, dst, window_s, seed):
    """src's moments (its lines of one sensor_time, kept in their order: events that
    tie in time) reordered at random, none moved across more than window_s seconds."""
    lines = [l for l in open(src) if l.strip()]
    rnd = random.Random(seed)
    draw = {}
    keyed = []
    for i, l in enumerate(lines):
        e = json.loads(l)
        t = e.get('sensor_time') or e['timestamp']
        if t not in draw:
            draw[t] = rnd.random()
        at = datetime.datetime.strptime(t, '%Y-%m-%dT%H:%M:%S.%f%z').timestamp()
        keyed.append((at + draw[t] * window_s, i, l))
    keyed.sort(key=lambda k: k[:2])
    moved = sum(1 for j, k in enumerate(keyed) if k[1] != j)
    with open(dst, 'w') as f:
        f.writelines(k[2] for k in keyed)
    return moved


def main():
    exe = os.path.abspath(sys.argv[1])
    if not shutil.which('mergecap'):
        print('SKIP: mergecap (wireshark-common) is needed to build the one-sensor capture')
        return 77
    tmp = tempfile.mkdtemp(prefix='sl-fleet-')
    try:
        return scenario(exe, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def scenario(exe, tmp):
    caps = [os.path.join(GEN, c) for cs in SENSORS.values() for c in cs]
    merged = os.path.join(tmp, 'all.pcap')
    r = run(['mergecap', '-F', 'pcap', '-w', merged] + caps)
    if r.returncode != 0:
        sys.exit('mergecap: ' + r.stderr)
    local = os.path.join(tmp, 'local.json')
    ids = lambda logs: [a for log in logs for a in ('--identity', os.path.join(GEN, log))]
    sightline(exe, ids(sum(IDENTITY.values(), [])) + ['-r', merged], local)
    fwd = []
    for name, cs in SENSORS.items():
        out = os.path.join(tmp, name + '.json')
        sightline(exe, ['--set', 'sensor.name=' + name, '--set', 'scoring.mode=forward'] +
                  ids(IDENTITY.get(name, [])) + ['-r'] + [os.path.join(GEN, c) for c in cs], out)
        fwd.append(out)
    fleet_ok(exe, tmp, local, fwd)
    scorer_signins(exe, tmp, local)
    split_signins(exe, tmp)
    schema_ok(exe, fwd + [os.path.join(tmp, 'scored.json')])
    duplicates(exe, tmp, local, fwd)
    reordered(exe, tmp, local, fwd)
    late(exe, tmp, fwd)
    bad_input(exe, tmp, fwd)
    print('%d failed' % len(failures))
    return 1 if failures else 0


def fleet_ok(exe, tmp, local, fwd):
    fe = list(events(fwd))
    check(fe and all(e.get('event_id') and e.get('sensor_time') and e.get('subject_key')
                     for e in fe if e['event_type'] in ('flow', 'alert', 'signin')),
          'every forwarded flow, alert and signin event carries event_id, sensor_time, subject_key')
    check(any(e['event_type'] == 'signin' for e in fe), 'the edge sensors forward sign-ins')
    ids = [e['event_id'] for e in fe if 'event_id' in e]
    check(len(ids) == len(set(ids)), 'event ids are unique (%d)' % len(ids))
    check(not any(e['event_type'] == 'subject' or (e['event_type'] == 'alert' and
                  e['alert']['signature_id'] in SUBJECT_SIDS) for e in fe),
          'forwarding sensors write no subject alerts or summaries')
    scored = os.path.join(tmp, 'scored.json')
    r = score(exe, fwd, scored)
    check(r.returncode == 0, 'sightline score exits 0 (%s)' % r.stderr.strip()[:200])
    same(subject_alerts([local]), subject_alerts([scored]),
         'subject alerts: one local sensor, and three forwarding sensors + sightline score')
    same(flow_alerts([local]), flow_alerts(fwd + [scored]),
         'flow and sign-in alerts: one local sensor, and the forwarding sensors + sightline score')


def scorer_signins(exe, tmp, local):
    """The sign-in logs read by the scorer instead of the edge sensors."""
    fwd = []
    for name, cs in SENSORS.items():
        out = os.path.join(tmp, 'noid-' + name + '.json')
        sightline(exe, ['--set', 'sensor.name=' + name, '--set', 'scoring.mode=forward', '-r'] +
                  [os.path.join(GEN, c) for c in cs], out)
        fwd.append(out)
    out = os.path.join(tmp, 'scored-id.json')
    logs = [a for log in sum(IDENTITY.values(), []) for a in ('--identity', os.path.join(GEN, log))]
    r = score(exe, fwd, out, logs)
    check(r.returncode == 0 and any(e['event_type'] == 'signin' for e in events([out])),
          'sightline score --identity writes the sign-ins it reads (%s)' % r.stderr.strip()[:200])
    same(subject_alerts([local]), subject_alerts([out]),
         'subject alerts with the sign-in logs read by the scorer')
    same(flow_alerts([local]), flow_alerts(fwd + [out]),
         'flow and sign-in alerts with the sign-in logs read by the scorer')


def split_signins(exe, tmp):
    """Sign-ins of one address read by two sensors (Alice's by one, Bob's by another, as
    two regions' collectors of one IdP): the scorer counts the accounts bound to the
    address over every forwarded sign-in, as one sensor reading both logs does."""
    log = json.load(open(os.path.join(GEN, 'laptop-farm-edge.entra.json')))
    empty = os.path.join(tmp, 'empty.pcap')
    with open(empty, 'wb') as f:  # a capture with no packet: these sensors read logs only
        f.write(bytes.fromhex('d4c3b2a1020004000000000000000000ffff000001000000'))
    logs, fwd = [], []
    for who in ('Alice Smith', 'Bob Jones'):
        name = who.split()[0].lower()
        path = os.path.join(tmp, name + '.entra.json')
        with open(path, 'w') as f:
            json.dump(dict(log, value=[v for v in log['value'] if v['userDisplayName'] == who]), f)
        logs.append(path)
        out = os.path.join(tmp, 'idp-' + name + '.json')
        sightline(exe, ['--set', 'sensor.name=idp-' + name, '--set', 'scoring.mode=forward',
                        '--identity', path, '-r', empty], out)
        fwd.append(out)
    local = os.path.join(tmp, 'split-local.json')
    sightline(exe, ['--identity', logs[0], '--identity', logs[1], '-r', empty], local)
    out = os.path.join(tmp, 'split-scored.json')
    r = score(exe, fwd, out)
    check(r.returncode == 0, 'sightline score over two sensors\' sign-ins exits 0 (%s)' %
          r.stderr.strip()[:200])
    shared = [a for a in subject_alerts([local]) if '1931785575' in a]
    check(len(shared) > 0, 'one sensor reading both logs raises accounts on one address (%d)'
          % len(shared))
    same(subject_alerts([local]), subject_alerts([out]),
         'subject alerts: sign-ins of one address split over two sensors, and one sensor')
    same(flow_alerts([local]), flow_alerts(fwd + [out]),
         'sign-in alerts: sign-ins of one address split over two sensors, and one sensor')


def schema_ok(exe, paths):
    """Forwarded events and the scorer's match the declared schema (sightline --schema)."""
    try:
        import jsonschema
    except ImportError:
        print('note: python3-jsonschema missing, events not checked against --schema')
        return
    schema = json.loads(run([exe, '--schema']).stdout)
    v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    bad = []
    for e in events(paths):
        errs = list(v.iter_errors(e))
        if errs:
            bad.append('%s %s: %s' % (e.get('event_type'), e.get('alert', {}).get('scope', ''),
                                      errs[0].message[:200]))
    check(not bad, 'every forwarded and scored event matches --schema%s' % (
        '' if not bad else ': ' + '; '.join(bad[:3])))


def duplicates(exe, tmp, local, fwd):
    out = os.path.join(tmp, 'dup.json')
    r = score(exe, fwd + fwd, out)
    n = sum(1 for e in events(fwd) if 'event_id' in e)
    st = scorer_stats(out)
    check(r.returncode == 0 and st.get('duplicates') == n,
          'every event fed twice is a duplicate (%s of %d)' % (st.get('duplicates'), n))
    same(subject_alerts([local]), subject_alerts([out]), 'subject alerts with every event twice')


def reordered(exe, tmp, local, fwd):
    """The fleet's events in one stream (as a SIEM exports them), shuffled."""
    one = os.path.join(tmp, 'fleet.json')
    lines = [l for p in fwd for l in open(p) if l.strip()]
    with open(one, 'w') as f:
        f.writelines(sorted(lines, key=lambda l: json.loads(l).get('sensor_time', '')))
    shuf = [os.path.join(tmp, 'shuf.json')]
    moved = shuffled(one, shuf[0], 4, seed=19)
    check(moved > 0, 'the shuffle moved %d events' % moved)
    out = os.path.join(tmp, 'shuf-scored.json')
    r = score(exe, shuf, out)
    st = scorer_stats(out)
    check(r.returncode == 0 and st.get('late') == 0, 'shuffled within 4 s (the window is 5 s): nothing late (%s)'
          % st.get('late'))
    same(subject_alerts([local]), subject_alerts([out]),
         'subject alerts with the fleet\'s events in one stream shuffled within the window')


def late(exe, tmp, fwd):
    lines = [l for l in open(fwd[0]) if l.strip()]
    first = json.loads(lines[0])
    first['event_id'] = 'late-' + first['event_id']
    src = os.path.join(tmp, 'late-in.json')
    with open(src, 'w') as f:
        f.writelines(lines)
        f.write(json.dumps(first) + '\n')
    out = os.path.join(tmp, 'late.json')
    r = score(exe, [src], out)
    st = scorer_stats(out)
    check(r.returncode == 0 and st.get('late') == 1,
          'an event older than the reorder window is counted late (%s)' % st.get('late'))


def bad_input(exe, tmp, fwd):
    src = os.path.join(tmp, 'bad.json')
    lines = [l for l in open(fwd[0]) if l.strip()]
    with open(src, 'w') as f:
        f.writelines(lines[:2])
        f.write('this is not an event\n')
    r = score(exe, [src], os.path.join(tmp, 'bad-out.json'))
    check(r.returncode == 1 and 'line 3 of ' + src in r.stderr,
          'a line that is no event: exit 1 and "line 3 of FILE" (%s)' % r.stderr.strip()[:200])
    r = score(exe, [fwd[0]], fwd[0])
    check(r.returncode == 2 and 'both an input and the output' in r.stderr,
          'the output file given as input too: exit 2 (%s)' % r.stderr.strip()[:200])


if __name__ == '__main__':
    sys.exit(main())
