#!/usr/bin/env python3
"""Run one pcap-driven test case (in the spirit of suricata-verify).

A case is a directory holding test.yaml:

    pcap: pcaps/real/ssh.pcap        # one path or a list, relative to the source root;
                                     # [] for none (sign-in logs alone, given in args)
    args: [--set, flow.timeouts.udp=30]   # extra command-line arguments (optional)
    exit: 0                          # expected exit status (default 0)
    stderr: ["regex", ...]           # each must match somewhere in stderr (optional)
    deterministic: true              # run twice, outputs must be byte-identical (default true)
    setup:                           # commands run first, in a scratch directory that is
      - ["{sensor}", mmdb, build, "{case}/x.csv", x.mmdb]   # also the sensor's working
                                     # directory; {sensor} {root} {case} {tmp} are replaced
                                     # in setup and args (optional)
    checks:                          # partial-match checks on the EVE events
      - filter:
          count: 1                   # exactly this many events match (or min_count:);
                                     # without event_type a match means flow events
          match:
            event_type: flow
            src_ip: 10.77.0.2
            flow.pkts_toserver: 25   # dotted paths into the JSON

Usage: run_case.py SIGHTLINE SOURCE_ROOT CASE_DIR
Exit 0 pass, 1 fail; prints what did not match.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml



def no_duplicates(pairs):
    """JSON object hook: a repeated key is a bug in the writer (parsers
    silently keep one of the values), so fail loudly."""
    keys = [k for k, _ in pairs]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError('duplicate JSON keys %s' % dup)
    return dict(pairs)

def comparable(raw):
    """The output with the run-specific parts of stats events taken out:
    resident memory and the outputs' destinations (each run writes to its
    own file).  Everything else must be byte-identical across runs."""
    lines = []
    for line in raw.decode().splitlines():
        if '"event_type":"stats"' in line:
            ev = json.loads(line)
            ev['stats'].pop('memory', None)
            ev['stats'].pop('outputs', None)
            line = json.dumps(ev, sort_keys=True)
        lines.append(line)
    return lines


def lookup(event, path):
    cur = event
    for part in path.split('.'):
        if not isinstance(cur, dict) or part not in cur:
            return KeyError
        cur = cur[part]
    return cur


def matches(event, match):
    for key, want in match.items():
        got = lookup(event, key)
        if got is KeyError:
            if want is None:
                continue
            return False
        if want is None:
            return False
        if isinstance(want, (int, float)) and not isinstance(want, bool):
            if got != want:
                return False
        elif got != want and str(got) != str(want):
            return False
    return True


def expand(arg, names):
    text = str(arg)
    for key, value in names.items():
        text = text.replace('{%s}' % key, value)
    return text


def run_setup(case, names):
    for cmd in case.get('setup', []):
        proc = subprocess.run([expand(a, names) for a in cmd], cwd=names['tmp'],
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            return 'setup %s failed (%d): %s' % (cmd, proc.returncode, proc.stderr)
    return None


def run_sensor(sensor, root, case, out_path, names):
    pcaps = case.get('pcap') or []
    pcaps = pcaps if isinstance(pcaps, list) else [pcaps]
    cmd = [names['sensor'], '-q', '-o', out_path] + [expand(a, names) for a in case.get('args', [])]
    if pcaps:  # none: the run reads only what args give (sign-in logs alone)
        cmd += ['-r'] + [os.path.join(names['root'], p) for p in pcaps]
    if 'quiet' in case and not case['quiet']:
        cmd.remove('-q')
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                          cwd=names['tmp'] if 'setup' in case else None)
    raw = b''
    if os.path.exists(out_path):
        with open(out_path, 'rb') as f:
            raw = f.read()
    return proc, raw


def check_filters(events, checks):
    failures = []
    for i, chk in enumerate(checks or []):
        flt = chk['filter']
        match = flt.get('match') or {}
        if match and 'event_type' not in match:
            # Flow alerts repeat their flow's fields: a match that names
            # fields but no event type means the flow event.
            match = dict(match, event_type='flow')
        n = sum(1 for e in events if matches(e, match))
        if 'count' in flt and n != flt['count']:
            failures.append('check %d: %d events match %s, expected %d'
                            % (i, n, flt.get('match'), flt['count']))
        if 'min_count' in flt and n < flt['min_count']:
            failures.append('check %d: %d events match %s, expected at least %d'
                            % (i, n, flt.get('match'), flt['min_count']))
    return failures


def main():
    sensor, root, case_dir = sys.argv[1:4]
    with open(os.path.join(case_dir, 'test.yaml')) as f:
        case = yaml.safe_load(f)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        names = {'sensor': os.path.abspath(sensor), 'root': os.path.abspath(root),
                 'case': os.path.abspath(case_dir), 'tmp': tmp}
        problem = run_setup(case, names)
        if problem:
            print('FAIL %s\n  %s' % (os.path.basename(os.path.normpath(case_dir)), problem))
            return 1
        out1 = os.path.join(tmp, 'eve1.json')
        proc, raw = run_sensor(sensor, root, case, out1, names)
        if proc.returncode != case.get('exit', 0):
            failures.append('exit status %d, expected %d; stderr:\n%s'
                            % (proc.returncode, case.get('exit', 0), proc.stderr))
        for rx in case.get('stderr', []):
            if not re.search(rx, proc.stderr):
                failures.append('stderr does not match /%s/:\n%s' % (rx, proc.stderr))
        events = [json.loads(line, object_pairs_hook=no_duplicates) for line in raw.decode().splitlines() if line]
        failures += check_filters(events, case.get('checks'))
        if case.get('deterministic', True) and proc.returncode in (0, 1):
            out2 = os.path.join(tmp, 'eve2.json')
            _, raw2 = run_sensor(sensor, root, case, out2, names)
            if comparable(raw) != comparable(raw2):
                failures.append('two runs on the same input gave different output')
    name = os.path.basename(os.path.normpath(case_dir))
    if failures:
        print('FAIL %s\n  ' % name + '\n  '.join(failures))
        return 1
    print('ok %s: %d checks' % (name, len(case.get('checks') or [])))
    return 0


if __name__ == '__main__':
    sys.exit(main())
