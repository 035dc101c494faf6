#!/usr/bin/env python3
"""The benchmark (issues: operations and speed; the engine rebuilt for speed).
Never part of the timed test suite: run it by hand, on a quiet machine if you can.

    tests/bench/bench.py [--mix short|long|both] [--runs 5] [--work DIR]
                         [--packets 2000000] [--mb 512] [--perf] [--live] [--build build]
                         [--live-workers N] [--live-mbps MBPS] [--live-drain N]

Two captures ("mixes"), both built by tests/bench/mkmix from the project's own
captures (pcaps/real, pcaps/gen-out) and generator, every copy's addresses
rewritten so its flows are distinct, deterministic (same bytes every build):

  short-flow mix  shaped like an Internet edge: `sl-pcapgen short` (DNS, brief
                  TLS/QUIC/HTTP/SSH visits, refused SYNs, NTP, WireGuard...,
                  one flow in eight a long session) beside the project's
                  captures, repeated to at least --packets packets.  Its shape
                  is checked: >= 2 M packets, >= 50 k flows, median <= 10
                  packets per flow.  This is where per-flow cost shows.
  long-flow mix   `sl-pcapgen bulk` (long TLS, QUIC, SSH, DNS, HTTP sessions)
                  beside the project's captures, --mb megabytes, ~170 packets
                  per flow: the per-packet path.

For each mix, from one run, medians of --runs with every tool's runs
interleaved (so load on the machine hits them alike): a zero-copy reader
(tests/bench/zc_read: the file mapped, records walked without libpcap), the
bare pcap_next_ex loop (tests/bench/bare_read), sightline pinned to one core
with every parser, enrichment and the default rules on (its embedded
defaults), ndpiReader pinned likewise when installed (Debian libndpi-bin), and
sightline with 1..N workers; each one-core tool's wall-clock and CPU seconds
(user + sys), the ratios sightline/bare, sightline/zero-copy and
sightline/ndpiReader, then memory and the protocols sightline saw.  With the
long mix also the RSS of 1 M concurrent flows; with --live a replay at
1 Gbit/s onto a veth pair in a namespace this script creates and removes
(--live-workers N: sightline with N workers in one PACKET_FANOUT group;
--live-mbps 0: tcpreplay --topspeed); with --live-drain N the live capacity
of 1..N workers in one PACKET_FANOUT group, which no sender on this machine
reaches: the short mix's first 600 k packets queued in the rings of a stopped
sensor (SIGSTOP), then read (SIGCONT) and timed until its CPU time stops;
with --perf a `perf record -g` of one sightline run per mix and its top 25
symbols by self time.  It ends with the targets: each figure, met or MISSED.

With --work the mixes are kept there and reused while their inputs are the
same.  Absolute figures depend on the machine and its load; the ratios are
measured in one run and are what the targets are about.
"""
import argparse
import collections
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools'))
from notify_ready import ready_socket, wait_ready, close as close_ready  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MILLION = 1000000
SHORT_SHAPE = {"packets": 2000000, "flows": 50000, "median": 10}
TITLE = {"short": "short-flow mix", "long": "long-flow mix"}
RESULTS = []  # (target, figure, met) for the final table


def target(name, figure, met):
    RESULTS.append((name, figure, met))


def tool(build, *parts):
    return os.path.join(build, *parts)


def pinned(cmd, cpu):
    if cpu is not None and shutil.which("taskset"):
        return ["taskset", "-c", cpu] + cmd
    return cmd


def fail(cmd, code, err):
    sys.exit("bench: %s failed (%d): %s" % (" ".join(cmd[:6]), code, err[-500:]))


def checked(cmd, **kw):
    """Run cmd (its stderr kept for the message); a failure stops the benchmark."""
    p = subprocess.run(cmd, stderr=subprocess.PIPE, **kw)
    if p.returncode != 0:
        fail(cmd, p.returncode, p.stderr.decode(errors="replace"))
    return p


def run_timed(cmd):
    """Run cmd; return (wall-clock seconds, CPU seconds user + sys).  A failure stops
    the benchmark."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        t1 = time.perf_counter()
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            err.seek(0)
            fail(cmd, p.returncode, err.read().decode(errors="replace"))
    return t1 - t0, ru.ru_utime + ru.ru_stime


def interleaved(runs, cmds):
    """Medians (wall, cpu) of each named command over `runs` rounds, one run of each per
    round, the order rotated each round so no tool always follows the same one."""
    names = list(cmds)
    times = {name: [] for name in names}
    for r in range(runs):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            times[name].append(run_timed(cmds[name]))
    return {name: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
            for name, v in times.items()}


# ---- the mixes ----

def project_inputs():
    inputs = []
    for d in ("pcaps/real", "pcaps/gen-out"):
        p = os.path.join(ROOT, d)
        inputs += sorted(os.path.join(p, f) for f in os.listdir(p)
                         if f.endswith((".pcap", ".pcapng")))
    return inputs


def digest(args, inputs):
    h = hashlib.sha256(json.dumps(args).encode())
    for path in inputs:
        with open(path, "rb") as f:
            h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def build_mix(build, work, name, gen_args, limit):
    """work/NAME.pcap from the project's captures and one generated input; reused while
    the recipe (generator and mkmix arguments, every input's bytes) is the same.
    Returns the capture and its record: sha256 and shape (tests/bench/mixstat)."""
    cap, stamp = os.path.join(work, name + ".pcap"), os.path.join(work, name + ".json")
    extra = os.path.join(work, name + "-input.pcap")
    checked([tool(build, "pcaps", "sl-pcapgen")] + gen_args + [extra])
    inputs = project_inputs() + [extra]
    recipe = digest([gen_args, limit], inputs)
    try:
        with open(stamp) as f:
            rec = json.load(f)
        if rec.get("recipe") == recipe and os.path.exists(cap):
            os.unlink(extra)
            return cap, rec
    except (OSError, ValueError):
        pass
    t0 = time.time()
    checked([tool(build, "tests", "bench", "mkmix")] + limit + [cap] + inputs,
            stdout=subprocess.DEVNULL)
    os.unlink(extra)
    shape = json.loads(checked([tool(build, "tests", "bench", "mixstat"), cap],
                               stdout=subprocess.PIPE).stdout)
    rec = {"recipe": recipe, "sha256": file_sha256(cap), "shape": shape,
           "built_s": round(time.time() - t0, 1)}
    with open(stamp, "w") as f:
        json.dump(rec, f)
    return cap, rec


def describe(name, cap, rec, packets_asked):
    s = rec["shape"]
    print("%s: %s (%.1f MB, sha256 %s..., built in %s s)" % (
        TITLE[name], cap, os.path.getsize(cap) / 1e6, rec["sha256"][:16], rec["built_s"]))
    print("  {:,} packets, {:,} flows (address/port pairs both ways), packets per flow: "
          "median {}, p90 {}, p99 {}, max {}; flows of 100+ packets: {:,} ({:.0f}% of "
          "packets)".format(
              s["packets"], s["flows"], s["median"], s["p90"], s["p99"], s["max"],
              s["flows_100plus"], 100.0 * s["packets_in_100plus"] / max(s["packets"], 1)))
    svc = sorted(s["services"].items(), key=lambda kv: -kv[1]["flows"])
    print("  flows by service (well-known port): " + ", ".join(
        "%s %.1f%%" % (k, 100.0 * v["flows"] / max(s["flows"], 1)) for k, v in svc))
    if name == "short":
        check_shape(s, packets_asked)


def check_shape(s, packets_asked):
    """The short-flow mix must look like an edge; stop when it does not (the generator or
    the project's captures changed), unless a smaller mix was asked for."""
    short = [("packets", s["packets"] >= SHORT_SHAPE["packets"]),
             ("flows", s["flows"] >= SHORT_SHAPE["flows"]),
             ("median", s["median"] <= SHORT_SHAPE["median"])]
    missed = ["%s %s (want %s %s)" % (k, s[k], "<=" if k == "median" else ">=",
                                      SHORT_SHAPE[k]) for k, ok in short if not ok]
    if not missed:
        print("  shape: >= 2 M packets, >= 50 k flows, median <= 10 packets per flow: ok")
    elif packets_asked < SHORT_SHAPE["packets"]:
        print("  shape: smaller than the benchmark's (--packets %d): %s" % (
            packets_asked, "; ".join(missed)))
    else:
        sys.exit("bench: the short-flow mix is not edge-shaped: %s; see sl-pcapgen short "
                 "in pcaps/README.md" % "; ".join(missed))


def count_packets(rec):
    return rec["shape"]["packets"], rec["shape"]["bytes"]


# ---- one core, workers ----

def commands(build, cap):
    sl = [tool(build, "sightline"), "-q", "-o", "/dev/null", "-r", cap]
    cmds = {
        "zc": pinned([tool(build, "tests", "bench", "zc_read"), cap], "0"),
        "bare": pinned([tool(build, "tests", "bench", "bare_read"), cap], "0"),
        "sightline": pinned(sl, "0"),
    }
    # -q: no per-flow listing; the DPI itself is ndpiReader's default (all dissectors).
    if shutil.which("ndpiReader"):
        cmds["ndpi"] = pinned(["ndpiReader", "-q", "-i", cap], "0")
    for n in range(1, (os.cpu_count() or 1) + 1):
        cmds["workers%d" % n] = sl + ["--workers", str(n)]
    return cmds


def ndpi_version():
    p = subprocess.run(["ndpiReader", "-h"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for word in p.stdout.decode(errors="replace").split():
        if word[:1].isdigit() and "." in word:
            return word
    return "?"


def line(name, t, pkts, nbytes, bare=None):
    wall, cpu = t
    share = "" if bare is None else "  %5.1f%% of bare" % (100 * bare[1] / cpu)
    print("    %-40s %7.3f s %7.3f s %11.0f %6.2f%s" % (
        name, wall, cpu, pkts / cpu, nbytes * 8 / cpu / 1e9, share))


def ratio(a, b):
    """How many times faster a runs than b, by CPU time and by wall clock."""
    return b[1] / a[1], b[0] / a[0]


def offline(name, t, pkts, nbytes):
    print("  one core (taskset -c 0), median of the interleaved runs:   wall      cpu"
          "    pkt/s(cpu) Gbit/s(cpu)")
    line("zero-copy reader (mmap, no libpcap)", t["zc"], pkts, nbytes, t["bare"])
    line("bare pcap_next_ex loop", t["bare"], pkts, nbytes)
    line("sightline (parsers, enrichment, rules)", t["sightline"], pkts, nbytes, t["bare"])
    if "ndpi" in t:
        line("ndpiReader -q (nDPI %s)" % ndpi_version(), t["ndpi"], pkts, nbytes, t["bare"])
    sb, sz = ratio(t["sightline"], t["bare"]), ratio(t["sightline"], t["zc"])
    text = "  sightline/bare %.2f (wall %.2f), sightline/zero-copy %.2f (wall %.2f)" % (
        sb + sz)
    sn = ratio(t["sightline"], t["ndpi"]) if "ndpi" in t else None
    if sn:
        text += ", sightline/ndpiReader %.2fx (wall %.2fx)" % sn
    else:
        text += ", ndpiReader not installed (apt-get install libndpi-bin)"
    print(text + "  [speed ratios: CPU time, wall clock in brackets]")
    return sb, sn


def workers(t, pkts):
    ncpu = os.cpu_count() or 1
    print("  workers (not pinned, wall clock, median of the interleaved runs): " + "; ".join(
        "%d: %.3f s %.0f pkt/s %.2fx" % (n, t["workers%d" % n][0], pkts / t["workers%d" % n][0],
                                         t["workers1"][0] / t["workers%d" % n][0])
        for n in range(1, ncpu + 1)))
    return t["workers1"][0] / t["workers2"][0] if ncpu >= 2 else None


def fig(r, unit=""):
    return "%.2f%s (wall %.2f%s)" % (r[0], unit, r[1], unit)


def speed_targets(name, sb, sn, speedup):
    if name == "short":
        target("short-flow mix: >= 0.5 of the bare loop", fig(sb), sb[0] >= 0.5)
        target("short-flow mix: >= 4x ndpiReader", fig(sn, "x") if sn else "not measured",
               sn[0] >= 4 if sn else None)
        target("short-flow mix: 2 workers >= 1.5x one", "%.2fx" % speedup
               if speedup else "one core only", speedup >= 1.5 if speedup else None)
    else:
        target("long-flow mix: >= 0.8 of the bare loop", fig(sb), sb[0] >= 0.8)
        target("long-flow mix: 2 workers >= 1.7x one", "%.2fx" % speedup
               if speedup else "one core only", speedup >= 1.7 if speedup else None)


# ---- memory, protocols, 1 M flows ----

def measured(cmd, eve):
    """One run of sightline writing EVE to `eve`: (peak RSS in kB by GNU time, the last
    stats, flows by app_proto)."""
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd + ["-o", eve],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode != 0:
        fail(cmd, p.returncode, p.stderr.decode(errors="replace"))
    rss = int(p.stderr.decode().strip().splitlines()[-1])
    stats, protos = {}, collections.Counter()
    with open(eve) as f:
        for text in f:
            if '"event_type":"flow"' in text:
                protos[json.loads(text).get("app_proto") or "(none)"] += 1
            elif '"event_type":"stats"' in text:
                stats = json.loads(text)["stats"]
    os.unlink(eve)
    return rss, stats, protos


def memory(build, cap, work):
    rss, st, protos = measured([tool(build, "sightline"), "-q", "-r", cap],
                               os.path.join(work, "mix.json"))
    fl, pa = st.get("flow", {}), st.get("parsers", {})
    print("  memory (one run): peak RSS %d kB; %s flows, at most %s at once; %s B per flow "
          "all told (flow table %s B: record + hash buckets; the rest parser state); parser "
          "state peak %s B (%s states made); rules loaded %s, geo lookups %s" % (
              rss, fl.get("created"), fl.get("active_max"), fl.get("bytes_per_flow"),
              fl.get("table_bytes_per_flow"), pa.get("state_bytes_max"), pa.get("states"),
              st.get("rules", {}).get("loaded"), st.get("geo", {}).get("lookups")))
    total = max(sum(protos.values()), 1)
    print("  flows by app_proto as sightline saw them: " + ", ".join(
        "%s %.1f%%" % (k, 100.0 * v / total) for k, v in protos.most_common()))
    return fl.get("table_bytes_per_flow")


def million(build, work):
    """1 M TCP SYNs from distinct sources, 5 us apart: all open at once at the end."""
    flood = os.path.join(work, "million.pcap")
    if not os.path.exists(flood):
        checked([tool(build, "pcaps", "sl-pcapgen"), "flood", "--syn", str(MILLION), "--udp",
                 "0", flood])
    rss, st, _ = measured([tool(build, "sightline"), "-q", "-r", flood,
                           "--set", "flow.max_flows=1048576",
                           "--set", "flow.timeouts.tcp_new=86400"],
                          os.path.join(work, "million.json"))
    fl, su, pa = st.get("flow", {}), st.get("subjects", {}), st.get("parsers", {})
    amax = fl.get("active_max", 0)
    print("1 M concurrent flows: %s flows at most at once (%s evicted), %s B per flow "
          "(stats.flow.bytes_per_flow); %s subjects tracked (%s evicted); parser state peak %s B; peak RSS %d kB = "
          "%.0f B per flow all told" % (
              amax, fl.get("evictions"), fl.get("bytes_per_flow"), su.get("tracked"),
              su.get("evictions"), pa.get("state_bytes_max"), rss, rss * 1024 / max(amax, 1)))
    target("1 M concurrent flows in <= 512 MB RSS",
           "%d flows, %.0f MB" % (amax, rss / 1024), amax >= MILLION and rss <= 512 * 1024)


# ---- perf ----

def perf_top(build, name, cap, work):
    """perf record -g of one pinned sightline run; prints the top 25 symbols by self time."""
    if not shutil.which("perf"):
        print("  perf: not installed (apt-get install linux-perf), no profile")
        return
    data = os.path.join(work, "perf-%s.data" % name)
    rec = subprocess.run(["perf", "record", "-g", "-o", data, "--"] +
                         pinned([tool(build, "sightline"), "-q", "-o", "/dev/null", "-r", cap],
                                "0"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if rec.returncode != 0:
        print("  perf record failed (kernel.perf_event_paranoid, or no permission?): " +
              rec.stderr.decode(errors="replace").strip()[-300:])
        return
    rep = subprocess.run(["perf", "report", "-i", data, "--no-children", "-g", "none",
                          "-F", "overhead,sym,dso", "--stdio", "-q"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    rows = [r for r in rep.stdout.decode(errors="replace").splitlines() if "%" in r]
    print("  perf (%s): top 25 symbols by self time of one sightline run "
          "(perf report -i %s):" % (TITLE[name], data))
    for r in rows[:25]:
        print("    " + " ".join(r.split()))


# ---- live ----

def sh(*cmd):
    subprocess.run(list(cmd), check=True)


def live_capture(build, ns, cap, out, workers, mbps):
    """sightline (workers threads, one PACKET_FANOUT group) on slb1, tcpreplay at
    mbps Mbit/s (0: as fast as it can) on slb0; returns tcpreplay's report."""
    sens = subprocess.Popen(["ip", "netns", "exec", ns, tool(build, "sightline"),
                             "-q", "-i", "slb1", "--allow-root", "--workers", str(workers),
                             "-o", out],
                            stderr=subprocess.PIPE)
    try:
        time.sleep(2.0)
        if sens.poll() is not None:
            sys.exit("bench: live sightline exited: " + sens.stderr.read().decode()[-500:])
        rate = ["--mbps=%d" % mbps] if mbps else ["--topspeed"]
        r = subprocess.run(["ip", "netns", "exec", ns, "tcpreplay", "-i", "slb0"] + rate + [cap],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        time.sleep(2.0)
    finally:
        sens.send_signal(signal.SIGTERM)
        sens.wait(timeout=120)
    return r.stdout.decode()


def veth_drops(ns):
    out = subprocess.run(["ip", "netns", "exec", ns, "ip", "-s", "-j", "link", "show", "slb1"],
                         stdout=subprocess.PIPE).stdout.decode()
    try:
        return json.loads(out)[0]["stats64"]["rx"]["dropped"]
    except (ValueError, KeyError, IndexError):
        return "?"


def backlog():
    try:
        with open("/proc/sys/net/core/netdev_max_backlog") as f:
            return f.read().strip()
    except OSError:
        return "?"


def live_report(ns, report, st, vdrops, workers, mbps):
    print("live (tcpreplay %s onto a veth in namespace %s, sightline -i --workers %d, default "
          "capture.buffer_mb):" % ("--mbps=%d" % mbps if mbps else "--topspeed", ns, workers))
    sent = None
    for t in report.splitlines():
        t = t.strip()
        if t.startswith(("Actual:", "Rated:", "Successful packets:", "Failed packets:",
                         "Retried packets")):
            print("  tcpreplay: " + t)
        if t.startswith("Successful packets:"):
            sent = int(t.split(":")[1])
    c = st.get("capture", {})
    got, kd, rd = c.get("packets"), c.get("kernel_drops"), c.get("ring_drops")
    print("  sightline: %s packets captured, kernel drops %s, ring drops %s" % (got, kd, rd))
    print("  veth: rx_dropped %s (the stack's count, after the capture tap too: frames nobody "
          "in the namespace takes, e.g. VLAN-tagged ones; net.core.netdev_max_backlog=%s)" % (
              vdrops, backlog()))
    ok = sent is not None and got == sent and kd == 0 and rd == 0
    name = "no drops at 1 Gbit/s on the veth test"
    if (workers, mbps) != (1, 1000):
        name = "live, %d worker(s), %s: no drops" % (workers, "%d Mbit/s" % mbps if mbps
                                                     else "top speed")
    target(name, "%s/%s pkts, drops %s+%s, veth %s" % (got, sent, kd, rd, vdrops), ok)


def veth_pair(ns):
    """slb0 and slb1, joined, up, jumbo MTU, in namespace ns.  No IPv6 in the
    namespace: no router or neighbour solicitations, so every packet on the
    veth is one tcpreplay sent."""
    sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
       "net.ipv6.conf.default.disable_ipv6=1")
    sh("ip", "netns", "exec", ns, "ip", "link", "add", "slb0", "type", "veth",
       "peer", "name", "slb1")
    for dev in ("slb0", "slb1"):
        sh("ip", "netns", "exec", ns, "ip", "link", "set", dev, "mtu", "9000", "up")


def live_test(build, cap, work, workers=1, mbps=1000):
    """tcpreplay at 1 Gbit/s onto one end of a veth pair whose other end sightline
    captures, both ends in a namespace created here and always removed."""
    if os.geteuid() != 0 or not shutil.which("tcpreplay"):
        print("live: skipped (needs root and tcpreplay: apt-get install tcpreplay)")
        target("no drops at 1 Gbit/s on the veth test", "not run", None)
        return
    ns = "slbench%d" % os.getpid()
    out = os.path.join(work, "live.json")
    sh("ip", "netns", "add", ns)
    try:
        veth_pair(ns)
        report = live_capture(build, ns, cap, out, workers, mbps)
        vdrops = veth_drops(ns)
    finally:
        subprocess.run(["ip", "netns", "del", ns])
    live_report(ns, report, last_stats(out), vdrops, workers, mbps)


DRAIN_PACKETS = 600000  # what the capture rings hold comfortably at capture.buffer_mb 1024
DRAIN_RUNS = 3


def proc_cpu(pid):
    """utime + stime of a process, in clock ticks (all its threads)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def drained_at(pid, start, quiet=0.4):
    """The time the process's CPU time last grew, once it stayed flat for quiet s."""
    last, grew = proc_cpu(pid), start
    while True:
        time.sleep(0.005)
        now, cpu = time.time(), proc_cpu(pid)
        if cpu != last:
            last, grew = cpu, now
        elif now - grew >= quiet:
            return grew


def drain_run(build, ns, cap, out, workers):
    """sightline stopped while tcpreplay fills its rings, then continued: the
    seconds it takes to read them, and what it read."""
    note, env = ready_socket(os.path.dirname(out))
    sens = subprocess.Popen(["ip", "netns", "exec", ns, tool(build, "sightline"), "-q", "-i",
                             "slb1", "--allow-root", "--workers", str(workers), "-o", out,
                             "--set", "capture.buffer_mb=1024"], stderr=subprocess.PIPE, env=env)
    try:
        if not wait_ready(note) or sens.poll() is not None:
            sys.exit("bench: live sightline did not start: " + sens.stderr.read().decode()[-500:])
        os.kill(sens.pid, signal.SIGSTOP)
        subprocess.run(["ip", "netns", "exec", ns, "tcpreplay", "-i", "slb0", "--pps=100000",
                        cap], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        time.sleep(0.5)
        t0 = time.time()
        os.kill(sens.pid, signal.SIGCONT)
        took = drained_at(sens.pid, t0) - t0
    finally:
        os.kill(sens.pid, signal.SIGCONT)
        sens.send_signal(signal.SIGTERM)
        sens.wait(timeout=120)
        close_ready(note)
    c = last_stats(out).get("capture", {})
    return took, c.get("packets"), c.get("kernel_drops")


def live_drain(build, cap, work, workers):
    """Live capacity of 1..workers workers in one PACKET_FANOUT group, which a
    sender on this machine cannot reach (tcpreplay on a veth sends ~300 k pps,
    below one worker): the first DRAIN_PACKETS packets of the mix wait in the
    capture rings of a stopped sensor, which is then continued and timed
    until its CPU time stops growing."""
    if os.geteuid() != 0 or not shutil.which("tcpreplay") or not shutil.which("editcap"):
        print("live drain: skipped (needs root, tcpreplay and editcap)")
        return
    part = os.path.join(work, "drain.pcap")
    checked(["editcap", "-r", cap, part, "1-%d" % DRAIN_PACKETS])
    ns = "sldrain%d" % os.getpid()
    rates = {}
    sh("ip", "netns", "add", ns)
    try:
        veth_pair(ns)
        print("live drain (the first %d packets of the mix queued in the capture rings of a "
              "stopped sensor, capture.buffer_mb 1024, then read; wall clock):" % DRAIN_PACKETS)
        runs = collections.defaultdict(list)
        for _ in range(DRAIN_RUNS):  # interleaved, so load on the machine hits all alike
            for n in range(1, workers + 1):
                before = veth_drops(ns)
                took, got, drops = drain_run(build, ns, part, os.path.join(work, "drain.json"), n)
                lost = veth_drops(ns)
                lost = lost - before if isinstance(lost, int) and isinstance(before, int) else "?"
                runs[n].append((got / took if got and took > 0 else 0, took, got, drops, lost))
        for n in range(1, workers + 1):
            rate, took, got, drops, lost = sorted(runs[n])[len(runs[n]) // 2]
            rates[n] = rate
            print("  %d worker(s), median of %d: %s packets read in %.3f s = %.0f pkt/s, kernel "
                  "drops %s, dropped by the veth before capture %s" % (
                      n, len(runs[n]), got, took, rate, drops, lost))
    finally:
        subprocess.run(["ip", "netns", "del", ns])
    if workers > 1 and rates.get(1):
        r = rates[workers] / rates[1]
        print("  %d workers read %.2fx the packet rate of one" % (workers, r))
        target("live PACKET_FANOUT: %d workers >= 1.5x one (drain rate)" % workers,
               "%.2fx" % r, r >= 1.5)


def last_stats(eve):
    stats = {}
    with open(eve) as f:
        for text in f:
            if '"event_type":"stats"' in text:
                stats = json.loads(text)["stats"]
    os.unlink(eve)
    return stats


# ---- the run ----

def table():
    print("targets (one-core figures: CPU-time ratio, wall clock in brackets; verdict on "
          "CPU time):")
    for name, figure, met in RESULTS:
        verdict = "met" if met else "not measured" if met is None else "MISSED"
        print("  %-44s %-34s %s" % (name, figure, verdict))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for text in f:
                if text.startswith("model name"):
                    return text.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def build_type(build):
    p = subprocess.run(["meson", "introspect", build, "--buildoptions"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    try:
        opts = {o["name"]: o["value"] for o in json.loads(p.stdout)}
        text = "%s (-O%s, b_ndebug=%s" % (opts["buildtype"], opts["optimization"], opts["b_ndebug"])
        # meson.build applies -Dlto only to gcc optimised builds without instrumentation.
        lto = (opts.get("lto") is True and opts["optimization"] in ("2", "3", "s")
               and opts.get("b_sanitize", "none") == "none"
               and opts.get("fuzzing_engine", "none") == "none")
        return text + (", lto: sensor at -O3, linked with -flto)" if lto else ", no lto)")
    except (ValueError, KeyError):
        return "?"


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--mix", choices=("short", "long", "both"), default="both",
                    help="which mix(es) to measure; 'short' alone with --runs 1 is the "
                    "quick check (default both, plus the 1 M flow test with the long mix)")
    ap.add_argument("--packets", type=int, default=SHORT_SHAPE["packets"],
                    help="packets in the short-flow mix (default 2000000; fewer fails the "
                    "shape check's first line, for experiments only)")
    ap.add_argument("--mb", type=int, default=512, help="size of the long-flow mix (MB)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--work", default=None, help="directory for the captures, kept and "
                    "reused (default a temporary directory, removed)")
    ap.add_argument("--perf", action="store_true", help="also profile one sightline run per "
                    "mix with perf record -g and print the top 25 symbols by self time")
    ap.add_argument("--live", action="store_true", help="also run the tcpreplay veth test "
                    "(root)")
    ap.add_argument("--live-workers", type=int, default=1, help="sightline's --workers in "
                    "the veth test (a PACKET_FANOUT group of that many handles)")
    ap.add_argument("--live-drain", type=int, default=0, metavar="N",
                    help="also time how fast 1..N workers in one PACKET_FANOUT group read "
                    "a backlog queued in their capture rings (root)")
    ap.add_argument("--live-mbps", type=int, default=1000, help="tcpreplay's rate in the "
                    "veth test, Mbit/s; 0: --topspeed")
    a = ap.parse_args()
    if a.runs < 1 or a.packets < 1 or a.mb < 1 or a.live_workers < 1 or a.live_mbps < 0:
        ap.error("--runs, --packets, --mb and --live-workers must be at least 1, "
                 "--live-mbps at least 0")
    return a


def prepare(a, build, work):
    mixes = ["short", "long"] if a.mix == "both" else [a.mix]
    recipes = {"short": (["short"], ["--packets", str(a.packets)]),
               "long": (["bulk"], ["--mb", str(a.mb)])}
    built = {}
    for name in mixes:
        cap, rec = build_mix(build, work, name, *recipes[name])
        built[name] = (cap, rec)
    print("machine: %s, %d cores, load average %.2f (1 min); build %s" % (
        cpu_model(), os.cpu_count() or 1, os.getloadavg()[0], build_type(build)))
    for name, (cap, rec) in built.items():
        describe(name, cap, rec, a.packets)
    return built


def measure(a, build, work, built):
    cmds = {}
    for name, (cap, _) in built.items():
        cmds.update({(name, k): v for k, v in commands(build, cap).items()})
    print("timing: %d rounds of %d runs, interleaved ..." % (a.runs, len(cmds)), flush=True)
    t = interleaved(a.runs, cmds)
    bpf = []
    for name, (cap, rec) in built.items():
        pkts, nbytes = count_packets(rec)
        mine = {k: v for (m, k), v in t.items() if m == name}
        print("%s (median of %d):" % (TITLE[name], a.runs))
        sb, sn = offline(name, mine, pkts, nbytes)
        speed_targets(name, sb, sn, workers(mine, pkts))
        bpf.append(memory(build, cap, work))
        if a.perf:
            perf_top(build, name, cap, work)
    known = [b for b in bpf if b is not None]
    target("<= 256 B flow-table state per flow", "%s B" % max(known) if known else "?",
           bool(known) and max(known) <= 256)


def main():
    a = parse_args()
    t0 = time.time()
    build = os.path.abspath(a.build)
    subprocess.run(["meson", "compile", "-C", build, "sightline", "tests/bench/bare_read",
                    "tests/bench/zc_read", "tests/bench/mixstat", "tests/bench/mkmix",
                    "pcaps/sl-pcapgen"], stdout=subprocess.DEVNULL, check=True)
    work = os.path.abspath(a.work) if a.work else tempfile.mkdtemp(prefix="sightline-bench-")
    os.makedirs(work, exist_ok=True)
    try:
        built = prepare(a, build, work)
        measure(a, build, work, built)
        if "long" in built:
            million(build, work)
        else:
            target("1 M concurrent flows in <= 512 MB RSS", "not run (--mix short)", None)
        if a.live:
            live_test(build, built.get("long", built.get("short"))[0], work,
                      a.live_workers, a.live_mbps)
        else:
            target("no drops at 1 Gbit/s on the veth test", "not run (--live)", None)
        if a.live_drain:
            live_drain(build, built.get("short", built.get("long"))[0], work, a.live_drain)
        table()
    finally:
        if not a.work:
            shutil.rmtree(work)
    print("benchmark took %.0f s" % (time.time() - t0))


if __name__ == "__main__":
    main()
