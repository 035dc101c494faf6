#!/usr/bin/env python3
"""Flood test: the flow table's memory stays bounded by its cap, a full
table gives up the flood's flows and not a live session, and the stats say
what happened and what a flow costs.

sl-pcapgen flood writes SYN + UDP one-packet flows (every packet a new flow)
with a real TCP session, a DNS exchange and a long SSH session (a keystroke
every --ssh-ms, through the whole flood) interleaved, into a temporary file
(never committed).  sightline replays it with flow.max_flows = CAP and small
caches; its peak RSS (ru_maxrss of the child, from wait4) must stay under

    bound = baseline + CAP * 2 KiB + intel.cache_entries * 648 B + 4 MiB

where baseline is the peak RSS of the same command on the real flows alone
(2 KiB per flow covers the flow record, its hash buckets and parser state;
648 B is the documented size of a geo cache entry; 4 MiB is allocator and
stdio slack).  The table cycles through CAP flows in CAP * 10 us of packet
time, far less than the session's keystroke interval, so a table that
evicted the least recently seen flow would split the session into a record
per keystroke; it must come out as one record with app_proto ssh.  The
stats event must count the evictions by class (all of them embryonic here)
with evictions equal to the flows that ended as evicted, and the real flows
must be reported with their exact counters.

stats.flow.bytes_per_flow must tell what a flow costs: the same flood is
replayed once more with a table large enough for every flow, and the peak
RSS growth over the baseline, per flow, must be within 20 % of it.

Usage: flood.py SIGHTLINE SL-PCAPGEN [--syn N] [--udp N] [--cap N] [--ssh-ms MS]
                [--sanitized]
--sanitized: an ASan build; RSS is then not measured (bound, bytes per flow).
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
    # meson test sets MALLOC_PERTURB_, with which glibc writes every block it hands out:
    # the table's lazily mapped pages would all be resident and RSS would not be what a
    # user's process takes.
    env = {k: v for k, v in os.environ.items() if k != 'MALLOC_PERTURB_'}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    kept = []
    for line in proc.stdout:
        if b'"10.77.0.5"' in line or b'"10.77.0.7"' in line or b'"event_type":"stats"' in line:
            kept.append(json.loads(line))
    err = proc.stderr.read().decode(errors='replace')
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if err:
        sys.stderr.write(err)
    return proc.returncode, usage.ru_maxrss, kept


def generate(pcapgen, path, syn, udp, ssh_ms=0):
    extra = ['--ssh', str(ssh_ms)] if ssh_ms else []
    subprocess.run([pcapgen, 'flood', '--syn', str(syn), '--udp', str(udp), '--gap-us', '10',
                    '--real'] + extra + [path], check=True)


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


def check_session(events):
    """The long SSH session: one record, identified, closed by its FIN."""
    hits = [e for e in events if e.get('event_type') == 'flow' and e.get('src_ip') == '10.77.0.7'
            and e.get('src_port') == 50022]
    if len(hits) != 1:
        return ['long SSH session: %d records, expected 1 (first: %s)'
                % (len(hits), hits[0]['flow'] if hits else None)]
    f = hits[0]
    if f.get('app_proto') != 'ssh' or f['flow'].get('reason') != 'fin' \
            or f['flow'].get('start') != '2026-03-02T14:00:00.050000+0000':
        return ['long SSH session: expected app_proto ssh, reason fin, start at +50 ms; got %s %s'
                % (f.get('app_proto'), f['flow'])]
    return []


def check_flow_stats(flow, a):
    """Capacity held, evictions counted by class and equal to the evicted ends."""
    bad = []
    ended = flow.get('ended', {})
    if flow['evictions'] < a.syn + a.udp - a.cap or flow['active_max'] > a.cap \
            or flow['capacity'] != a.cap:
        bad.append('stats.flow: %s; expected capacity %d, active_max <= %d, evictions >= %d'
                   % (flow, a.cap, a.cap, a.syn + a.udp - a.cap))
    if flow['evictions'] != ended.get('evicted'):
        bad.append('stats.flow.evictions %s != stats.flow.ended.evicted %s'
                   % (flow['evictions'], ended.get('evicted')))
    if flow.get('evicted_embryonic', -1) + flow.get('evicted_established', -1) \
            != flow['evictions'] or flow.get('evicted_established') != 0:
        bad.append('evictions by class: embryonic %s + established %s should be %s, '
                   'established 0 (only flood flows may go)'
                   % (flow.get('evicted_embryonic'), flow.get('evicted_established'),
                      flow['evictions']))
    return bad


def check_bytes_per_flow(a, small, flood, bad):
    """Peak RSS growth per flow with no eviction, against stats.flow.bytes_per_flow."""
    cap = a.syn + a.udp + 64
    _, base_big, _ = replay(a.sensor, small, cap)
    _, peak, events = replay(a.sensor, flood, cap)
    flow = [e['stats']['flow'] for e in events if e.get('event_type') == 'stats'][0]
    grown = (peak - base_big) * 1024 / max(flow['active_max'], 1)
    said = flow['bytes_per_flow']
    print('no eviction (cap %d): %d flows at once, peak RSS %d KiB over %d KiB: %.0f B per flow '
          'grown; stats.flow.bytes_per_flow %d' % (cap, flow['active_max'], peak, base_big,
                                                   grown, said))
    if abs(grown - said) > 0.2 * grown:
        bad.append('stats.flow.bytes_per_flow %d is not within 20%% of the %.0f B per flow '
                   'measured from RSS' % (said, grown))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('sensor')
    ap.add_argument('pcapgen')
    ap.add_argument('--syn', type=int, default=200000)
    ap.add_argument('--udp', type=int, default=100000)
    ap.add_argument('--cap', type=int, default=4096)
    ap.add_argument('--ssh-ms', type=int, default=100)
    ap.add_argument('--sanitized', action='store_true')
    a = ap.parse_args()
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        small, flood = os.path.join(tmp, 'real.pcap'), os.path.join(tmp, 'flood.pcap')
        generate(a.pcapgen, small, 1, 0)
        generate(a.pcapgen, flood, a.syn, a.udp, a.ssh_ms)
        rc0, base, ev0 = replay(a.sensor, small, a.cap)
        rc, peak, events = replay(a.sensor, flood, a.cap)
        if not a.sanitized:
            check_bytes_per_flow(a, small, flood, bad)
    bound = base + a.cap * 2 + CACHE * 648 // 1024 + 4096
    stats = [e['stats'] for e in events if e.get('event_type') == 'stats']
    flow = stats[0]['flow'] if len(stats) == 1 else {}
    sessions = len([e for e in events if e.get('event_type') == 'flow'
                    and e.get('src_ip') == '10.77.0.7' and e.get('src_port') == 50022])
    print('cap %d flows, %d flood flows: peak RSS %d KiB (baseline %d KiB, bound %d KiB; '
          'unbounded they would need %s KiB); evictions %s (embryonic %s, established %s), '
          'active_max %s; the long SSH session in %d record(s)'
          % (a.cap, a.syn + a.udp, peak, base, bound,
             (a.syn + a.udp) * flow.get('bytes_per_flow', 0) // 1024, flow.get('evictions'),
             flow.get('evicted_embryonic'), flow.get('evicted_established'),
             flow.get('active_max'), sessions))
    if rc0 != 0 or rc != 0:
        bad.append('exit status %d (baseline %d), expected 0' % (rc, rc0))
    bad += ['baseline: ' + b for b in check_real_flows(ev0)]
    bad += check_real_flows(events)
    bad += check_session(events)
    if not flow:
        bad.append('no stats event')
    else:
        bad += check_flow_stats(flow, a)
    if not a.sanitized and peak > bound:
        bad.append('peak RSS %d KiB over the bound %d KiB' % (peak, bound))
    for b in bad:
        print('FAIL ' + b)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
