#!/usr/bin/env python3
"""A capture file cut shorter while sightline replays it: the replay must end
cleanly where the file was cut, never by a signal.

sightline reads a regular capture file through windows of it mapped into
memory (sensor/capture/filebuf.c); touching a page of a mapped file that has
been cut away raises SIGBUS, which would kill the process unless sightline
catches it.  This writes a 128 MiB classic pcap (records of random sizes, in a
temporary directory), starts sightline on it, waits until /proc/PID/maps
shows a window of the file mapped, stops the process (SIGSTOP), cuts the file
(ahead of the readers, near the end of the furthest window, inside a
record or at a record boundary; or to nothing), lets it go on (SIGCONT) and checks: exit 0
(no signal), stderr empty or the "capture ends in a cut-short record"
warning naming the last whole record (only for a cut inside a record),
and the stats event counting exactly the records wholly before the cut.  With --workers 2 each
worker reads through its own windows.

Usage: cut.py SIGHTLINE
"""
import json
import os
import random
import signal
import struct
import subprocess
import sys
import tempfile
import time


def write_pcap(path, rng):
    """Records with TCP-looking payloads of random sizes; returns the offset
    of every record and the file's end."""
    offs = [24]
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        eth = bytes.fromhex('020000000001020000000002') + b'\x08\x00'
        while offs[-1] < 128 << 20:
            n = rng.choice((60, 120, 590, 1514, 1514, 9000))
            i = len(offs)
            ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, n - 14, i & 0xffff, 0, 64, 17, 0,
                             bytes((10, 0, i >> 8 & 255, i & 255)), bytes((10, 1, 0, 1)))
            udp = struct.pack('!HHHH', 40000 + i % 1000, 9, n - 34, 0)
            body = (eth + ip + udp + bytes(range(256)) * 40)[:n]
            f.write(struct.pack('<IIII', 1700000000 + i // 1000, i % 1000 * 1000, n, n) + body)
            offs.append(offs[-1] + 16 + n)
    return offs


def windows_of(pid, path):
    """(file offset, length) of each mapping of path in process pid."""
    found = []
    try:
        with open('/proc/%d/maps' % pid) as m:
            for line in m:
                if line.rstrip().endswith(path):
                    lo, hi = (int(x, 16) for x in line.split()[0].split('-'))
                    found.append((int(line.split()[2], 16), hi - lo))
    except OSError:
        pass
    return found


def stopped_reading(sensor, path, workers):
    """sightline started on path and stopped (SIGSTOP) once each worker
    has a window of it mapped; (process, windows) or (process, None)."""
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get('ASAN_OPTIONS', '') + ':detect_leaks=0')
    p = subprocess.Popen([sensor, '-q', '--workers', str(workers), '-o', '-', '-r', path],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    t0 = time.time()
    while p.poll() is None and time.time() - t0 < 60:
        if len(windows_of(p.pid, path)) >= workers:
            os.kill(p.pid, signal.SIGSTOP)
            time.sleep(0.01)  # the stop has taken effect
            wins = windows_of(p.pid, path)
            if len(wins) >= workers:  # not a reader between two windows
                return p, wins
            os.kill(p.pid, signal.SIGCONT)
    return p, None


def run_cut(sensor, path, offs, how, workers, rng):
    p, wins = stopped_reading(sensor, path, workers)
    if not wins:
        out, err = p.communicate()
        return 'never saw the windows mapped (exit %s): %s' % (p.returncode, err.decode()[-300:])
    # Ahead of every reader: near the end of the furthest window (a reader
    # is inside its window; in its last 20 kB only by a rare chance).
    lo = max(start + length for start, length in wins) - 20000
    k = next(i for i, o in enumerate(offs) if o >= lo)
    cut = {'nothing': 0, 'boundary': offs[k]}.get(how)
    if cut is None:
        cut = offs[k] + 1 + rng.randrange(offs[k + 1] - offs[k] - 1)
    os.truncate(path, cut)
    os.kill(p.pid, signal.SIGCONT)
    out, err = p.communicate(timeout=300)
    err = err.decode()
    whole = sum(1 for i in range(len(offs) - 1) if offs[i + 1] <= cut)
    stats = [json.loads(l) for l in out.decode().splitlines() if '"event_type":"stats"' in l]
    packets = stats[-1]['stats']['capture']['packets'] if stats else None
    problems = []
    if p.returncode != 0:
        problems.append('exit %d' % p.returncode + (' (signal %d)' % -p.returncode
                                                    if p.returncode < 0 else ''))
    if err and (how != 'inside' or 'capture ends in a cut-short record' not in err):
        problems.append('stderr: ' + err[-300:])
    if how == 'inside' and 'after packet %d ' % whole not in err:
        problems.append('no cut-short warning after packet %d: %s' % (whole, err[-200:]))
    if how != 'nothing' and packets != whole:
        problems.append('%s packets counted, %d records wholly before the cut' % (packets, whole))
    return '; '.join(problems)


def main():
    sensor = os.path.abspath(sys.argv[1])
    rng = random.Random(14)
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        master = os.path.join(d, 'whole.pcap')
        offs = write_pcap(master, rng)
        for workers in (1, 2):
            for how in ('inside', 'boundary', 'nothing', 'inside'):
                path = os.path.join(d, 'cut.pcap')
                with open(master, 'rb') as src, open(path, 'wb') as dst:
                    dst.write(src.read())
                for _ in range(3):  # a replay may end before both windows are seen at once
                    why = run_cut(sensor, path, offs, how, workers, rng)
                    if not why.startswith('never saw'):
                        break
                    with open(master, 'rb') as src, open(path, 'wb') as dst:
                        dst.write(src.read())
                print('%s: workers %d, cut %s' % ('FAIL' if why else 'ok', workers, how)
                      + (': ' + why if why else ''))
                failed += bool(why)
    print('%d passed, %d failed' % (8 - failed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
