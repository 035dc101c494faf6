#!/usr/bin/env python3
"""The event writer's kept fragments change no byte: every project capture
(pcaps/**, each file, each directory read whole, and the scenarios with
their configurations) and, when present, every capture of ../shared/corpus
is replayed with the kept texts (a place's geo block, a rule's alert block)
and again with SIGHTLINE_TEST_NO_FRAGMENTS set, a test hook that makes the
writer write every field one by one; exit status, standard error and the
EVE output must be equal, apart from the stats events' memory figures
(the kept texts take memory).  Cases whose output has geo blocks and rule
alerts are counted, so a run that exercises neither fails.

usage: fragments_equal.py SIGHTLINE SOURCE_ROOT"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools'))
from captures import is_capture  # noqa: E402

MEMORY = (("memory", "rss_bytes"), ("flow", "bytes_per_flow"), ("flow", "table_bytes_per_flow"),
          ("parsers", "state_bytes_max"))


def cases(root):
    out, dirs = [], []
    tops = [os.path.join(root, 'pcaps')]
    corpus = os.path.join(root, '..', 'shared', 'corpus')
    if os.path.isdir(corpus):
        tops.append(corpus)
    for top in tops:
        for d, subdirs, files in sorted(os.walk(top)):
            subdirs.sort()
            caps = [os.path.join(d, f) for f in sorted(files) if is_capture(os.path.join(d, f))]
            out += [(os.path.relpath(p, root), ['-r', p]) for p in caps]
            if caps:
                dirs.append(d)
    out += [(os.path.relpath(d, root) + '/', ['-r', d]) for d in dirs]
    scen = os.path.join(root, 'pcaps', 'scenarios')
    for name in sorted(os.listdir(scen)) if os.path.isdir(scen) else []:
        cfg = os.path.join(scen, name, 'config.yaml')
        pcaps, inside = [], False
        with open(os.path.join(scen, name, 'truth.yaml')) as f:
            for line in f:
                if line.startswith('pcaps:'):
                    inside = True
                elif inside and line.strip().startswith('- '):
                    pcaps.append(os.path.join(root, line.strip()[2:].strip()))
                elif inside and line.strip() and not line.startswith(' '):
                    inside = False
        if os.path.exists(cfg) and pcaps:
            out.append(('scenario ' + name, ['-c', cfg, '-r'] + pcaps))
    return out


def normal(text):
    lines = []
    for line in text.splitlines():
        if '"event_type":"stats"' in line:
            ev = json.loads(line)
            for a, b in MEMORY:
                ev.get('stats', {}).get(a, {}).pop(b, None)
            ev.get('stats', {}).pop('outputs', None)  # names the output file
            line = json.dumps(ev, separators=(',', ':'))
        lines.append(line)
    return lines


def run(sightline, args, tmp, kept):
    out = os.path.join(tmp, 'kept.json' if kept else 'plain.json')
    if os.path.exists(out):
        os.unlink(out)
    env = dict(os.environ)
    env.pop('SIGHTLINE_TEST_NO_FRAGMENTS', None)
    if not kept:
        env['SIGHTLINE_TEST_NO_FRAGMENTS'] = '1'
    p = subprocess.run([sightline, '-q', '-o', out] + args, env=env, capture_output=True,
                       text=True, timeout=600)
    text = open(out).read() if os.path.exists(out) else ''
    return p.returncode, p.stderr.replace(out, 'OUT'), text


def main():
    sightline, root = sys.argv[1], os.path.abspath(sys.argv[2])
    bad = geo = alerts = 0
    all_cases = cases(root)
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in all_cases:
            a = run(sightline, args, tmp, True)
            b = run(sightline, args, tmp, False)
            if a[0] != b[0] or a[1] != b[1] or normal(a[2]) != normal(b[2]):
                bad += 1
                la, lb = normal(a[2]), normal(b[2])
                first = next((i for i in range(min(len(la), len(lb))) if la[i] != lb[i]),
                             min(len(la), len(lb)))
                print('DIFFERS %s: status %d/%d, line %d:\n  kept:  %s\n  plain: %s' %
                      (name, a[0], b[0], first + 1, (la[first:first + 1] or [''])[0][:600],
                       (lb[first:first + 1] or [''])[0][:600]))
            geo += '"geo":{' in a[2] or '"remote":{' in a[2]
            alerts += '"alert":{"action"' in a[2]
    print('%d cases, %d with geo blocks, %d with rule alerts, %d differ' %
          (len(all_cases), geo, alerts, bad))
    if geo == 0 or alerts == 0:
        print('FAIL: no case wrote a geo block or a rule alert: the kept texts were not exercised')
        return 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
