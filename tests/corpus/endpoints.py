#!/usr/bin/env python3
"""Subjects are endpoints, over every capture (issue #17 part 1).

  endpoints.py SIGHTLINE PCAPS_DIR CORPUS_DIR

Replays each capture of the project's pcaps/ and of ../shared/corpus (other projects' real
captures, never copied here) with the default configuration and asserts, from the EVE
output alone:
  - no subject (subject.id of a flow, alert or subject event) is an unspecified, multicast
    or broadcast address (255.255.255.255, or the broadcast address of a default
    home_networks prefix);
  - no flow is an ICMP/ICMPv6 error (those are counted on the flow they quote), so the
    sender of an error is never a subject through it: every subject is charged at least
    one flow.
Exit 0 when every capture holds, 1 with the offending captures listed, 77 (skip) when the
corpus is absent (the project's captures are still checked first, and a failure there
still fails).
"""
import ipaddress
import json
import os
import subprocess
import sys
import tempfile

ICMP_ERRORS = {'ICMP': {3, 4, 5, 11, 12}, 'IPv6-ICMP': {1, 2, 3, 4}}
HOME = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16']
BROADCASTS = {ipaddress.ip_network(n).broadcast_address for n in HOME}


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools'))
from captures import captures  # noqa: E402  (one walker for every test script)


def not_endpoint(ident):
    """Why ident cannot be a subject, or None (MACs and roster names are not addresses)."""
    try:
        a = ipaddress.ip_address(ident)
    except ValueError:
        return None
    if a.is_unspecified:
        return 'unspecified'
    if a.is_multicast:
        return 'multicast'
    if a.version == 4 and (a == ipaddress.ip_address('255.255.255.255') or a in BROADCASTS):
        return 'broadcast'
    return None


def check(sightline, pcap, tmp):
    out = os.path.join(tmp, 'eve.json')
    if os.path.exists(out):
        os.unlink(out)
    proc = subprocess.run([sightline, '-q', '-r', pcap, '-o', out], capture_output=True,
                          text=True, timeout=600)
    if not os.path.exists(out):
        return ['no output (exit %d): %s' % (proc.returncode, proc.stderr.strip()[:200])]
    problems, charged, subjects = [], {}, set()
    with open(out) as f:
        for line in f:
            e = json.loads(line)
            sid = (e.get('subject') or {}).get('id')
            kind = e.get('event_type')
            if sid is not None:
                subjects.add(sid)
            if kind != 'flow':
                continue
            if e.get('icmp_type') in ICMP_ERRORS.get(e.get('proto'), ()):
                problems.append('ICMP error %s/%s from %s is a flow of its own' %
                                (e.get('icmp_type'), e.get('icmp_code'), e.get('src_ip')))
            elif sid is not None:
                charged[sid] = charged.get(sid, 0) + 1
    for sid in sorted(subjects):
        why = not_endpoint(sid)
        if why:
            problems.append('subject %s is %s' % (sid, why))
        elif sid not in charged:
            problems.append('subject %s has no flow of its own' % sid)
    return problems


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    sightline, pcaps, corpus = sys.argv[1:]
    lists = [captures(pcaps)]
    have_corpus = os.path.isdir(corpus)
    if have_corpus:
        lists.append(captures(corpus))
    failed, n = 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for pcap in [p for lst in lists for p in lst]:
            n += 1
            problems = check(sightline, pcap, tmp)
            if problems:
                failed += 1
                print('FAIL %s' % pcap)
                for p in problems[:10]:
                    print('  ' + p)
    print('%d captures, %d with a subject that is no endpoint' % (n, failed))
    if failed:
        return 1
    if not have_corpus:
        print('SKIP: %s is absent (other projects\' captures); only pcaps/ was checked' % corpus)
        return 77
    return 0


if __name__ == '__main__':
    sys.exit(main())
