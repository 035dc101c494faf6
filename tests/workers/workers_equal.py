#!/usr/bin/env python3
"""Offline workers: replaying a capture with --workers 1 and --workers 2
must give the same events.  Checked per capture over pcaps/real,
pcaps/gen-out and (when present) ../shared/corpus, and for each of those
directories read whole (-r DIR: the files one after the other, so the
capture's time steps back at every file, as it does inside
pcaps/gen-out/time-steps.pcap; flows must time out on the capture's clock
the same way whichever worker holds them):

- the flow events are the same set, field for field, except the fields
  that describe the flow's subject as it stood when the flow ended
  (subject.*, travel.*, physics.*): with workers, flows that end during the
  replay (FIN, RST, timeouts) reach the shared subject table in an order
  that depends on thread timing, and a subject's state is cumulative;
  likewise src/dest.dns_name, read from the shared DNS answer cache: a flow
  that ends while another worker is still behind the answer may miss it, or see
  an answer that came later in the capture (so may app/category when
  app_source is "dns", or "association": a product a host named in an
  earlier flow), and with them evidence.tier and evidence.flow, which follow
  from the product;
- the flow-scoped alerts are the same set, with the same exclusions;
- every flow is reported exactly once;
- the end-of-run stats agree on packets, bytes, IP packets and flows;
- --workers 1 twice gives byte-identical output but for the stats events'
  memory figure (N=1 is today's engine).

    workers_equal.py SIGHTLINE ROOT

SL_WORKERS_CORPUS=0 leaves ../shared/corpus out.
"""
import collections
import concurrent.futures
import json
import os
import subprocess
import sys

ORDER_DEPENDENT = ("subject", "travel", "physics")
DNS_NAMES = ("src", "dest")  # their dns_name comes from other flows' DNS answers


def run(sensor, cap, workers):
    p = subprocess.run([sensor, "-q", "-o", "-", "-r", cap, "--workers", str(workers)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 1):
        raise SystemExit("FAIL: %s --workers %d exit %d: %s" % (cap, workers, p.returncode,
                                                               p.stderr.decode()[-300:]))
    return p.stdout.decode()


def digest(text):
    flows, alerts, stats = collections.Counter(), collections.Counter(), {}
    for line in text.splitlines():
        ev = json.loads(line)
        kind = ev.get("event_type")
        if kind == "stats":
            stats = ev["stats"]
            continue
        if kind not in ("flow", "alert") or "flow_id" not in ev:
            continue
        for k in ORDER_DEPENDENT:
            ev.pop(k, None)
        for k in DNS_NAMES:
            if isinstance(ev.get(k), dict):
                ev[k].pop("dns_name", None)
                if not ev[k]:  # the name was all it had: with or without, the same flow
                    del ev[k]
        if ev.get("app_source") in ("dns", "association") or "app" not in ev:
            # learned from other flows (or not yet): so is the evidence tier it gives
            for k in ("app", "category", "app_source"):
                ev.pop(k, None)
            if isinstance(ev.get("evidence"), dict):
                for k in ("tier", "flow"):
                    ev["evidence"].pop(k, None)
                if not ev["evidence"]:
                    del ev["evidence"]
        key = json.dumps(ev, sort_keys=True)
        (flows if kind == "flow" else alerts)[key] += 1
    return flows, alerts, stats


def totals(st):
    c, f = st.get("capture", {}), st.get("flow", {})
    return (c.get("packets"), c.get("bytes"), st.get("decoder", {}).get("ip"), f.get("created"),
            c.get("ring_drops"))


# Captures built to put a DNS answer and the flows it names within
# microseconds of each other: with workers, whether a flow's worker reads the
# shared DNS cache before or after the answer's worker wrote it is thread
# timing, so rules that match the DNS-derived app may fire or not.  Only the
# alerts are exempt; the flows are still compared.
DNS_RACE = ("proto-dns-cache.pcap",)


def dns_race(cap):
    """cap is, or is a directory holding, one of the DNS_RACE captures."""
    if os.path.isdir(cap):
        return any(n in DNS_RACE for n in os.listdir(cap))
    return os.path.basename(cap) in DNS_RACE


def check(sensor, cap):
    one = run(sensor, cap, 1)
    plain = lambda t: [l for l in t.splitlines() if '"event_type":"stats"' not in l]
    if plain(run(sensor, cap, 1)) != plain(one):
        return "--workers 1 is not byte-identical across runs"
    f1, a1, s1 = digest(one)
    f2, a2, s2 = digest(run(sensor, cap, 2))
    if any(n != 1 for n in f2.values()):
        return "a flow was reported more than once with 2 workers"
    if f1 != f2:
        d = (f1 - f2) + (f2 - f1)
        return "flow events differ (%d): %s" % (sum(d.values()), next(iter(d))[:300])
    if a1 != a2 and not dns_race(cap):
        return "flow alerts differ: %d vs %d" % (sum(a1.values()), sum(a2.values()))
    t1, t2 = totals(s1), totals(s2)
    if t1 != t2:
        return "stats differ: %s vs %s" % (t1, t2)
    if t2[-1] != 0:
        return "replay dropped packets from a full ring"
    return None


def captures(root):
    """Every capture file, then every directory holding some, read whole."""
    files, dirs = [], []
    tops = ["pcaps/real", "pcaps/gen-out"]
    corpus = os.path.join(root, "..", "shared", "corpus")
    if os.environ.get("SL_WORKERS_CORPUS") != "0" and os.path.isdir(corpus):
        tops.append("../shared/corpus")
    for d in tops:
        top = os.path.join(root, d)
        for base, _, names in sorted(os.walk(top)):
            here = sorted(os.path.join(base, n) for n in names
                          if n.endswith((".pcap", ".pcapng", ".cap")))
            files += here
            if here or base == top:
                dirs.append(base)
    return files + dirs


def main():
    sensor, root = sys.argv[1], sys.argv[2]
    caps = captures(root)
    bad = 0
    # The suite runs this test alone (is_parallel: false): one capture per core at a time,
    # each capture's runs one after the other, verdicts in capture order.
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        verdicts = list(pool.map(lambda c: check(sensor, c), caps))
    for cap, why in zip(caps, verdicts):
        if why:
            bad += 1
            print("FAIL %s: %s" % (os.path.relpath(cap, root), why))
    print("%d captures, %d failed" % (len(caps), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
