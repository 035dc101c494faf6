#!/usr/bin/env python3
"""Test of `sl-pcapgen short`: 1000 flows (every kind in its exact share),
written twice with one seed (same bytes) and once with another (different
bytes), read by sightline, which must name each kind's protocol in its share,
see short flows (median at most 10 packets) and a few long ones, and count no
decoder error.
    check_short.py SL-PCAPGEN SIGHTLINE WORKDIR
"""
import collections
import json
import os
import statistics
import subprocess
import sys

FLOWS = 1000
# Exact per 1000 flows (the kind table in short.c); TLS, QUIC, SSH and HTTP also get the
# long sessions, so only their floors are known.
EXACT = {'dns': 420, 'wireguard': 10, 'teamviewer': 5}
AT_LEAST = {'tls': 220, 'quic': 70, 'ssh': 15, 'http': 25}


def nonzero_errors(node, path='decoder.errors'):
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in nonzero_errors(v, path + '.' + k)]
    return [path] if node else []


def write(gen, path, seed):
    subprocess.run([gen, 'short', '--flows', str(FLOWS), '--seed', str(seed), path], check=True)
    with open(path, 'rb') as f:
        return f.read()


def check_flows(flows, fail):
    got = collections.Counter(e.get('app_proto') for e in flows)
    for proto, n in EXACT.items():
        if got[proto] != n:
            fail.append('%d %s flows, expected %d' % (got[proto], proto, n))
    for proto, n in AT_LEAST.items():
        if got[proto] < n:
            fail.append('%d %s flows, expected at least %d' % (got[proto], proto, n))
    if len(flows) != FLOWS:
        fail.append('%d flows, expected %d' % (len(flows), FLOWS))
    pkts = sorted(e['flow']['pkts_toserver'] + e['flow']['pkts_toclient'] for e in flows)
    median = statistics.median(pkts) if pkts else 0
    longs = sum(1 for p in pkts if p >= 100)
    if median > 10:
        fail.append('median %s packets per flow, expected at most 10' % median)
    if not 30 <= longs <= 200:
        fail.append('%d flows of 100 packets or more, expected a few (30..200)' % longs)
    sni = {e.get('tls', {}).get('sni') for e in flows if e.get('app_proto') == 'tls'}
    if len(sni) < 20:
        fail.append('only %d distinct TLS server names' % len(sni))
    v6 = sum(1 for e in flows if ':' in e['src_ip'])
    if not 100 <= v6 <= 300:
        fail.append('%d IPv6 flows, expected about a quarter of DNS, TLS and QUIC' % v6)
    return got, median, longs


def main():
    gen, sensor, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    caps = [os.path.join(work, 'short%d.pcap' % i) for i in (1, 2, 3)]
    one, two, other = write(gen, caps[0], 7), write(gen, caps[1], 7), write(gen, caps[2], 8)
    fail = []
    if one != two:
        fail.append('two runs with the same seed wrote different bytes')
    if one == other:
        fail.append('another seed wrote the same bytes')
    out = subprocess.run([sensor, '-q', '-o', '-', '-r', caps[0]], check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    events = [json.loads(l) for l in out.splitlines() if l]
    flows = [e for e in events if e['event_type'] == 'flow']
    got, median, longs = check_flows(flows, fail)
    stats = [e for e in events if e['event_type'] == 'stats'][-1]['stats']
    fail += ['%s is not 0' % p for p in nonzero_errors(stats['decoder']['errors'])]
    fail += ['%s event' % e['event_type'] for e in events if e['event_type'] == 'anomaly']
    for f in fail:
        print('FAIL ' + f)
    if not fail:
        print('ok: %d flows, median %s packets, %d long, %s' % (len(flows), median, longs,
                                                                 dict(got)))
    return 1 if fail else 0


if __name__ == '__main__':
    sys.exit(main())
