#!/usr/bin/env python3
"""Same output before and after a change: builds sightline at a reference
commit in a temporary directory, then replays every project capture
(pcaps/**), every capture of ../shared/corpus (when present), each of
those directories read whole (also with periodic stats events every 10 s
of packet time), and each scenario with its configuration,
through the reference binary and the binary under test, with --workers 1
and --workers 2, and compares exit status, standard error and the EVE
output.  Prints one line per difference and the counts; exits 1 when
anything differs.

    tests/tools/same_output.py [--ref COMMIT] [--new BUILDDIR] [--workers 1,2]
                               [--cache DIR] [--corpus DIR] [--show N] [--live-time]

--ref      the commit to compare against (default HEAD~1: run it on a
           commit to check that commit)
--new      the build directory of the binary under test (default ./build);
           it is compiled first (meson compile)
--cache    keep reference builds in DIR/<commit>/ and reuse them (default:
           a temporary directory removed at the end)
--show     print the first N differing lines of each difference (default 3)
--live-time  compare across the change that made alerts live (#14): alerts are
           written when their rule's facts settle (before their flow's `flow`
           event, carrying the facts so far) and long flows get interim records.
           The new output's interim records (flow.interim) are taken out;
           flow alerts are compared as a multiset of (flow, rule, alert block)
           apart from the other events; subject alerts, which now follow each
           hit at once, as the multiset of (subject, level) reached; the rest
           (flow events, subject summaries, stats) in order, without the
           stats' geo lookup and hit counts (the stages look places up again,
           every extra lookup a cache hit).  Each case's line says which of
           these kinds of difference it showed; "events" marks anything else.

What "the same" means:
- --workers 1: byte for byte, except the stats events' memory figures
  (stats.memory.rss_bytes, stats.flow.bytes_per_flow,
  stats.flow.table_bytes_per_flow, stats.parsers.state_bytes_max: the
  allocator's and the kernel's view, which change with any struct) -- the
  stats events carry no wall-clock field in replay.
- --workers 2: the workers write their flows' events in an order that
  depends on thread timing, and what a flow learns from other flows (DNS
  names, associations, its subject's cumulative state) may depend on which
  worker got there first (tests/workers/workers_equal.py says which fields
  and why), and so does everything on the subjects' side: subject events
  and alerts, and the stats of rules, subjects and outputs.  So flow events,
  flow alerts and the remaining stats are compared as a sorted multiset,
  with those fields taken out, and the memory figures as above.
  When the two differ, both are run up to three times more: an output of
  one that matches an output of the other makes the case the same; else a
  binary that gave two different outputs makes it timing (reported, not
  counted as a difference).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

from captures import is_capture  # same directory: one walker for every test script

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MEMORY = (("memory", "rss_bytes"), ("flow", "bytes_per_flow"), ("flow", "table_bytes_per_flow"),
          ("parsers", "state_bytes_max"))
ORDER_DEPENDENT = ("subject", "travel", "physics")   # as tests/workers/workers_equal.py
DNS_NAMES = ("src", "dest")
# Stats that count what the shared subject, rule and output side did, in
# whatever order the workers' flows reached it.
STATS_BY_TIMING = ("rules", "subjects", "output", "outputs")


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def build_ref(commit, cache):
    """The reference binary at commit: git archive into cache/<sha>/src, meson there."""
    sha = subprocess.check_output(["git", "-C", ROOT, "rev-parse", commit + "^{commit}"],
                                  text=True).strip()
    top = os.path.join(cache, sha)
    exe = os.path.join(top, "build", "sightline")
    if os.path.exists(exe):
        return sha, exe
    src = os.path.join(top, "src")
    os.makedirs(src, exist_ok=True)
    archive = subprocess.Popen(["git", "-C", ROOT, "archive", "--format=tar", sha],
                               stdout=subprocess.PIPE)
    sh(["tar", "-x", "-C", src], stdin=archive.stdout)
    if archive.wait() != 0:
        raise SystemExit("same_output: git archive %s failed" % sha)
    sh(["meson", "setup", os.path.join(top, "build"), src, "-Dtests=false"],
       stdout=subprocess.DEVNULL)
    sh(["nice", "meson", "compile", "-C", os.path.join(top, "build")], stdout=subprocess.DEVNULL)
    return sha, exe


def captures(corpus):
    """Every case: (name, arguments after the binary)."""
    cases, dirs = [], []
    for top in [os.path.join(ROOT, "pcaps")] + ([corpus] if corpus else []):
        for d, subdirs, files in sorted(os.walk(top)):
            subdirs.sort()
            caps = [os.path.join(d, f) for f in sorted(files)
                    if is_capture(os.path.join(d, f)) or os.path.basename(d) == "malformed"]
            cases += [(os.path.relpath(p, ROOT), ["-r", p]) for p in caps]
            if any(is_capture(p) for p in caps):
                dirs.append(d)
    cases += [(os.path.relpath(d, ROOT) + "/", ["-r", d]) for d in dirs]
    # periodic stats events on packet time, and with them the ticks' order
    cases += [(os.path.relpath(d, ROOT) + "/ stats.interval=10",
               ["--set", "stats.interval=10", "-r", d]) for d in dirs]
    scen = os.path.join(ROOT, "pcaps", "scenarios")
    for name in sorted(os.listdir(scen)) if os.path.isdir(scen) else []:
        pcaps = []
        with open(os.path.join(scen, name, "truth.yaml")) as f:
            inside = False
            for line in f:
                if line.startswith("pcaps:"):
                    inside = True
                elif inside and line.strip().startswith("- "):
                    pcaps.append(os.path.join(ROOT, line.strip()[2:].strip()))
                elif inside and line.strip() and not line.startswith(" "):
                    inside = False
        cfg = os.path.join(scen, name, "config.yaml")
        cases.append(("scenario " + name, ["-c", cfg, "-r"] + pcaps))
    return cases


def drop_memory(ev):
    st = ev.get("stats", {})
    for a, b in MEMORY:
        if isinstance(st.get(a), dict):
            st[a].pop(b, None)


def timing_free(ev):
    """With workers: the event without what depends on thread timing, or
    None when all of it does (tests/workers/workers_equal.py says why)."""
    kind = ev.get("event_type")
    if kind == "stats":
        for k in STATS_BY_TIMING:
            ev["stats"].pop(k, None)
        return ev
    if kind == "subject" or (kind == "alert" and ev.get("alert", {}).get("scope") == "subject"):
        return None
    for k in ORDER_DEPENDENT:
        ev.pop(k, None)
    for k in DNS_NAMES:
        if isinstance(ev.get(k), dict):
            ev[k].pop("dns_name", None)
            if not ev[k]:
                del ev[k]
    if ev.get("app_source") in ("dns", "association"):
        for k in ("app", "category", "app_source"):
            ev.pop(k, None)
    return ev


def normalise(out, workers):
    """Lines to compare: stats events without memory figures; with workers,
    what depends on thread timing taken out and the lines sorted."""
    lines = []
    for line in out.splitlines():
        if workers == 1 and '"event_type":"stats"' not in line:
            lines.append(line)
            continue
        try:
            ev = json.loads(line)
        except ValueError:
            lines.append(line)
            continue
        if ev.get("event_type") == "stats":
            drop_memory(ev)
        if workers > 1 and timing_free(ev) is None:
            continue
        lines.append(json.dumps(ev, sort_keys=workers > 1, separators=(",", ":")))
    return sorted(lines) if workers > 1 else lines


LIVE_TIME = False


def live_time(lines):
    """--live-time: (rest in order, flow alerts, subject alerts, interims)."""
    rest, flow_alerts, subject_alerts, interims = [], [], [], 0
    for line in lines:
        try:
            ev = json.loads(line)
        except ValueError:
            rest.append(line)
            continue
        kind = ev.get("event_type")
        if kind == "flow" and ev.get("flow", {}).get("interim"):
            interims += 1
        elif kind == "alert" and ev.get("alert", {}).get("scope") == "flow":
            flow_alerts.append(json.dumps([ev.get("flow_id"), ev.get("community_id"),
                                           ev.get("alert")], sort_keys=True))
        elif kind == "alert":
            subject_alerts.append(json.dumps([ev.get("subject", {}).get("id"),
                                              ev["alert"].get("level")]))
        else:
            if kind == "stats":
                ev.get("stats", {}).get("geo", {}).pop("lookups", None)
                ev.get("stats", {}).get("geo", {}).pop("cache_hits", None)
                line = json.dumps(ev, separators=(",", ":"))
            rest.append(line)
    return rest, sorted(flow_alerts), sorted(subject_alerts), interims


def run(exe, args, workers):
    p = subprocess.run(["nice", exe, "-q", "-o", "-", "--workers", str(workers)] + args,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    err = p.stderr.decode(errors="replace").replace(os.path.dirname(exe), "BIN")
    return p.returncode, err, normalise(p.stdout.decode(errors="replace"), workers)


def live_time_kinds(r, n):
    """--live-time: the kinds of difference between outputs r and n (lists
    of lines): "alert order", "interim records", "subject alerts", "events"."""
    kinds = []
    rr, rf, rs, ri = live_time(r)
    nr, nf, ns, ni = live_time(n)
    if ni:
        kinds.append("interim records")
    if rf != nf:
        kinds.append("flow alerts")
    elif [x for x in r if '"scope":"flow"' in x] != [x for x in n if '"scope":"flow"' in x] \
            or r != n:
        kinds.append("alert order")
    if rs != ns:
        kinds.append("subject alerts")
    if rr != nr:
        kinds.append("events")
    return kinds, rr, nr


def again(ref, new, args, w, r, n, tries=3):
    """With workers: run both again until an output of one matches one of
    the other ("same"); failing that, "timing" when a binary gave two
    different outputs, else "differ"."""
    key = lambda x: (x[0], x[1], tuple(x[2]))
    rs, ns = {key(r)}, {key(n)}
    for _ in range(tries):
        rs.add(key(run(ref, args, w)))
        ns.add(key(run(new, args, w)))
        if rs & ns:
            return "same"
    return "timing" if len(rs) > 1 or len(ns) > 1 else "differ"


def first_diff(a, b, show):
    out = []
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else "<none>"
        y = b[i] if i < len(b) else "<none>"
        if x != y:
            out.append("      line %d\n        ref: %s\n        new: %s" % (i + 1, x[:400], y[:400]))
            if len(out) >= show:
                break
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", default="HEAD~1")
    ap.add_argument("--new", default=os.path.join(ROOT, "build"))
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--cache")
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--show", type=int, default=3)
    ap.add_argument("--live-time", action="store_true")
    a = ap.parse_args()
    global LIVE_TIME
    LIVE_TIME = a.live_time
    corpus = a.corpus if os.path.isdir(a.corpus) else None
    if not corpus:
        print("same_output: no corpus at %s: project captures only" % a.corpus)
    cache = a.cache or tempfile.mkdtemp(prefix="sl-same-output-")
    try:
        sha, ref = build_ref(a.ref, cache)
        sh(["nice", "meson", "compile", "-C", a.new, "sightline", "intel-mmdb", "demo-geo-mmdb"],
           stdout=subprocess.DEVNULL)
        new = os.path.join(os.path.abspath(a.new), "sightline")
        cases = captures(corpus)
        workers = [int(w) for w in a.workers.split(",")]
        same = differ = timing = live = 0
        tally = {}
        for name, args in cases:
            for w in workers:
                r, n = run(ref, args, w), run(new, args, w)
                if LIVE_TIME and r != n and r[:2] == n[:2]:
                    kinds, rr, nr = live_time_kinds(r[2], n[2])
                    print("LIVE    %s --workers %d: %s" % (name, w, ", ".join(kinds)))
                    for k in kinds:
                        tally[k] = tally.get(k, 0) + 1
                    if "events" in kinds or "flow alerts" in kinds:
                        differ += 1
                        print("\n".join(first_diff(rr, nr, a.show)))
                    else:
                        live += 1
                    continue
                verdict = "same" if r == n else "differ" if w == 1 else again(ref, new, args, w, r, n)
                if verdict == "same":
                    same += 1
                    continue
                if verdict == "timing":
                    timing += 1
                    print("timing  %s --workers %d (one binary differs from itself)" % (name, w))
                    continue
                differ += 1
                what = "exit %d -> %d" % (r[0], n[0]) if r[0] != n[0] else \
                       "stderr" if r[1] != n[1] else "events"
                print("DIFFER  %s --workers %d: %s" % (name, w, what))
                if r[1] != n[1]:
                    print("      stderr ref: %s\n      stderr new: %s" % (r[1][-300:], n[1][-300:]))
                print("\n".join(first_diff(r[2], n[2], a.show)))
        if LIVE_TIME:
            print("same_output --live-time: %d cases differ only by the change on purpose (%s)"
                  % (live, ", ".join("%s: %d" % kv for kv in sorted(tally.items()))))
        print("same_output: reference %s, %d cases x workers %s: %d same, %d differ, "
              "%d timing-dependent" % (sha[:12], len(cases), a.workers, same, differ, timing))
        return 1 if differ else 0
    finally:
        if not a.cache:
            shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
