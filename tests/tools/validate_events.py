#!/usr/bin/env python3
"""Validate every event sightline writes in the test suite against `sightline --schema`.

  validate_events.py SIGHTLINE SOURCE_ROOT [CORPUS_DIR] [--only pcap-cases|captures|scenarios|corpus]
                     [--schema FILE]   (default: SIGHTLINE --schema; a file to grade another build)

Runs, each into its own output file:
  - every tests/pcap case as its test.yaml runs it (same capture, arguments and setup),
  - every capture under pcaps/ with the embedded configuration and the bundled rules,
  - every pcaps/scenarios/<name>/ with its config.yaml (rosters, sign-in logs: subject
    alerts, subject and signin events),
  - every capture of CORPUS_DIR (../shared/corpus; that part is skipped when absent).
Each event is validated (jsonschema Draft 2020-12, formats checked) and every value's JSON
type is recorded by its path: a path seen with two types (a number here, a list there)
fails even where the schema would let both through.  Prints counts per event type (alerts
by scope) and per part; exits 1 on any invalid event or two-typed field, 77 when jsonschema
is missing.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    print('skip: python3-jsonschema is not installed (apt-get install python3-jsonschema)')
    sys.exit(77)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'pcap'))
import run_case  # noqa: E402  (the pcap cases' own runner: same commands)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from captures import captures  # noqa: E402  (one walker for every test script)

SHOW_MAX = 20  # invalid events printed in full


def json_type(v):
    if isinstance(v, bool):
        return 'boolean'
    if isinstance(v, (int, float)):
        return 'number'  # an integer-valued double is written without a fraction
    if v is None:
        return 'null'
    if isinstance(v, str):
        return 'string'
    if isinstance(v, list):
        return 'array'
    return 'object'


def walk(v, path, out):
    """Record (path, type) for v and everything inside it; arrays as path[]."""
    out.add((path, json_type(v)))
    if isinstance(v, dict):
        for k, x in v.items():
            walk(x, path + '.' + k if path else k, out)
    elif isinstance(v, list):
        for x in v:
            walk(x, path + '[]', out)


def kind(e):
    t = e.get('event_type', '?')
    if t == 'alert' and isinstance(e.get('alert'), dict):
        return 'alert/%s' % e['alert'].get('scope', '?')
    return t


class Checker:
    def __init__(self, schema):
        self.validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        self.counts = collections.Counter()
        self.parts = collections.Counter()
        self.types = collections.defaultdict(dict)  # path -> type -> first source
        self.invalid = 0
        self.shown = 0
        self.runs = 0

    def add(self, part, source, raw):
        self.runs += 1
        for n, line in enumerate(raw.decode('utf-8', 'replace').splitlines(), 1):
            if not line.strip():
                continue
            where = '%s line %d' % (source, n)
            try:
                e = json.loads(line)
            except ValueError as err:
                self.fail(where, 'not JSON: %s' % err, line)
                continue
            self.counts[kind(e)] += 1
            self.parts[part] += 1
            errors = sorted(self.validator.iter_errors(e), key=lambda x: list(x.absolute_path))
            if errors:
                self.fail(where, '; '.join('%s: %s' % ('.'.join(map(str, x.absolute_path)) or '(event)',
                                                     x.message[:300]) for x in errors[:3]), line)
            seen = set()
            walk(e, '', seen)
            for path, t in seen:
                self.types[path].setdefault(t, where)

    def fail(self, where, why, line):
        self.invalid += 1
        if self.shown < SHOW_MAX:
            self.shown += 1
            print('INVALID %s: %s\n  %s' % (where, why, line[:600]))


def sensor_run(sensor, args, cwd=None):
    with tempfile.TemporaryDirectory(prefix='sl-schema-') as tmp:
        out = os.path.join(tmp, 'eve.json')
        subprocess.run([sensor, '-q', '-o', out] + args, capture_output=True, cwd=cwd, timeout=600)
        if not os.path.exists(out):
            return b''
        with open(out, 'rb') as f:
            return f.read()


def pcap_cases(sensor, root, chk):
    import yaml
    cases = os.path.join(root, 'tests', 'pcap')
    for name in sorted(os.listdir(cases)):
        spec = os.path.join(cases, name, 'test.yaml')
        if not os.path.isfile(spec):
            continue
        with open(spec) as f:
            case = yaml.safe_load(f)
        with tempfile.TemporaryDirectory(prefix='sl-schema-') as tmp:
            names = {'sensor': os.path.abspath(sensor), 'root': os.path.abspath(root),
                     'case': os.path.abspath(os.path.join(cases, name)), 'tmp': tmp}
            if run_case.run_setup(case, names):
                continue  # its own test reports it
            _, raw = run_case.run_sensor(sensor, root, case, os.path.join(tmp, 'eve.json'), names)
            chk.add('pcap-cases', 'tests/pcap/' + name, raw)


def project_captures(sensor, root, chk):
    for p in captures(os.path.join(root, 'pcaps')):
        chk.add('captures', os.path.relpath(p, root), sensor_run(sensor, ['-r', p]))


def scenarios(sensor, root, chk):
    base = os.path.join(root, 'pcaps', 'scenarios')
    for name in sorted(os.listdir(base)):
        d = os.path.join(base, name)
        if not os.path.isfile(os.path.join(d, 'truth.yaml')):
            continue
        pcaps, section = [], None
        with open(os.path.join(d, 'truth.yaml')) as f:
            for raw in f:
                line = raw.split('#', 1)[0].rstrip()
                if line and not line.startswith(' ') and line.endswith(':'):
                    section = line[:-1]
                elif section == 'pcaps' and line.strip().startswith('- '):
                    pcaps.append(line.strip()[2:].strip())
        args = ['-c', os.path.join(d, 'config.yaml')] + (['-r'] + pcaps if pcaps else [])
        chk.add('scenarios', 'pcaps/scenarios/' + name, sensor_run(sensor, args, cwd=root))


def corpus(sensor, corpus_dir, chk):
    for p in captures(corpus_dir):
        chk.add('corpus', os.path.relpath(p, corpus_dir), sensor_run(sensor, ['-r', p]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('sensor')
    ap.add_argument('root')
    ap.add_argument('corpus', nargs='?')
    ap.add_argument('--only', choices=['pcap-cases', 'captures', 'scenarios', 'corpus'])
    ap.add_argument('--schema')
    a = ap.parse_args()
    sensor = os.path.abspath(a.sensor)
    root = os.path.abspath(a.root)
    if a.schema:
        with open(a.schema) as f:
            schema = json.load(f)
    else:
        r = subprocess.run([sensor, '--schema'], capture_output=True, text=True)
        if r.returncode != 0:
            print('sightline --schema failed (%d): %s' % (r.returncode, r.stderr.strip()))
            return 1
        schema = json.loads(r.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    chk = Checker(schema)
    parts = [('pcap-cases', lambda: pcap_cases(sensor, root, chk)),
             ('captures', lambda: project_captures(sensor, root, chk)),
             ('scenarios', lambda: scenarios(sensor, root, chk))]
    corpus_dir = a.corpus or os.path.join(root, '..', 'shared', 'corpus')
    if os.path.isdir(corpus_dir):
        parts.append(('corpus', lambda: corpus(sensor, corpus_dir, chk)))
    else:
        print('corpus part skipped: %s absent' % corpus_dir)
    for name, run in parts:
        if not a.only or a.only == name:
            run()
    two = {p: t for p, t in chk.types.items() if len(t) > 1}
    for p in sorted(two):
        print('TWO TYPES %s: %s' % (p, ', '.join('%s (%s)' % (t, w) for t, w in sorted(two[p].items()))))
    total = sum(chk.counts.values())
    print('jsonschema %s; %d runs, %d events, %d invalid, %d fields with two types'
          % (getattr(jsonschema, '__file__', '?'), chk.runs, total, chk.invalid, len(two)))
    print('by part: ' + ', '.join('%s %d' % kv for kv in sorted(chk.parts.items())))
    print('by event type: ' + ', '.join('%s %d' % kv for kv in sorted(chk.counts.items())))
    if not total:
        print('no events at all: nothing was validated')
        return 1
    return 1 if chk.invalid or two else 0


if __name__ == '__main__':
    sys.exit(main())
