#!/usr/bin/env python3
"""Test of `sl-pcapgen bulk`: 20 sessions, written twice (same bytes), read by
sightline, which must name every session's protocol with its details (SNI,
SSH software, HTTP host, DNS query), see long sessions, and count no decoder
error.
    check_bulk.py SL-PCAPGEN SIGHTLINE WORKDIR
"""
import collections
import json
import os
import subprocess
import sys

WANT = {'tls': 9, 'dns': 5, 'quic': 3, 'ssh': 2, 'http': 1}  # the 20-letter cycle in bulk.c
NAMES = {'www.example.com', 'cdn.example.net', 'api.example.org', 'static.example.com',
         'mail.example.com', 'video.example.net', 'docs.example.org', 'updates.example.com'}


def nonzero_errors(node, path='decoder.errors'):
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in nonzero_errors(v, path + '.' + k)]
    return [path] if node else []


def check_flow(e, fail):
    ap = e.get('app_proto')
    tls, quic = e.get('tls', {}), e.get('quic', {})
    if ap == 'tls' and (tls.get('sni') not in NAMES or tls.get('version') != 'TLS 1.3'
                        or not tls.get('ja4')):
        fail.append('tls flow without SNI/1.3/JA4: %s' % tls)
    if ap == 'quic' and quic.get('sni') != 'example.com':
        fail.append('quic flow without the RFC 9001 SNI: %s' % quic)
    ssh = e.get('ssh', {})
    if ap == 'ssh' and (ssh.get('client', {}).get('software_version') != 'OpenSSH_9.6p1'
                        or not ssh.get('server', {}).get('hassh', {}).get('hash')):
        fail.append('ssh flow without software/HASSH: %s' % ssh)
    if ap == 'http' and e.get('http', {}).get('hostname') != 'downloads.example.net':
        fail.append('http flow without host: %s' % e.get('http'))
    if ap == 'dns' and e.get('dns', {}).get('response_count') != 1:
        fail.append('dns flow without its answer: %s' % e.get('dns'))


def main():
    gen, sensor, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    caps = [os.path.join(work, 'bulk%d.pcap' % i) for i in (1, 2)]
    for c in caps:
        subprocess.run([gen, 'bulk', '--sessions', '20', '--seed', '7', c], check=True)
    fail = []
    with open(caps[0], 'rb') as a, open(caps[1], 'rb') as b:
        if a.read() != b.read():
            fail.append('two runs with the same seed wrote different bytes')
    out = subprocess.run([sensor, '-q', '-o', '-', '-r', caps[0]], check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    events = [json.loads(l) for l in out.splitlines() if l]
    flows = [e for e in events if e['event_type'] == 'flow']
    got = collections.Counter(e.get('app_proto') for e in flows)
    if got != collections.Counter(WANT):
        fail.append('app_proto counts %s, expected %s' % (dict(got), WANT))
    for e in flows:
        check_flow(e, fail)
    pkts = sum(e['flow']['pkts_toserver'] + e['flow']['pkts_toclient'] for e in flows)
    if flows and pkts / len(flows) < 50:
        fail.append('%.1f packets per flow: sessions are not long' % (pkts / len(flows)))
    stats = [e for e in events if e['event_type'] == 'stats'][-1]['stats']
    fail += ['%s is not 0' % p for p in nonzero_errors(stats['decoder']['errors'])]
    fail += ['%s event' % e['event_type'] for e in events if e['event_type'] == 'anomaly']
    for f in fail:
        print('FAIL ' + f)
    if not fail:
        print('ok: %d flows, %d packets, %s' % (len(flows), pkts, dict(got)))
    return 1 if fail else 0


if __name__ == '__main__':
    sys.exit(main())
