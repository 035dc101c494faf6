#!/usr/bin/env python3
"""LeakSanitizer-clean replays (ASan build only; skipped otherwise).

One run over the project's directories pcaps/real and pcaps/gen-out, then one
run per file of pcaps/malformed and of the reference corpus ../shared/corpus
(when present; per file because one unsupported link type stops a whole run
with exit 2, and the error paths must be leak-free too).  Every run has
detect_leaks=1 and must exit 0, 1 or 2 with no sanitizer report on stderr.

Usage: leaks.py SIGHTLINE SOURCE_ROOT [--sanitized]
"""
import os
import subprocess
import sys

MARKS = ('LeakSanitizer', 'ERROR: AddressSanitizer', 'runtime error:')


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools'))
from captures import captures  # noqa: E402  (one walker for every test script)


def run(sensor, paths, env):
    proc = subprocess.run([sensor, '-o', '/dev/null', '-r'] + paths, env=env,
                          capture_output=True, text=True, timeout=600)
    found = [m for m in MARKS if m in proc.stderr]
    if proc.returncode not in (0, 1, 2) or found:
        return 'exit %d, %s:\n%s' % (proc.returncode, found or 'no report', proc.stderr[-4000:])
    return None


def main():
    sensor, root = sys.argv[1], sys.argv[2]
    if '--sanitized' not in sys.argv[3:]:
        print('not an ASan build: run tests/run --sanitize')
        return 77
    env = dict(os.environ)
    env['ASAN_OPTIONS'] = 'detect_leaks=1:' + env.get('ASAN_OPTIONS', '')
    runs = [[os.path.join(root, 'pcaps/real'), os.path.join(root, 'pcaps/gen-out')]]
    runs += [[p] for p in captures(os.path.join(root, 'pcaps/malformed'))]
    runs.append([os.path.join(root, 'pcaps/malformed/not-a-capture.txt')])
    corpus = os.path.join(os.path.dirname(os.path.abspath(root)), 'shared', 'corpus')
    if os.path.isdir(corpus):
        runs += [[p] for p in captures(corpus)]
    else:
        print('corpus %s absent: project captures only' % corpus)
    failures = 0
    for paths in runs:
        problem = run(sensor, paths, env)
        if problem:
            failures += 1
            print('FAIL %s: %s' % (' '.join(paths), problem))
    print('%d leak-checked runs, %d failed' % (len(runs), failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
