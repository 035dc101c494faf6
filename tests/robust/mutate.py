#!/usr/bin/env python3
"""Replay deterministic random mutations of real captures through sightline.

Each of COUNT mutants (default 300, seed fixed) is one capture from the
project (pcaps/real, pcaps/gen-out, pcaps/malformed) or, when present, from
the reference corpus ../shared/corpus (files up to 256 KiB), damaged by one
to three of: bit flips, byte runs, truncation at a random offset, truncation
inside the file header or inside a record/block header, a duplicated,
removed or swapped record/block, and an overwritten length/snaplen/link-type
field.  sightline must exit 0, 1 or 2, write only whole JSON lines, and
print no sanitizer report (the ASan build runs this too: tests/run --sanitize).

Usage: mutate.py SIGHTLINE SOURCE_ROOT [--count N] [--seed S] [--keep DIR]
A failing mutant is kept (in --keep, default a temporary directory that is
not removed) and printed with the recipe that made it.
"""
import argparse
import concurrent.futures
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

MAX_BYTES = 256 * 1024
PCAP_MAGICS = {b'\xd4\xc3\xb2\xa1': '<', b'\xa1\xb2\xc3\xd4': '>',
               b'\x4d\x3c\xb2\xa1': '<', b'\xa1\xb2\x3c\x4d': '>',
               b'\x34\xcd\xb2\xa1': '<', b'\xa1\xb2\xcd\x34': '>'}
PCAPNG_MAGIC = b'\x0a\x0d\x0d\x0a'
SANITIZER_MARKS = ('ERROR: AddressSanitizer', 'runtime error:', 'LeakSanitizer',
                   'ERROR: UndefinedBehaviorSanitizer')
INTERESTING = (0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0xffff, 0x10000, 65535, 262144, 16, 24)


def is_capture(head):
    return head[:4] in PCAP_MAGICS or head[:4] == PCAPNG_MAGIC


def collect(root, dirs):
    """Capture files under dirs (sorted, recursive), at most MAX_BYTES each."""
    found = []
    for d in dirs:
        for base, subdirs, names in os.walk(os.path.join(root, d)):
            subdirs.sort()
            for n in sorted(names):
                p = os.path.join(base, n)
                if os.path.getsize(p) > MAX_BYTES or os.path.getsize(p) < 4:
                    continue
                with open(p, 'rb') as f:
                    if is_capture(f.read(4)):
                        found.append(p)
    return found


def blocks(data):
    """(offset, length) of the file header and each record (pcap) or block
    (pcapng), as far as the lengths make sense; the rest is one tail block."""
    out = []
    if data[:4] in PCAP_MAGICS:
        end = PCAP_MAGICS[data[:4]]
        out.append((0, min(24, len(data))))
        at = 24
        while at + 16 <= len(data):
            incl = struct.unpack_from(end + 'I', data, at + 8)[0]
            n = 16 + incl
            if at + n > len(data):
                break
            out.append((at, n))
            at += n
    else:
        end = '<' if data[8:12] == b'\x4d\x3c\x2b\x1a' else '>'
        at = 0
        while at + 12 <= len(data):
            n = struct.unpack_from(end + 'I', data, at + 4)[0]
            if n < 12 or at + n > len(data):
                break
            out.append((at, n))
            at += n
    if at < len(data):
        out.append((at, len(data) - at))
    return out, end


def mutate_once(rng, data):
    """Apply one random mutation; returns (new bytes, description)."""
    data = bytearray(data)
    blks, end = blocks(bytes(data))
    kind = rng.choice(['flip', 'flip', 'run', 'run', 'truncate', 'truncate-header',
                       'truncate-block-header', 'duplicate', 'remove', 'swap', 'field'])
    if kind == 'flip':
        n = rng.randint(1, 8)
        for _ in range(n):
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
        return bytes(data), 'flip %d bits' % n
    if kind == 'run':
        i, n = rng.randrange(len(data)), rng.randint(1, 32)
        v = rng.choice([0, 0xff, rng.randrange(256)])
        data[i:i + n] = bytes([v]) * len(data[i:i + n])
        return bytes(data), 'run of %d x %02x at %d' % (n, v, i)
    if kind == 'truncate':
        i = rng.randrange(len(data))
        return bytes(data[:i]), 'truncate at %d' % i
    if kind == 'truncate-header':
        i = rng.randrange(min(len(data), 40))
        return bytes(data[:i]), 'truncate in file header at %d' % i
    off, ln = rng.choice(blks)
    if kind == 'truncate-block-header':
        i = off + rng.randrange(min(ln, 28))
        return bytes(data[:i]), 'truncate in block header at %d' % i
    if kind == 'duplicate':
        where = rng.choice(blks)[0]
        return bytes(data[:where] + data[off:off + ln] + data[where:]), \
            'duplicate block %d+%d at %d' % (off, ln, where)
    if kind == 'remove':
        return bytes(data[:off] + data[off + ln:]), 'remove block %d+%d' % (off, ln)
    if kind == 'swap':
        o2, l2 = rng.choice(blks)
        if o2 < off:
            off, ln, o2, l2 = o2, l2, off, ln
        if o2 < off + ln:
            return bytes(data), 'swap (same block, no change)'
        return bytes(data[:off] + data[o2:o2 + l2] + data[off + ln:o2] + data[off:off + ln]
                     + data[o2 + l2:]), 'swap blocks at %d and %d' % (off, o2)
    # a 32-bit field near the start of a block: lengths, snaplen, link type
    pos = off + 4 * rng.randrange(max(1, min(ln, 24) // 4))
    if pos + 4 > len(data):
        return bytes(data), 'field (too short, no change)'
    v = rng.choice(INTERESTING)
    struct.pack_into(end + 'I', data, pos, v)
    return bytes(data), 'field at %d = %#x' % (pos, v)


def make_mutant(rng, src):
    with open(src, 'rb') as f:
        data = f.read()
    recipe = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        if not data:
            break
        data, what = mutate_once(rng, data)
        recipe.append(what)
    return data, recipe


def run_one(sensor, path, out):
    try:
        proc = subprocess.run([sensor, '-q', '-o', out, '-r', path], capture_output=True,
                              timeout=60)
    except subprocess.TimeoutExpired:
        return 'timed out after 60 s', None
    err = proc.stderr.decode(errors='replace')
    problems = []
    if proc.returncode not in (0, 1, 2):
        problems.append('exit status %d' % proc.returncode)
    problems += ['stderr has "%s"' % m for m in SANITIZER_MARKS if m in err]
    if os.path.exists(out):
        with open(out, 'rb') as f:
            for n, line in enumerate(f.read().splitlines(), 1):
                try:
                    json.loads(line)
                except ValueError:
                    problems.append('EVE line %d is not JSON' % n)
                    break
        os.unlink(out)
    if problems:
        return '; '.join(problems) + '\n' + err[-3000:], proc.returncode
    return None, proc.returncode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('sensor')
    ap.add_argument('root')
    ap.add_argument('--count', type=int, default=300)
    ap.add_argument('--seed', type=int, default=8)
    ap.add_argument('--keep')
    ap.add_argument('--jobs', type=int, default=2)
    a = ap.parse_args()
    own = collect(a.root, ['pcaps/real', 'pcaps/gen-out', 'pcaps/malformed'])
    corpus_dir = os.path.join(os.path.dirname(os.path.abspath(a.root)), 'shared', 'corpus')
    corpus = collect(corpus_dir, ['.']) if os.path.isdir(corpus_dir) else []
    if not corpus:
        print('corpus %s absent: mutating the project\'s own %d captures only'
              % (corpus_dir, len(own)))
    if not own:
        print('no captures found under %s' % a.root)
        return 1
    rng = random.Random(a.seed)
    keep = a.keep or tempfile.mkdtemp(prefix='sl-mutate-')
    os.makedirs(keep, exist_ok=True)
    jobs = []
    for i in range(a.count):
        # half from the corpus when there is one: the project's own files are few
        src = rng.choice(corpus if corpus and i % 2 else own)
        data, recipe = make_mutant(rng, src)
        path = os.path.join(keep, 'mutant-%03d' % i)
        with open(path, 'wb') as f:
            f.write(data)
        jobs.append((i, src, recipe, path))
    failures = 0
    codes = {}
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        results = pool.map(lambda j: run_one(a.sensor, j[3], j[3] + '.json'), jobs)
        for (i, src, recipe, path), (problem, code) in zip(jobs, results):
            codes[code] = codes.get(code, 0) + 1
            if problem:
                failures += 1
                print('FAIL mutant %d of %s (%s), kept as %s: %s'
                      % (i, src, ', '.join(recipe), path, problem))
            else:
                os.unlink(path)
    print('%d mutants (%d sources from the project, %d from the corpus), %d failed; exit '
          'statuses %s' % (a.count, len(own), len(corpus), failures,
                           ', '.join('%s: %d' % kv for kv in sorted(codes.items(), key=str))))
    if not failures and not a.keep:
        os.rmdir(keep)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
