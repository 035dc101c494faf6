#!/usr/bin/env python3
"""Before/after identification over every capture: run two sightline builds
(e.g. the base commit's and this one's) on each project capture (pcaps/) and
each corpus capture (../shared/corpus), one file at a time, and compare
app, category and app_source per flow.

Prints one row per capture with a difference (flows, named before/after,
lost, gained, changed), a total row, and every differing flow.  A flow that
was named before and is unnamed or named differently after is a loss.

Usage: identify_compare.py OLD_SIGHTLINE NEW_SIGHTLINE [ROOT] [CORPUS_DIR]
Exit: 0 no loss, 1 a loss, 2 usage.
"""
import json
import os
import subprocess
import sys

from captures import captures  # same directory: one walker for every test script


def flows(sightline, pcap):
    """{flow key: (app, category, app_source)} of one run, rules off."""
    cmd = [sightline, '-r', pcap, '-o', '-', '--set', 'rules.enabled=false']
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    out = {}
    for line in res.stdout.decode('utf-8', 'replace').splitlines():
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get('event_type') != 'flow':
            continue
        key = (e.get('src_ip'), e.get('src_port'), e.get('dest_ip'), e.get('dest_port'),
               e.get('proto'), e.get('flow', {}).get('start'))
        out[key] = (e.get('app'), e.get('category'), e.get('app_source'))
    return out


def compare(old, new, pcap):
    a, b = flows(old, pcap), flows(new, pcap)
    row = {'flows': len(b), 'before': sum(1 for v in a.values() if v[0]),
           'after': sum(1 for v in b.values() if v[0]), 'lost': [], 'gained': [], 'changed': []}
    for k in sorted(set(a) | set(b), key=str):
        va, vb = a.get(k, (None,) * 3), b.get(k, (None,) * 3)
        if va == vb:
            continue
        if va[0] and va[0] != vb[0]:
            row['lost'].append((k, va, vb))
        elif not va[0] and vb[0]:
            row['gained'].append((k, va, vb))
        else:
            row['changed'].append((k, va, vb))
    return row


def fmt(v):
    return '/'.join(x or '-' for x in v)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    old, new = argv[1], argv[2]
    root = argv[3] if len(argv) > 3 else os.path.join(os.path.dirname(__file__), '..', '..')
    corpus = argv[4] if len(argv) > 4 else os.path.join(root, '..', 'shared', 'corpus')
    files = captures(os.path.join(root, 'pcaps'))
    if os.path.isdir(corpus):
        files += captures(corpus)
    else:
        print(f'note: no corpus at {corpus}; project captures only')
    total = {'files': 0, 'flows': 0, 'before': 0, 'after': 0, 'lost': 0, 'gained': 0,
             'changed': 0}
    details = []
    print(f"{'capture':58} {'flows':>6} {'named':>6} {'after':>6} {'lost':>5} {'gained':>6} "
          f"{'changed':>7}")
    for p in files:
        r = compare(old, new, p)
        name = os.path.relpath(p, os.path.dirname(os.path.abspath(corpus)))
        total['files'] += 1
        for k in ('flows', 'before', 'after'):
            total[k] += r[k]
        for k in ('lost', 'gained', 'changed'):
            total[k] += len(r[k])
            details += [(k, name, d) for d in r[k]]
        if r['lost'] or r['gained'] or r['changed']:
            print(f"{name[-58:]:58} {r['flows']:6} {r['before']:6} {r['after']:6} "
                  f"{len(r['lost']):5} {len(r['gained']):6} {len(r['changed']):7}")
    print(f"{'TOTAL (' + str(total['files']) + ' captures)':58} {total['flows']:6} "
          f"{total['before']:6} {total['after']:6} {total['lost']:5} {total['gained']:6} "
          f"{total['changed']:7}")
    for kind, name, (k, va, vb) in details:
        print(f'{kind:8} {name}: {k[4]} {k[0]}:{k[1]} -> {k[2]}:{k[3]}  {fmt(va)}  =>  {fmt(vb)}')
    return 1 if total['lost'] else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
