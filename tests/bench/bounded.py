#!/usr/bin/env python3
"""How long sightline takes to refuse (or get through) the hostile inputs of
issue 13, measured in one run of this script: a .mmdb whose search tree
loops, an 80,000-level YAML configuration and roster, and |re rules with a
runaway backreference on a 400-byte field.

usage: tests/bench/bounded.py [SIGHTLINE [OTHER_SIGHTLINE]]

SIGHTLINE defaults to build/sightline; OTHER_SIGHTLINE (e.g. a build of an
older commit, with its rules/ beside it) is timed on the same inputs in the
same run.  A case still running after SL_BENCH_LIMIT seconds (default 300)
gets SIGTERM, and SIGKILL 5 s later if it ignores it; it is reported so.
Prints one line per case and binary: wall and CPU seconds (the machine may
be shared: CPU is the figure to compare), exit status, first line of stderr."""
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIMIT = float(os.environ.get('SL_BENCH_LIMIT', '300'))
DNS = os.path.join(ROOT, 'pcaps', 'real', 'dns.pcap')


def inputs(sensor, tmp):
    with open(tmp + '/city.csv', 'w') as f:
        f.write('198.51.100.0/24,x,city.names.en=Springfield,location.latitude=40.1,'
                'location.longitude=-89.6,country.iso_code=US\n')
    subprocess.run([sensor, 'mmdb', 'build', '--type', 'GeoLite2-City', tmp + '/city.csv',
                    tmp + '/city.mmdb'], check=True, capture_output=True)
    db = bytearray(open(tmp + '/city.mmdb', 'rb').read())
    db[6:12] = b'\0\0\1\0\0\1'  # node 1 (24-bit records) points at itself: a loop
    open(tmp + '/loop.mmdb', 'wb').write(db)
    open(tmp + '/loop.yaml', 'w').write('databases:\n  - {path: %s/loop.mmdb, schema: maxmind}\n'
                                        'sensor: {location: {city: Nowhere}}\n' % tmp)
    n = 80000
    open(tmp + '/deep.yaml', 'w').write('flow: ' + '[' * n + ']' * n + '\n')
    open(tmp + '/deep-roster.yaml', 'w').write('people: ' + '[' * n + ']' * n + '\n')
    for name, pat in (('backref', r'(a*)*\1b'), ('backref-limit', r'(a*)*\1[bc]')):
        open('%s/%s.yml' % (tmp, name), 'w').write(
            'title: %s\nid: %s\nscore: 10\nfamily: x\ndetection:\n'
            "  s: {http.http_user_agent|re|cased: '%s'}\n  condition: s\n"
            "tests:\n  nomatch: [{http.http_user_agent: '%s'}]\n" % (name, name, pat, 'a' * 400))
    return [
        ('looping .mmdb (sensor city)', ['-q', '-c', tmp + '/loop.yaml', '-r', DNS, '-o', os.devnull]),
        ('80k-deep YAML configuration', ['-c', tmp + '/deep.yaml', '--dump-config']),
        ('80k-deep YAML roster', ['-q', '--roster', tmp + '/deep-roster.yaml', '-r', DNS, '-o',
                                  os.devnull]),
        (r'|re (a*)*\1b, 400-byte field', ['rules', 'test', tmp + '/backref.yml']),
        (r'|re (a*)*\1[bc], 400-byte field', ['rules', 'test', tmp + '/backref-limit.yml']),
    ]


def timed(argv):
    """(wall s, cpu s, exit status, note)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    note = None
    try:
        _, err = p.communicate(timeout=LIMIT)
    except subprocess.TimeoutExpired:
        p.terminate()
        try:
            _, err = p.communicate(timeout=5)
            note = 'still running after %g s: stopped by SIGTERM' % LIMIT
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
            note = 'still running after %g s, ignored SIGTERM: killed 5 s later' % LIMIT
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    first = err.decode(errors='replace').strip().split('\n')[0][:140]
    return wall, cpu, p.returncode, note or first


def main():
    bins = sys.argv[1:3] or [os.path.join(ROOT, 'build', 'sightline')]
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in inputs(bins[0], tmp):
            for b in bins:
                wall, cpu, rc, note = timed([b] + args)
                print('%-32s %-22s wall %8.3f s  cpu %8.3f s  exit %4d  %s'
                      % (name, b, wall, cpu, rc, note), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
