#!/usr/bin/env python3
"""The stages' boundaries (README "Layout"), checked on the sources:

- a stage includes no public header of a stage that runs after it or
  drives it (the parsers know nothing of identification, the engine,
  subjects or outputs; the hosts table knows no parser; the flow table and
  the decoder know neither);
- a header beside a module (sensor/<stage>/*.h) is included only by its
  stage, the tests, and the readers listed in SHARED_PRIVATE;
- the pipeline's stages take no lock and share no atomics: all locking is
  the engine's (sensor/engine/lock.c);
- a flow record carries no parser dispatcher (what is known across flows
  is the hosts table's, include/sightline/hosts.h).

Prints each breach as FILE:LINE and exits 1 when there is any.

Usage: layers.py SOURCE_ROOT
"""
import os
import re
import sys

# stage -> public headers (include/sightline/<name>.h) it must not include
FORBIDDEN = {
    'proto': {'engine', 'identify', 'subject', 'rules', 'capture', 'output', 'eve', 'enrich'},
    'identify': {'engine', 'subject', 'rules', 'capture', 'output', 'eve'},
    'hosts': {'engine', 'identify', 'proto', 'subject', 'rules', 'capture', 'output', 'eve'},
    'flow': {'engine', 'identify', 'proto', 'hosts', 'subject', 'rules', 'capture'},
    'decode': {'engine', 'identify', 'proto', 'hosts', 'flow', 'subject', 'rules', 'capture'},
}
# stages whose code runs on the engine's threads under its lock regime
NO_LOCKS = ('proto', 'identify', 'hosts', 'flow', 'decode', 'subject')
LOCK = re.compile(r'\bpthread_(mutex|rwlock|spin|cond)_\w+|\b_Atomic\b|<stdatomic\.h>|\batomic_\w+\(')
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
# private headers read outside their stage, and by whom
SHARED_PRIVATE = {
    'sensor/proto/obfs.h': {'sensor/identify/obfs.c'},
}


def sources(root):
    for top in ('sensor', 'include'):
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if f.endswith(('.c', '.h')):
                    yield os.path.relpath(os.path.join(d, f), root)


def stage_of(path):
    parts = path.split('/')
    return parts[1] if parts[0] == 'sensor' and len(parts) > 2 else None


def resolve(path, inc):
    """The tree path an include names ("" for a system or generated one)."""
    if inc.startswith('sightline/'):
        return 'include/' + inc
    if inc.startswith('sensor/'):
        return inc
    return os.path.normpath(os.path.join(os.path.dirname(path), inc))


def check_file(root, path, bad):
    stage = stage_of(path)
    for n, line in enumerate(open(os.path.join(root, path), encoding='utf-8'), 1):
        m = INCLUDE.match(line)
        if m:
            target = resolve(path, m.group(1))
            name = os.path.basename(target)[:-2]
            if target.startswith('include/sightline/') and name in FORBIDDEN.get(stage, ()):
                bad.append('%s:%d: the %s stage includes sightline/%s.h' % (path, n, stage, name))
            owner = stage_of(target)
            if owner and owner != stage and path not in SHARED_PRIVATE.get(target, ()):
                bad.append('%s:%d: includes %s, private to sensor/%s' % (path, n, target, owner))
        if stage in NO_LOCKS and LOCK.search(line.split('//')[0]):
            bad.append('%s:%d: a lock or atomic in sensor/%s (locking is the engine\'s)'
                       % (path, n, stage))


def main():
    root = sys.argv[1]
    bad = []
    for path in sources(root):
        check_file(root, path, bad)
    record = open(os.path.join(root, 'include/sightline/field.h'), encoding='utf-8').read()
    if 'sl_dispatch' in record:
        bad.append('include/sightline/field.h: the flow record refers to the dispatcher')
    for b in bad:
        print(b)
    print('%d breaches of the stages\' boundaries' % len(bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
