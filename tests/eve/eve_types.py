#!/usr/bin/env python3
"""Every field sightline writes under a name Suricata's EVE schema defines must
carry EVE's JSON type (issue #15 part 2).  Walks the declared fields
(--list-fields) and every field of every event the project's own captures
produce (flow, alert, subject, stats, signin) against Suricata's etc/schema.json
(../shared/reference/suricata-eve-schema.json, never copied into the repo),
prints how many field names EVE defines and how many of them mismatch, and
fails on any mismatch.  A field deeper than an EVE leaf (tcp.syn.ttl where EVE
has the boolean tcp.syn) is a mismatch at the EVE name: our value there is an
object.  Also (part 4) every event must carry host (sensor.name) and every
flow event and flow alert of a replay pcap_filename.

Usage: eve_types.py SIGHTLINE SOURCE_ROOT SCHEMA   (exit 77: schema absent)
"""
import json
import os
import subprocess
import sys
import tempfile

SKIP = 77
SENSOR = 'eve-check'  # sensor.name of the replays: every event's host

# --list-fields type -> the JSON type the writer gives it
DECLARED = {
    'string': 'string', 'ip': 'string', 'time': 'string', 'uint': 'integer',
    'int': 'integer', 'double': 'number', 'bool': 'boolean',
    'uint[]': ('array', 'integer'), 'string[]': ('array', 'string'),
}


class Schema:
    def __init__(self, path):
        with open(path) as f:
            self.doc = json.load(f)

    def resolve(self, node):
        while isinstance(node, dict) and '$ref' in node:
            node = self.doc['$defs'][node['$ref'].split('/')[-1]]
        return node

    def lookup(self, parts):
        """('found', node, name) for a path EVE defines, ('leaf', node, name)
        when EVE ends in a non-object leaf before the path does, or None
        when EVE does not define the name (a sightline-only field)."""
        node = self.resolve(self.doc)
        for i, part in enumerate(parts):
            if part == '[]':
                node = self.resolve(node.get('items'))
                if not isinstance(node, dict):
                    return None
                continue
            types = node.get('type')
            types = types if isinstance(types, list) else [types]
            props = node.get('properties') or {}
            if 'object' not in types and 'properties' not in node:
                return ('leaf', node, '.'.join(parts[:i]).replace('.[]', '[]'))
            if part not in props:
                return None
            node = self.resolve(props[part])
        return ('found', node, '.'.join(parts).replace('.[]', '[]'))


def json_type(v):
    if isinstance(v, bool):
        return 'boolean'
    if isinstance(v, int):
        return 'integer'
    if isinstance(v, float):
        return 'number'
    if isinstance(v, str):
        return 'string'
    if isinstance(v, list):
        return 'array'
    if isinstance(v, dict):
        return 'object'
    return 'null'


def fits(have, want):
    """Whether a value of JSON type have is valid where EVE says want."""
    want = want if isinstance(want, list) else [want]
    if None in want:
        return True  # EVE leaves it open
    return have in want or (have == 'integer' and 'number' in want)


def leaves(value, path, out):
    """(path parts, JSON type, item types) for every leaf of an event."""
    if isinstance(value, dict):
        for k, v in value.items():
            leaves(v, path + [k], out)
        return
    if isinstance(value, list):
        items = {json_type(x) for x in value}
        out.append((tuple(path), 'array', items))
        for x in value:
            if isinstance(x, dict):
                leaves(x, path + ['[]'], out)
        return
    out.append((tuple(path), json_type(value), set()))


def events(sensor, root):
    """Every event of a replay of the project's own captures, and of a
    sign-in log replayed with its capture (signin events)."""
    runs = [
        ['-r', os.path.join(root, 'pcaps', 'real'), os.path.join(root, 'pcaps', 'gen-out')],
        ['-r', os.path.join(root, 'pcaps', 'gen-out', 'laptop-farm-edge.pcap'),
         '--identity', os.path.join(root, 'pcaps', 'gen-out', 'laptop-farm-edge.entra.json')],
    ]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, args in enumerate(runs):
            path = os.path.join(tmp, 'eve%d.json' % n)
            proc = subprocess.run([sensor, '-q', '--set', 'sensor.name=' + SENSOR, '-o', path] + args,
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                sys.exit('sightline %s: exit %d: %s' % (' '.join(args), proc.returncode, proc.stderr))
            with open(path) as f:
                out += [json.loads(line) for line in f]
    return out


def declared(sensor):
    proc = subprocess.run([sensor, '--list-fields'], capture_output=True, text=True, check=True)
    out = []
    for line in proc.stdout.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 2 or parts[1] not in DECLARED:
            continue
        t = DECLARED[parts[1]]
        if isinstance(t, tuple):
            out.append((tuple(parts[0].split('.')), 'array', {t[1]}))
        else:
            out.append((tuple(parts[0].split('.')), t, set()))
    return out


def check(schema, seen):
    """{EVE name: problem or None} over every (path, type, items) seen."""
    named = {}
    for parts, have, items in seen:
        hit = schema.lookup(list(parts))
        if hit is None:
            continue
        kind, node, name = hit
        want = node.get('type')
        problem = None
        if kind == 'leaf':
            problem = 'sightline writes an object (%s), EVE a %s' % ('.'.join(parts), want)
        elif not fits(have, want):
            problem = 'sightline writes %s, EVE %s' % (have, want)
        elif have == 'array' and items:
            want_items = schema.resolve(node.get('items') or {}).get('type')
            bad = sorted(t for t in items if not fits(t, want_items))
            if bad:
                problem = 'array items %s, EVE %s' % ('/'.join(bad), want_items)
        if problem or name not in named:
            named[name] = problem if problem else named.get(name)
    return named


def identity(evs, root):
    """Part 4: every event names its sensor (host); every flow event and
    every flow alert of a replay names its capture file (pcap_filename).
    Returns the problems, and prints the counts."""
    bad = []
    host = sum(1 for e in evs if e.get('host') == SENSOR)
    flows = [e for e in evs if e.get('event_type') == 'flow' or
             (e.get('event_type') == 'alert' and (e.get('alert') or {}).get('scope') == 'flow')]
    named = sum(1 for e in flows if os.path.isfile(os.path.join(root, e.get('pcap_filename', '')))
                or os.path.isfile(e.get('pcap_filename', '/')))
    types = sorted({e.get('event_type') for e in evs})
    print('events: %d (%s), with host: %d; flow events and flow alerts: %d, with pcap_filename: %d'
          % (len(evs), ', '.join(types), host, len(flows), named))
    if host != len(evs):
        bad.append('%d events without host %r' % (len(evs) - host, SENSOR))
    if named != len(flows):
        bad.append('%d flow events/alerts without the pcap_filename of a capture' % (len(flows) - named))
    return bad


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sensor, root, schema_path = sys.argv[1:]
    if not os.path.isfile(schema_path):
        print('SKIP: %s absent (Suricata EVE schema, ../shared/reference)' % schema_path)
        return SKIP
    schema = Schema(schema_path)
    evs = events(sensor, root)
    named = check(schema, declared(sensor) + [l for ev in evs for l in _leaves(ev)])
    bad = {k: v for k, v in named.items() if v}
    for name in sorted(bad):
        print('MISMATCH %-34s %s' % (name, bad[name]))
    print('EVE-named fields: %d, type mismatches: %d' % (len(named), len(bad)))
    missing = identity(evs, root)
    for m in missing:
        print('MISSING ' + m)
    return 1 if bad or missing else 0


def _leaves(ev):
    out = []
    leaves(ev, [], out)
    return out


if __name__ == '__main__':
    sys.exit(main())
