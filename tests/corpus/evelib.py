"""Shared by the corpus checks: run sightline on one capture and read its
flow events back, and look fields up by their dotted EVE path."""
import json
import os
import subprocess
import tempfile


def no_duplicates(pairs):
    """JSON object hook: a repeated key is a writer bug, so fail loudly."""
    keys = [k for k, _ in pairs]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError('duplicate JSON keys %s' % dup)
    return dict(pairs)


def flow_events(sensor, pcap):
    """The flow events of one replay; a non-zero exit raises RuntimeError."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'eve.json')
        proc = subprocess.run([sensor, '-q', '-o', out, '-r', pcap], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError('%s: exit %d: %s' % (pcap, proc.returncode, proc.stderr))
        with open(out) as f:
            events = [json.loads(line, object_pairs_hook=no_duplicates) for line in f]
    return [e for e in events if e.get('event_type') == 'flow']


def endpoints(ev):
    """The flow's two (address, port) ends, in either order."""
    return frozenset([(ev['src_ip'], ev['src_port']), (ev['dest_ip'], ev['dest_port'])])


def get(ev, path):
    """Value at a dotted path such as 'tls.cert.subject', or None."""
    for part in path.split('.'):
        if not isinstance(ev, dict) or part not in ev:
            return None
        ev = ev[part]
    return ev
