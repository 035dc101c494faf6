#!/usr/bin/env python3
"""Offline workers in capture order: with --workers 2, what flows do to
shared state (their charge to a subject, their hits, sign-ins, what the
hosts table learns from DNS answers and tells identification) happens in
the order of the frames that caused it, so a replay gives the same events
run after run, subject fields, DNS names and subject-dependent alerts
included (the impossible-travel alert no longer depends on which worker
charges its flow first).

- scenario traveller (pcaps/scenarios/traveller), 8 runs with --workers 2:
  every run's events equal those of --workers 1 (as a multiset, stats
  events aside: the memory figures and the workers' own counters differ),
  with one impossible-travel alert, on Frank Kim's first Seoul session;
- every other scenario, 2 runs each, the same;
- pcaps/gen-out and pcaps/real each read whole (-r DIR: time steps back at
  every file, flows of one file still open while the next is read), 4 runs
  each with --workers 2: every run the same as the first.

    workers_order.py SIGHTLINE ROOT
"""
import json
import os
import subprocess
import sys

import yaml

TRAVEL = "b12bad01-88db-4073-93e7-c0d7c0cce1f6"  # rules/sigma/impossible-travel.yml


def events(sensor, root, args, workers):
    p = subprocess.run([sensor, "-q", "-o", "-", "--workers", str(workers)] + args,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=root)
    if p.returncode not in (0, 1):
        raise SystemExit("FAIL: %s --workers %d exit %d: %s" % (" ".join(args), workers,
                                                               p.returncode, p.stderr.decode()[-300:]))
    return sorted(l for l in p.stdout.decode().splitlines() if '"event_type":"stats"' not in l)


def first_difference(a, b):
    for x, y in zip(a, b):
        if x != y:
            return "\n  one:   %s\n  other: %s" % (x[:300], y[:300])
    return "\n  %d events against %d" % (len(a), len(b))


def scenarios(root):
    top = os.path.join(root, "pcaps", "scenarios")
    for name in sorted(os.listdir(top)):
        with open(os.path.join(top, name, "truth.yaml")) as f:
            truth = yaml.safe_load(f) or {}
        pcaps = truth.get("pcaps")
        if isinstance(pcaps, list) and pcaps:
            yield name, ["-c", os.path.join(top, name, "config.yaml"), "-r"] + pcaps


def main():
    sensor, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    failed, checked = 0, 0
    for name, args in scenarios(root):
        one = events(sensor, root, args, 1)
        for run in range(8 if name == "traveller" else 2):
            two = events(sensor, root, args, 2)
            checked += 1
            if two != one:
                failed += 1
                print("FAIL: scenario %s run %d: --workers 2 differs from --workers 1%s"
                      % (name, run + 1, first_difference(one, two)))
                break
        if name == "traveller":
            travel = [json.loads(l) for l in one if TRAVEL in l and '"scope":"flow"' in l]
            if [(a.get("src_ip"), a.get("src_port")) for a in travel] != [("203.0.113.181", 64003)]:
                failed += 1
                print("FAIL: traveller: impossible-travel alerts on %s, expected one on "
                      "203.0.113.181:64003" % [(a.get("src_ip"), a.get("src_port")) for a in travel])
    for d in ("pcaps/gen-out", "pcaps/real"):
        first = events(sensor, root, ["-r", d], 2)
        for run in range(3):
            again = events(sensor, root, ["-r", d], 2)
            checked += 1
            if again != first:
                failed += 1
                print("FAIL: %s/ read whole, --workers 2: run %d differs from run 1%s"
                      % (d, run + 2, first_difference(first, again)))
                break
    print("%d runs compared, %d failed" % (checked, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
