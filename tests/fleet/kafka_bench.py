#!/usr/bin/env python3
"""Events per second through one `sightline score` over Kafka and through two in one group,
from one run, on librdkafka's mock cluster (figures printed, nothing asserted), and the state
bytes per subject the checkpoints wrote.

The fleet test's forwarded events (tests/fleet/fleet.py: three sensors) are repeated COPIES
times, each copy a day later with its own event ids, produced in event time to a topic of
4 partitions.  A scorer's time is its run less its idle exit (scoring.input.idle_exit).

Usage: kafka_bench.py SIGHTLINE MOCKCLUSTER KAFKAPRODUCE [COPIES]
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleet  # noqa: E402
import kafka  # noqa: E402

IDLE = 3


def shifted(line, i):
    e = json.loads(line)
    if 'event_id' in e:
        e['event_id'] = '%s-%d' % (e['event_id'], i)
    for k in ('sensor_time', 'timestamp'):
        if k in e:
            t = datetime.datetime.strptime(e[k], '%Y-%m-%dT%H:%M:%S.%f%z')
            e[k] = (t + datetime.timedelta(days=i)).strftime('%Y-%m-%dT%H:%M:%S.%f%z')
    return json.dumps(e, separators=(',', ':')) + '\n'


def run_group(exe, tmp, boot, names, group):
    t0 = time.time()
    procs = [kafka.scorer(exe, tmp, boot, n, IDLE, ['--set', 'scoring.input.group_id=' + group,
                                                    '--set', 'scoring.input.state_topic=state-' + group,
                                                    '--set', 'scoring.input.snapshot_interval=5',
                                                    '--set', 'scoring.summary_interval=0'])
             for n in names]
    for p, _ in procs:
        p.wait()
    took = time.time() - t0 - IDLE
    stats = [kafka.stats(out) for _, out in procs]
    return took, stats


def main():
    exe, mock, tool = (os.path.abspath(a) for a in sys.argv[1:4])
    copies = int(sys.argv[4]) if len(sys.argv) > 4 else 400
    tmp = tempfile.mkdtemp(prefix='sl-kbench-')
    fwd = []
    for name, cs in fleet.SENSORS.items():
        out = os.path.join(tmp, name + '.json')
        ids = [a for log in fleet.IDENTITY.get(name, []) for a in
               ('--identity', os.path.join(fleet.GEN, log))]
        fleet.sightline(exe, ['--set', 'sensor.name=' + name, '--set', 'scoring.mode=forward']
                        + ids + ['-r'] + [os.path.join(fleet.GEN, c) for c in cs], out)
        fwd.append(out)
    lines = sorted((l for p in fwd for l in open(p) if l.strip()),
                   key=lambda l: json.loads(l).get('sensor_time', ''))
    stream = [shifted(l, i) for i in range(copies) for l in lines]
    cl, boot = kafka.start_cluster(mock, tmp, [kafka.TOPIC, 'state-one', 'state-two'])
    try:
        kafka.produce(tool, boot, stream)
        one, s1 = run_group(exe, tmp, boot, ['one'], 'one')
        two, s2 = run_group(exe, tmp, boot, ['two-a', 'two-b'], 'two')
    finally:
        cl.terminate()
        cl.wait()
    n = len(stream)
    for what, took, st in (('one scorer', one, s1), ('two scorers', two, s2)):
        ev = sum(k.get('messages', 0) for _, k in st)
        rec = sum(k.get('state_records', 0) for _, k in st)
        by = sum(k.get('state_bytes', 0) for _, k in st)
        print('%-12s %7d messages in %5.2f s: %8.0f events/s; %s events, %s applied, %s duplicates, %s late;'
              ' %d state records, %d bytes; address facts from every partition %s (%s late)'
              % (what, ev, took, ev / took, [s.get('events') for s, _ in st],
                 [s.get('applied') for s, _ in st], [s.get('duplicates') for s, _ in st],
                 [s.get('late') for s, _ in st], rec, by,
                 [s.get('global', {}).get('facts') for s, _ in st],
                 [s.get('global', {}).get('late') for s, _ in st]))
    print('%d events produced (%d copies of %d)' % (n, copies, len(lines)))


if __name__ == '__main__':
    sys.exit(main())
