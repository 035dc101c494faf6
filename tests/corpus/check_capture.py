#!/usr/bin/env python3
"""Replay one capture of ../shared/corpus and check the foundation's promises:
exit status 0, at least one flow event, a stats event last, and a Community ID
on every TCP/UDP/SCTP/ICMP flow that agrees with an independent computation
of the spec (https://github.com/corelight/community-id-spec) from the flow's
own tuple.

Usage: check_capture.py SIGHTLINE CAPTURE   (exit 77 = skipped: file absent)
"""
import base64
import hashlib
import ipaddress
import json
import os
import subprocess
import sys
import tempfile

PROTO_NUM = {'TCP': 6, 'UDP': 17, 'SCTP': 132, 'ICMP': 1, 'IPv6-ICMP': 58}
ICMP4_PAIR = {8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 17: 18, 18: 17}
ICMP6_PAIR = {128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135,
              130: 131, 131: 130, 139: 140, 140: 139, 144: 145, 145: 144}



def no_duplicates(pairs):
    """JSON object hook: a repeated key is a bug in the writer (parsers
    silently keep one of the values), so fail loudly."""
    keys = [k for k, _ in pairs]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError('duplicate JSON keys %s' % dup)
    return dict(pairs)

def community_id(ev, seed=0):
    proto = PROTO_NUM[ev['proto']]
    s = ipaddress.ip_address(ev['src_ip']).packed
    d = ipaddress.ip_address(ev['dest_ip']).packed
    if proto in (1, 58):
        sp = ev['icmp_type']
        pair = (ICMP4_PAIR if proto == 1 else ICMP6_PAIR).get(sp)
        one_way = pair is None
        dp = ev['icmp_code'] if one_way else pair
    else:
        sp, dp, one_way = ev['src_port'], ev['dest_port'], False
    if not one_way and not (s < d or (s == d and sp < dp)):
        s, d, sp, dp = d, s, dp, sp
    data = seed.to_bytes(2, 'big') + s + d + bytes([proto, 0])
    data += sp.to_bytes(2, 'big') + dp.to_bytes(2, 'big')
    return '1:' + base64.b64encode(hashlib.sha1(data).digest()).decode()


def main():
    sensor, capture = sys.argv[1:3]
    if not os.path.exists(capture):
        print('skip: %s absent' % capture)
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'eve.json')
        proc = subprocess.run([sensor, '-q', '-o', out, '-r', capture],
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            print('FAIL: exit %d\n%s' % (proc.returncode, proc.stderr))
            return 1
        with open(out) as f:
            events = [json.loads(line, object_pairs_hook=no_duplicates) for line in f]
    flows = [e for e in events if e['event_type'] == 'flow']
    bad = []
    checked = 0
    for ev in flows:
        if ev['proto'] in PROTO_NUM:
            checked += 1
            want = community_id(ev)
            if ev.get('community_id') != want:
                bad.append('%s %s:%s -> %s:%s: %s != %s' % (
                    ev['proto'], ev['src_ip'], ev.get('src_port'), ev['dest_ip'],
                    ev.get('dest_port'), ev.get('community_id'), want))
    fails = []
    if not flows:
        fails.append('no flow events')
    if not events or events[-1]['event_type'] != 'stats':
        fails.append('the last event is not a stats event')
    fails += bad[:10]
    if fails:
        print('FAIL %s:\n  %s' % (capture, '\n  '.join(fails)))
        return 1
    print('ok %s: %d flows, %d community ids verified' % (os.path.basename(capture), len(flows), checked))
    return 0


if __name__ == '__main__':
    sys.exit(main())
