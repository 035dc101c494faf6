#!/usr/bin/env python3
"""The benchmark (issue: operations and speed).  Never part of the timed
test suite: run it by hand on a quiet machine.

    tests/bench/bench.py [--build build] [--mb 512] [--runs 5] [--work DIR] [--live]

From one run it prints, each the median of --runs (the tools' runs
interleaved, so load on the machine hits them alike): a bare pcap_next_ex
loop over a mixed capture of at least --mb megabytes (the physical limit of
reading the file on this machine), sightline pinned to one core with every
parser, enrichment and the default rules on (its embedded defaults), nDPI's
ndpiReader pinned likewise when installed (Debian libndpi-bin), and
sightline with 1..N workers.  Then packets/s, Gbit/s, the ratios, peak RSS,
bytes of flow state per flow, the RSS of a capture holding 1 M flows at
once, and with --live (root, tcpreplay) a replay at 1 Gbit/s onto a veth
pair in a network namespace this script creates and removes, with the drops
sightline saw.  It ends with a table: each target, the figure, met or missed.

The mixed capture is built by tests/bench/mkmix from the project's own
captures (pcaps/real, pcaps/gen-out) and `sl-pcapgen bulk` (long TLS, QUIC,
SSH, DNS and HTTP sessions), every copy's addresses rewritten so its flows
are distinct.  With --work the capture is kept there and reused by later
runs.  Absolute figures depend on the machine and its load; the ratios are
measured in one run and are what the targets are about.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MILLION = 1000000
RESULTS = []  # (target, figure, met) for the final table


def target(name, figure, met):
    RESULTS.append((name, figure, met))


def pinned(cmd, cpu):
    if cpu is not None and shutil.which("taskset"):
        return ["taskset", "-c", cpu] + cmd
    return cmd


def run_timed(cmd):
    """Run cmd; return its wall-clock seconds.  A failure stops the benchmark."""
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t1 = time.perf_counter()
    if p.returncode != 0:
        sys.exit("bench: %s failed (%d): %s" % (" ".join(cmd[:4]), p.returncode,
                                                p.stderr.decode()[-500:]))
    return t1 - t0


def interleaved(runs, cmds):
    """Median seconds of each named command over `runs` rounds, one of each per round."""
    times = {name: [] for name in cmds}
    for _ in range(runs):
        for name, cmd in cmds.items():
            times[name].append(run_timed(cmd))
    return {name: statistics.median(v) for name, v in times.items()}


def measured(cmd, eve):
    """One run of sightline writing EVE to `eve`: (peak RSS in kB by GNU time, stats)."""
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd + ["-o", eve],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit("bench: %s failed (%d): %s" % (" ".join(cmd[:4]), p.returncode,
                                                p.stderr.decode()[-500:]))
    rss = int(p.stderr.decode().strip().splitlines()[-1])
    stats = last_stats(eve)
    os.unlink(eve)
    return rss, stats


def last_stats(eve):
    stats = {}
    with open(eve) as f:
        for line in f:
            if '"event_type":"stats"' in line.replace(" ", ""):
                stats = json.loads(line)["stats"]
    return stats


def build_mix(build, out, mb):
    inputs = []
    for d in ("pcaps/real", "pcaps/gen-out"):
        p = os.path.join(ROOT, d)
        inputs += sorted(os.path.join(p, f) for f in os.listdir(p)
                         if f.endswith((".pcap", ".pcapng")))
    bulk = os.path.join(os.path.dirname(out), "bulk.pcap")
    subprocess.run([os.path.join(build, "pcaps", "sl-pcapgen"), "bulk", bulk], check=True)
    inputs.append(bulk)
    r = subprocess.run([os.path.join(build, "tests", "bench", "mkmix"), out, str(mb)] + inputs,
                       stdout=subprocess.PIPE, check=True)
    os.unlink(bulk)
    print("mix: " + r.stdout.decode().strip())


def count_packets(build, cap):
    out = subprocess.run([os.path.join(build, "tests", "bench", "bare_read"), cap],
                         stdout=subprocess.PIPE, check=True).stdout.decode().split()
    return int(out[0]), int(out[2])


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def line(name, secs, pkts, nbytes, bare=None):
    rate = pkts / secs
    share = "" if bare is None else "  %5.1f%% of bare" % (100 * bare / secs)
    print("  %-38s %7.3f s %11.0f pkt/s %6.2f Gbit/s%s" % (
        name, secs, rate, nbytes * 8 / secs / 1e9, share))
    return rate


def offline(build, cap, runs, pkts, nbytes):
    """One core: bare loop, sightline and ndpiReader, interleaved."""
    cmds = {
        "bare": pinned([os.path.join(build, "tests", "bench", "bare_read"), cap], "0"),
        "sightline": pinned([os.path.join(build, "sightline"), "-q", "-o", "/dev/null",
                             "-r", cap], "0"),
    }
    # -q: no per-flow listing; the DPI itself is ndpiReader's default (all dissectors).
    if shutil.which("ndpiReader"):
        cmds["ndpi"] = pinned(["ndpiReader", "-q", "-i", cap], "0")
    t = interleaved(runs, cmds)
    print("one core (taskset -c 0), offline, median of %d:" % runs)
    line("bare pcap_next_ex loop", t["bare"], pkts, nbytes)
    sl = line("sightline (parsers, enrichment, rules)", t["sightline"], pkts, nbytes, t["bare"])
    share = t["bare"] / t["sightline"]
    target("one core offline >= 50% of the bare loop", "%.1f%%" % (100 * share), share >= 0.5)
    if "ndpi" in t:
        nd = line("ndpiReader -q (nDPI %s)" % ndpi_version(), t["ndpi"], pkts, nbytes, t["bare"])
        print("  sightline / ndpiReader: %.2fx" % (sl / nd))
        target("one core offline >= 4x ndpiReader", "%.2fx" % (sl / nd), sl / nd >= 4)
    else:
        print("  ndpiReader: not installed (apt-get install libndpi-bin), no comparison")
        target("one core offline >= 4x ndpiReader", "not measured", None)


def ndpi_version():
    p = subprocess.run(["ndpiReader", "-h"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for word in p.stdout.decode(errors="replace").split():
        if word[:1].isdigit() and "." in word:
            return word
    return "?"


def memory(build, cap, work):
    rss, st = measured([os.path.join(build, "sightline"), "-q", "-r", cap],
                       os.path.join(work, "mix.json"))
    fl, pa = st.get("flow", {}), st.get("parsers", {})
    print("memory (mix, one run): peak RSS %d kB; %s flows, at most %s at once; %s B per flow "
          "all told (flow table %s B: record + hash buckets; the rest parser state); parser "
          "state peak %s B (%s states made); rules loaded %s, geo lookups %s" % (
              rss, fl.get("created"), fl.get("active_max"), fl.get("bytes_per_flow"),
              fl.get("table_bytes_per_flow"), pa.get("state_bytes_max"), pa.get("states"),
              st.get("rules", {}).get("loaded"), st.get("geo", {}).get("lookups")))
    tbpf = fl.get("table_bytes_per_flow")
    target("<= 256 B flow-table state per flow", "%s B" % tbpf, tbpf is not None and tbpf <= 256)


def workers(build, cap, runs, pkts):
    ncpu = os.cpu_count() or 1
    sl = [os.path.join(build, "sightline"), "-q", "-o", "/dev/null", "-r", cap]
    t = interleaved(runs, {n: sl + ["--workers", str(n)] for n in range(1, ncpu + 1)})
    print("workers (offline, not pinned, median of %d):" % runs)
    for n in range(1, ncpu + 1):
        print("  %d worker(s): %7.3f s %11.0f pkt/s  %.2fx of one worker" % (
            n, t[n], pkts / t[n], t[1] / t[n]))
    if ncpu >= 2:
        target("2 workers >= 1.7x one worker", "%.2fx" % (t[1] / t[2]), t[1] / t[2] >= 1.7)
    else:
        target("2 workers >= 1.7x one worker", "one core only", None)


def million(build, work):
    """1 M TCP SYNs from distinct sources, 5 us apart: all open at once at the end."""
    flood = os.path.join(work, "million.pcap")
    if not os.path.exists(flood):
        subprocess.run([os.path.join(build, "pcaps", "sl-pcapgen"), "flood", "--syn",
                        str(MILLION), "--udp", "0", flood], check=True)
    rss, st = measured([os.path.join(build, "sightline"), "-q", "-r", flood,
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


def sh(*cmd):
    subprocess.run(list(cmd), check=True)


def live_capture(build, ns, cap, out):
    """sightline on slb1, tcpreplay at 1 Gbit/s on slb0; returns tcpreplay's report."""
    sens = subprocess.Popen(["ip", "netns", "exec", ns, os.path.join(build, "sightline"),
                             "-q", "-i", "slb1", "--allow-root", "-o", out],
                            stderr=subprocess.PIPE)
    try:
        time.sleep(2.0)
        if sens.poll() is not None:
            sys.exit("bench: live sightline exited: " + sens.stderr.read().decode()[-500:])
        r = subprocess.run(["ip", "netns", "exec", ns, "tcpreplay", "-i", "slb0",
                            "--mbps=1000", cap],
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


def live_test(build, cap, work):
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
        # No IPv6 in the namespace: no router or neighbour solicitations, so every
        # packet on the veth is one tcpreplay sent.
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
           "net.ipv6.conf.default.disable_ipv6=1")
        sh("ip", "netns", "exec", ns, "ip", "link", "add", "slb0", "type", "veth",
           "peer", "name", "slb1")
        for dev in ("slb0", "slb1"):
            sh("ip", "netns", "exec", ns, "ip", "link", "set", dev, "mtu", "9000", "up")
        report = live_capture(build, ns, cap, out)
        vdrops = veth_drops(ns)
    finally:
        subprocess.run(["ip", "netns", "del", ns])
    st = last_stats(out)
    os.unlink(out)
    print("live (tcpreplay --mbps=1000 onto a veth in namespace %s, sightline -i, default "
          "capture.buffer_mb):" % ns)
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
    target("no drops at 1 Gbit/s on the veth test", "%s/%s pkts, drops %s+%s, veth %s" % (
        got, sent, kd, rd, vdrops), ok)


def table():
    print("targets:")
    for name, figure, met in RESULTS:
        verdict = "met" if met else "not measured" if met is None else "MISSED"
        print("  %-42s %-28s %s" % (name, figure, verdict))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--mb", type=int, default=512, help="size of the mixed capture (MB)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--work", default=None, help="directory for the captures, kept (default "
                    "a temporary directory, removed)")
    ap.add_argument("--live", action="store_true", help="also run the tcpreplay veth test")
    a = ap.parse_args()
    t0 = time.time()
    build = os.path.abspath(a.build)
    subprocess.run(["meson", "compile", "-C", build, "sightline", "tests/bench/bare_read",
                    "tests/bench/mkmix", "pcaps/sl-pcapgen"], stdout=subprocess.DEVNULL,
                   check=True)
    work = os.path.abspath(a.work) if a.work else tempfile.mkdtemp(prefix="sightline-bench-")
    os.makedirs(work, exist_ok=True)
    cap = os.path.join(work, "mix.pcap")
    if not os.path.exists(cap):
        build_mix(build, cap, a.mb)
    pkts, nbytes = count_packets(build, cap)
    print("machine: %s, %d cores, load average %.2f; capture %s: %d packets, %.1f MB of "
          "packet data" % (cpu_model(), os.cpu_count() or 1, os.getloadavg()[0], cap, pkts,
                           nbytes / 1e6))
    try:
        offline(build, cap, a.runs, pkts, nbytes)
        memory(build, cap, work)
        workers(build, cap, a.runs, pkts)
        million(build, work)
        if a.live:
            live_test(build, cap, work)
        else:
            target("no drops at 1 Gbit/s on the veth test", "not run (--live)", None)
        table()
    finally:
        if not a.work:
            shutil.rmtree(work)
    print("benchmark took %.0f s" % (time.time() - t0))


if __name__ == "__main__":
    main()
