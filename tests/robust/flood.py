#!/usr/bin/env python3
"""Flood test: the flow table's memory stays bounded by its cap.

sl-pcapgen flood writes SYN + UDP one-packet flows (every packet a new flow)
with a real TCP session and a DNS exchange interleaved, into a temporary file
(never committed).  sightline replays it with flow.max_flows = CAP and small
caches; its peak RSS (ru_maxrss of the child, from wait4) must stay under

    bound = baseline + CAP * 2 KiB + intel.cache_entries * 648 B + 4 MiB

where baseline is the peak RSS of the same command on the real flows alone
(2 KiB per flow covers the 184-byte flow record, its hash buckets and parser
state; 648 B is the documented size of a geo cache entry; 4 MiB is allocator
and stdio slack).  Without the cap the flows alone would need
packets * 184 B.  The stats event must count the evictions, and the two real
flows must still be reported with their exact counters.

Usage: flood.py SIGHTLINE SL-PCAPGEN [--syn N] [--udp N] [--cap N] [--sanitized]
--sanitized: an ASan build; RSS is then not measured against the bound.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

CACHE = 1024


def settings(cap):
    return ['--set', 'flow.max_flows=%d' % cap, '--set', 'intel.cache_entries=%d' % CACHE,
            '--set', 'rules.max_groups=64', '--set', 'scoring.max_subjects=64']


def replay(sensor, pcap, cap):
    """Run sightline with EVE on a pipe; keep the real flows and the stats
    event; return (exit status, peak RSS in KiB, kept events)."""
    cmd = [sensor, '-q', '-o', '-'] + settings(cap) + ['-r', pcap]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    kept = []
    for line in proc.stdout:
        if b'"10.77.0.5"' in line or b'"event_type":"stats"' in line:
            kept.append(json.loads(line))
    err = proc.stderr.read().decode(errors='replace')
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if err:
        sys.stderr.write(err)
    return proc.returncode, usage.ru_maxrss, kept


def generate(pcapgen, path, syn, udp):
    subprocess.run([pcapgen, 'flood', '--syn', str(syn), '--udp', str(udp), '--gap-us', '10',
                    '--real', path], check=True)


def one(events, **want):
    hits = [e for e in events if e.get('event_type') == 'flow'
            and all(e.get(k) == v for k, v in want.items())]
    return hits[0] if len(hits) == 1 else None


def check_real_flows(events):
    """The two real conversations, field by field (see pcaps/gen/flood.c)."""
    bad = []
    tcp = one(events, src_ip='10.77.0.5', src_port=45000, dest_ip='203.0.113.10', dest_port=443)
    want = {'pkts_toserver': 6, 'pkts_toclient': 4, 'bytes_toserver': 921,
            'bytes_toclient': 2072, 'state': 'closed', 'reason': 'fin'}
    if not tcp or any(tcp['flow'].get(k) != v for k, v in want.items()):
        bad.append('TCP session: expected one flow event with %s, got %s' % (want, tcp))
    dns = one(events, src_ip='10.77.0.5', src_port=53001, dest_ip='192.0.2.53', dest_port=53)
    want = {'pkts_toserver': 1, 'pkts_toclient': 1, 'bytes_toserver': 78, 'bytes_toclient': 94}
    if not dns or dns.get('app_proto') != 'dns' or \
            any(dns['flow'].get(k) != v for k, v in want.items()):
        bad.append('DNS exchange: expected one dns flow event with %s, got %s' % (want, dns))
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('sensor')
    ap.add_argument('pcapgen')
    ap.add_argument('--syn', type=int, default=200000)
    ap.add_argument('--udp', type=int, default=100000)
    ap.add_argument('--cap', type=int, default=4096)
    ap.add_argument('--sanitized', action='store_true')
    a = ap.parse_args()
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        small, flood = os.path.join(tmp, 'real.pcap'), os.path.join(tmp, 'flood.pcap')
        generate(a.pcapgen, small, 1, 0)
        generate(a.pcapgen, flood, a.syn, a.udp)
        rc0, base, ev0 = replay(a.sensor, small, a.cap)
        rc, peak, events = replay(a.sensor, flood, a.cap)
    packets = a.syn + a.udp + 12
    bound = base + a.cap * 2 + CACHE * 648 // 1024 + 4096
    stats = [e['stats'] for e in events if e.get('event_type') == 'stats']
    flow = stats[0]['flow'] if len(stats) == 1 else {}
    print('cap %d flows, %d packets: peak RSS %d KiB (baseline %d KiB, bound %d KiB; '
          'unbounded flows alone would need %d KiB); evictions %s, active_max %s'
          % (a.cap, packets, peak, base, bound, (a.syn + a.udp) * 184 // 1024,
             flow.get('evictions'), flow.get('active_max')))
    if rc0 != 0 or rc != 0:
        bad.append('exit status %d (baseline %d), expected 0' % (rc, rc0))
    bad += ['baseline: ' + b for b in check_real_flows(ev0)]
    bad += check_real_flows(events)
    if not flow:
        bad.append('no stats event')
    elif flow['evictions'] < a.syn + a.udp - a.cap or flow['active_max'] > a.cap \
            or flow['capacity'] != a.cap:
        bad.append('stats.flow: %s; expected capacity %d, active_max <= %d, evictions >= %d'
                   % (flow, a.cap, a.cap, a.syn + a.udp - a.cap))
    if not a.sanitized and peak > bound:
        bad.append('peak RSS %d KiB over the bound %d KiB' % (peak, bound))
    for b in bad:
        print('FAIL ' + b)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
