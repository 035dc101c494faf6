#!/usr/bin/env python3
"""Checks for the sl-pcapgen captures (meson suite 'gen'); standard library only.

  check_gen.py reproduce GEN PCAPS_DIR WORK_DIR   regenerate, compare byte for byte
  check_gen.py tcpdump PCAPS_DIR                  every capture reads cleanly (77 = skip)
  check_gen.py tshark PCAPS_DIR                   no bad IP/TCP/UDP checksum (77 = skip)
  check_gen.py timing PCAPS_DIR                   handshake timings and snaplen facts
"""
import os
import shutil
import struct
import subprocess
import sys

SKIP = 77


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def regular(pcaps):
    d = os.path.join(pcaps, "gen-out")
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".pcap"))


def malformed(pcaps):
    d = os.path.join(pcaps, "malformed")
    if not os.path.isdir(d):
        return []
    return sorted(os.path.join(d, f) for f in os.listdir(d)
                  if f.startswith("malformed-") and f.endswith(".pcap"))


def generated(name):
    """A file the generator writes: a capture, or a scenario's sign-in log."""
    return name.endswith((".pcap", ".okta.jsonl", ".entra.json"))


def compare_dir(fresh, committed, exact_set):
    """Every freshly written file must equal its committed copy; with exact_set the
    committed directory must hold no capture the generator no longer writes."""
    made = sorted(f for f in os.listdir(fresh) if generated(f))
    if not made:
        fail("generator wrote nothing into " + fresh)
    bad = []
    for name in made:
        path = os.path.join(committed, name)
        if not os.path.exists(path):
            bad.append(name + ": not committed")
            continue
        with open(os.path.join(fresh, name), "rb") as a, open(path, "rb") as b:
            if a.read() != b.read():
                bad.append(name + ": differs from the committed file")
    if exact_set and os.path.isdir(committed):
        for name in sorted(os.listdir(committed)):
            if generated(name) and name not in made:
                bad.append(name + ": committed but no longer generated")
    return made, bad


def reproduce(gen, pcaps, work):
    bad = []
    total = 0
    for opt, sub, exact in (("--all", "gen-out", True), ("--malformed", "malformed", False)):
        out = os.path.join(work, sub)
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        r = subprocess.run([gen, opt, out], capture_output=True, text=True)
        if r.returncode != 0:
            fail("%s %s exited %d: %s" % (gen, opt, r.returncode, r.stderr.strip()))
        made, errs = compare_dir(out, os.path.join(pcaps, sub), exact)
        total += len(made)
        bad += [sub + "/" + e for e in errs]
    # Twice in a row must give the same bytes too (no state carried between scenarios).
    again = os.path.join(work, "again")
    shutil.rmtree(again, ignore_errors=True)
    os.makedirs(again)
    subprocess.run([gen, "--all", again], check=True)
    made, errs = compare_dir(again, os.path.join(work, "gen-out"), True)
    bad += ["second run: " + e for e in errs]
    if bad:
        fail("; ".join(bad) + "\n(regenerate: sl-pcapgen --all pcaps/gen-out && "
             "sl-pcapgen --malformed pcaps/malformed, and review the diff)")
    print("ok: %d captures reproduced byte for byte" % total)


def run_tcpdump(pcaps):
    tool = shutil.which("tcpdump")
    if not tool:
        print("tcpdump not found: skipped")
        sys.exit(SKIP)
    for f in regular(pcaps) + malformed(pcaps):
        r = subprocess.run([tool, "-nn", "-v", "-r", f], capture_output=True, text=True)
        errs = [l for l in r.stderr.splitlines() if l and not l.startswith(("reading from file", "Warning: interface names"))]
        if r.returncode != 0 or errs:
            fail("tcpdump -r %s: exit %d: %s" % (f, r.returncode, " | ".join(errs)))
        if not r.stdout.strip():
            fail("tcpdump -r %s printed no packets" % f)
    print("ok: tcpdump reads every capture")


TSHARK_BAD = ("tcp.checksum.status==2 || udp.checksum.status==2 || ip.checksum.status==2"
              " || icmp.checksum.status==2 || icmpv6.checksum.status==2 || _ws.malformed")


def run_tshark(pcaps):
    tool = shutil.which("tshark")
    if not tool:
        print("tshark not found: skipped")
        sys.exit(SKIP)
    for f in regular(pcaps):
        r = subprocess.run([tool, "-n", "-r", f, "-o", "tcp.check_checksum:TRUE",
                            "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                            "-Y", TSHARK_BAD], capture_output=True, text=True)
        if r.returncode != 0:
            fail("tshark -r %s exited %d: %s" % (f, r.returncode, r.stderr.strip()))
        if r.stdout.strip():
            fail("%s: bad checksum or malformed packet:\n%s" % (f, r.stdout))
    print("ok: checksums verify in %d captures" % len(regular(pcaps)))


def read_pcap(path):
    """Yields (ts_us, caplen, wirelen, bytes) from a little-endian microsecond pcap."""
    with open(path, "rb") as fh:
        data = fh.read()
    magic, _, _, _, _, snaplen, linktype = struct.unpack_from("<IHHiIII", data, 0)
    if magic != 0xA1B2C3D4:
        fail("%s: not a little-endian microsecond pcap" % path)
    off, recs = 24, []
    while off < len(data):
        sec, usec, cap, wire = struct.unpack_from("<IIII", data, off)
        recs.append((sec * 1000000 + usec, cap, wire, data[off + 16:off + 16 + cap]))
        off += 16 + cap
    return linktype, snaplen, recs


def tcp_of(frame):
    """(src, sport, dst, dport, flags) of an Ethernet IPv4/IPv6 TCP frame, else None."""
    etype = struct.unpack_from(">H", frame, 12)[0]
    if etype == 0x0800 and frame[23] == 6:
        ihl = (frame[14] & 15) * 4
        src, dst, l4 = frame[26:30], frame[30:34], 14 + ihl
    elif etype == 0x86DD and frame[20] == 6:
        src, dst, l4 = frame[22:38], frame[38:54], 54
    else:
        return None
    sport, dport = struct.unpack_from(">HH", frame, l4)
    return src, sport, dst, dport, frame[l4 + 13]


def handshake_legs(recs, cport):
    """Microseconds SYN -> SYN/ACK and SYN/ACK -> ACK for the client port cport."""
    t = {}
    for ts, _, _, fr in recs:
        tcp = tcp_of(fr)
        if not tcp:
            continue
        _, sport, _, dport, flags = tcp
        if sport == cport and flags == 0x02 and "syn" not in t:
            t["syn"] = ts
        elif dport == cport and flags == 0x12 and "synack" not in t:
            t["synack"] = ts
        elif sport == cport and flags == 0x10 and "synack" in t and "ack" not in t:
            t["ack"] = ts
    if len(t) != 3:
        fail("no complete handshake for client port %d" % cport)
    return t["synack"] - t["syn"], t["ack"] - t["synack"]


def timing(pcaps):
    lt, _, recs = read_pcap(os.path.join(pcaps, "gen-out", "flows-basic.pcap"))
    if lt != 1:
        fail("flows-basic: linktype %d, expected 1" % lt)
    if recs[0][0] != 1772460000 * 1000000:
        fail("flows-basic: first packet at %d us, expected 2026-03-02T14:00:00Z" % recs[0][0])
    for port, want in ((40000, (80000, 10000)), (40001, (40000, 10000)), (40010, (80000, 10000))):
        got = handshake_legs(recs, port)
        if got != want:
            fail("port %d: handshake legs %s us, expected %s" % (port, got, want))
    ts = [r[0] for r in recs]
    if ts != sorted(ts):
        fail("flows-basic: timestamps go backwards")
    if ts[-1] - ts[-2] < 700 * 1000000:
        fail("flows-basic: last packet only %d us after the previous one" % (ts[-1] - ts[-2]))
    _, snap, recs = read_pcap(os.path.join(pcaps, "malformed", "malformed-snaplen.pcap"))
    cut = [r for r in recs if r[1] < r[2]]
    if snap != 96 or not cut or any(r[1] != 96 for r in cut):
        fail("malformed-snaplen: expected snaplen 96 and cut frames of caplen 96")
    print("ok: handshake legs 80/10 ms, 40/10 ms, 80/10 ms; 700 s gap; snaplen cut")


def main(argv):
    if len(argv) == 5 and argv[1] == "reproduce":
        reproduce(argv[2], argv[3], argv[4])
    elif len(argv) == 3 and argv[1] == "tcpdump":
        run_tcpdump(argv[2])
    elif len(argv) == 3 and argv[1] == "tshark":
        run_tshark(argv[2])
    elif len(argv) == 3 and argv[1] == "timing":
        timing(argv[2])
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
