#!/usr/bin/env python3
"""Every capture of the project (pcaps/) and of ../shared/corpus in which tcpdump or tshark
sees IP packets is read to its end: sightline exits 0, reports no damaged file,
and counts as many packets (stats.capture.packets) as capinfos does.  Files
that capinfos itself calls damaged (the bad-input fixtures) are left to their
own pcap cases.

Usage: packet_counts.py SIGHTLINE PCAPS_DIR CORPUS_DIR
Exit 77 (skip) without tshark or capinfos; the corpus may be absent.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools'))
from captures import captures  # noqa: E402  (one walker for every test script)


def capinfos_count(path):
    """(packets, damaged): capinfos' count, and whether it called the file damaged
    (a record cut short at the end is not damage: readers stop there)."""
    r = subprocess.run(['capinfos', '-M', '-c', '-T', '-r', path], capture_output=True,
                       text=True)
    count = int(r.stdout.strip().split('\t')[-1]) if r.stdout.strip() else 0
    damaged = r.returncode != 0 and 'cut short' not in r.stderr
    return count, damaged


def tcpdump_sees_ip(path):
    """True when tcpdump's filter finds an IPv4/IPv6 packet at the link layer's own
    offset (it stops at the first); False also when tcpdump cannot say (an
    encapsulation its filter does not walk: VLAN, MPLS, PPPoE; a link type it cannot
    filter; pcapng with mixed link types)."""
    if not shutil.which('tcpdump'):
        return False
    r = subprocess.run(['tcpdump', '-n', '-r', path, '-c', '1', 'ip or ip6'],
                       capture_output=True, text=True)
    return r.returncode == 0 and bool(r.stdout.strip())


def tshark_sees_ip(path):
    """tshark's verdict, asked only when tcpdump's quick one is no: tshark walks
    every encapsulation but costs ~0.5 s of start-up per file (most of this
    test's time when it was asked for all of them)."""
    if tcpdump_sees_ip(path):
        return True
    r = subprocess.run(['tshark', '-n', '-r', path, '-Y', 'ip or ipv6', '-T', 'fields',
                        '-e', 'frame.number'], capture_output=True, text=True)
    return bool(r.stdout.strip())


def sightline_stats(sensor, path, tmp):
    out = os.path.join(tmp, 'eve.json')
    if os.path.exists(out):
        os.unlink(out)
    r = subprocess.run([sensor, '-q', '-o', out, '-r', path], capture_output=True, text=True,
                       timeout=600)
    stats = None
    if os.path.exists(out):
        with open(out) as f:
            for line in f:
                ev = json.loads(line)
                if ev.get('event_type') == 'stats':
                    stats = ev['stats']
    return r.returncode, r.stderr.strip(), stats


def check(sensor, path, tmp):
    """None when fine, 'skip: why' or a failure sentence."""
    count, damaged = capinfos_count(path)
    if damaged:
        return 'skip: capinfos calls it damaged'
    if not tshark_sees_ip(path):
        return 'skip: tshark sees no IP packet'
    rc, err, stats = sightline_stats(sensor, path, tmp)
    if rc != 0:
        return 'exit %d (%s)' % (rc, err.splitlines()[-1] if err else 'no message')
    if not stats:
        return 'no stats event'
    cap = stats['capture']
    if cap['packets'] != count or cap['damaged_files']:
        return '%d packets read, capinfos counts %d; damaged_files %d' % (
            cap['packets'], count, cap['damaged_files'])
    return None


def main():
    sensor, pcaps, corpus = sys.argv[1:4]
    for tool in ('tshark', 'capinfos'):
        if not shutil.which(tool):
            print('skip: %s not installed (apt-get install tshark)' % tool)
            return 77
    files = captures(pcaps)
    if os.path.isdir(corpus):
        files += captures(corpus)
    else:
        print('note: %s absent; the project\'s captures only' % corpus)
    fails, read, skipped = [], 0, []
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            why = check(sensor, path, tmp)
            if why is None:
                read += 1
            elif why.startswith('skip: '):
                skipped.append('%s (%s)' % (os.path.relpath(path), why[6:]))
            else:
                fails.append('%s: %s' % (os.path.relpath(path), why))
    print('%d captures read to their end with capinfos\' packet count; %d left to their own '
          'cases:' % (read, len(skipped)))
    for s in skipped:
        print('  ' + s)
    if fails:
        print('FAIL:\n  ' + '\n  '.join(fails))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
