#!/usr/bin/env python3
"""Size report (STYLE.md 15): fails when a C function in sensor/ or pcaps/gen/
exceeds 100 lines or a file exceeds 800 lines; prints the median and the
largest so reviews see the trend.  Functions are found the way the code is
written here: a '{' alone in column 0 opens a function body, '}' closes it.

Usage: sizes.py SOURCE_ROOT
"""
import glob
import os
import statistics
import sys

MAX_FUNC, MAX_FILE = 100, 800


def functions(path):
    lines = open(path, encoding='utf-8').read().split('\n')
    i = 0
    while i < len(lines):
        if lines[i] == '{' and i > 0:
            j = i + 1
            while j < len(lines) and lines[j] != '}':
                j += 1
            head = lines[i - 1] if '(' in lines[i - 1] else lines[max(i - 2, 0)]
            yield j - i + 1, head.strip()
            i = j
        i += 1


def main():
    root = sys.argv[1]
    files = sorted(glob.glob(os.path.join(root, 'sensor/**/*.c'), recursive=True) +
                   glob.glob(os.path.join(root, 'pcaps/gen/*.c')))
    sizes, bad = [], []
    for f in files:
        rel = os.path.relpath(f, root)
        n = sum(1 for _ in open(f, encoding='utf-8'))
        if n > MAX_FILE:
            bad.append('%s: %d lines (limit %d)' % (rel, n, MAX_FILE))
        for length, name in functions(f):
            sizes.append((length, rel, name))
            if length > MAX_FUNC:
                bad.append('%s: %s is %d lines (limit %d)' % (rel, name, length, MAX_FUNC))
    sizes.sort(reverse=True)
    print('%d functions in %d files; median %g lines; largest %d (%s in %s)'
          % (len(sizes), len(files), statistics.median(s[0] for s in sizes),
             sizes[0][0], sizes[0][2][:50], sizes[0][1]))
    for b in bad:
        print('TOO LONG ' + b)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
