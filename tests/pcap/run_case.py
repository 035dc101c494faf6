#!/usr/bin/env python3
"""Run one pcap-driven test case (in the spirit of suricata-verify).

A case is a directory holding test.yaml:

    pcap: pcaps/real/ssh.pcap        # one path or a list, relative to the source root
    args: [--set, flow.timeouts.udp=30]   # extra command-line arguments (optional)
    exit: 0                          # expected exit status (default 0)
    stderr: ["regex", ...]           # each must match somewhere in stderr (optional)
    deterministic: true              # run twice, outputs must be byte-identical (default true)
    checks:                          # partial-match checks on the EVE events
      - filter:
          count: 1                   # exactly this many events match (or min_count:)
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


def run_sensor(sensor, root, case, out_path):
    pcaps = case['pcap'] if isinstance(case['pcap'], list) else [case['pcap']]
    cmd = [sensor, '-q', '-o', out_path] + [str(a) for a in case.get('args', [])]
    cmd += ['-r'] + [os.path.join(root, p) for p in pcaps]
    if 'quiet' in case and not case['quiet']:
        cmd.remove('-q')
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    raw = b''
    if os.path.exists(out_path):
        with open(out_path, 'rb') as f:
            raw = f.read()
    return proc, raw


def check_filters(events, checks):
    failures = []
    for i, chk in enumerate(checks or []):
        flt = chk['filter']
        n = sum(1 for e in events if matches(e, flt.get('match', {})))
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
        out1 = os.path.join(tmp, 'eve1.json')
        proc, raw = run_sensor(sensor, root, case, out1)
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
            _, raw2 = run_sensor(sensor, root, case, out2)
            if raw != raw2:
                failures.append('two runs on the same input gave different output')
    name = os.path.basename(os.path.normpath(case_dir))
    if failures:
        print('FAIL %s\n  ' % name + '\n  '.join(failures))
        return 1
    print('ok %s: %d checks' % (name, len(case.get('checks') or [])))
    return 0


if __name__ == '__main__':
    sys.exit(main())
