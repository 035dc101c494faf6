#!/usr/bin/env bash
# vpn-captures.sh — re-make the L2TP and PPTP captures in pcaps/real/ by running xl2tpd and
# pptpd/pptp-linux between the two network namespaces of netns-lib.sh.  Only the control
# channels (and PPTP's first GRE frames) are real: this kernel has no PPP (/dev/ppp), so pppd
# cannot run and the sessions end after their set-up.  Usage (root):
#   pcaps/make/vpn-captures.sh [l2tp pptp]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$HERE/../real"
OUT=$(cd "$HERE/../real" && pwd)
# shellcheck source=netns-lib.sh
. "$HERE/netns-lib.sh"

MAX_PKTS=${MAX_PKTS:-60}

# Move a finished capture into pcaps/real/, trimmed to the first $2 packets.

# ---- L2TP (xl2tpd) ----

# xl2tpd as LNS in the server namespace and as LAC in the laptop namespace, each with its own
# config, pid and control files.  The LAC dials at start (autodial): SCCRQ, SCCRP, SCCCN,
# ZLB, then ICRQ/ICRP/ICCN for the call; pppd then fails (no kernel PPP) and the call is torn
# down (CDN), and the LAC is stopped (StopCCN).
write_l2tp_conf() {
    local d=$NL_TMP/l2tp
    mkdir -p "$d"
    cat >"$d/lns.conf" <<EOT
[global]
listen-addr = $NL_SERVER_V4
port = 1701
[lns default]
ip range = 10.9.0.10-10.9.0.20
local ip = 10.9.0.1
hostname = farm-lns
length bit = yes
require authentication = no
require chap = no
refuse pap = no
EOT
    cat >"$d/lac.conf" <<EOT
[global]
port = 1701
[lac farm]
lns = $NL_SERVER_V4
hostname = laptop-7
length bit = yes
require authentication = no
autodial = yes
redial = no
EOT
    : >"$d/secrets"
}

cap_l2tp() {
    local d=$NL_TMP/l2tp
    write_l2tp_conf
    nl_create 0
    nl_spawn "$NL_SERVER" xl2tpd-lns xl2tpd -D -c "$d/lns.conf" -s "$d/secrets" \
        -p "$d/lns.pid" -C "$d/lns.ctl"
    nl_wait_listen "$NL_SERVER" udp 1701
    nl_capture_start "$NL_TMP/l2tp.pcap"
    nl_spawn "$NL_LAPTOP" xl2tpd-lac xl2tpd -D -c "$d/lac.conf" -s "$d/secrets" \
        -p "$d/lac.pid" -C "$d/lac.ctl"
    sleep 4
    nl_capture_stop
    nl_kill_all
    nl_save l2tp
}

# ---- PPTP (pptpd + pptp-linux) ----

# A stand-in for pppd, which cannot run here: writes one asynchronous-HDLC PPP frame
# (RFC 1662) -- an LCP Configure-Request (MRU 1400, magic number) -- to its PPP side after
# `delay` s, reads whatever comes back for `linger` s, and exits.  The PPP side is its
# standard input/output (how pptpctrl runs pppd on the pty), or with `-- CMD...` a socket
# pair given to CMD as standard input and output (how pptp --nolaunchpppd expects its pty:
# it reads and writes fd 0).  argv: linger delay [-- CMD...]
write_lcp_feeder() {
    cat >"$NL_TMP/lcp.py" <<'PYEOF'
import os, socket, subprocess, sys, time

def fcs16(data):
    fcs = 0xffff
    for b in data:
        fcs ^= b
        for _ in range(8):
            fcs = (fcs >> 1) ^ 0x8408 if fcs & 1 else fcs >> 1
    return fcs ^ 0xffff

def hdlc(frame):
    f = fcs16(frame)
    frame += bytes([f & 0xff, f >> 8])
    out = bytearray([0x7e])
    for b in frame:
        out += bytes([0x7d, b ^ 0x20]) if b < 0x20 or b in (0x7d, 0x7e) else bytes([b])
    return bytes(out + b'\x7e')

lcp = bytes([0x01, 0x01, 0x00, 0x0e, 0x01, 0x04, 0x05, 0x78, 0x05, 0x06]) + os.urandom(4)
frame = hdlc(bytes([0xff, 0x03, 0xc0, 0x21]) + lcp)
linger, delay = float(sys.argv[1]), float(sys.argv[2])
child = None
if len(sys.argv) > 4 and sys.argv[3] == '--':
    mine, theirs = socket.socketpair()
    child = subprocess.Popen(sys.argv[4:], stdin=theirs, stdout=theirs)
    theirs.close()
    wfd = rfd = mine.fileno()
else:
    rfd, wfd = 0, 1
time.sleep(delay)
os.write(wfd, frame)
end = time.time() + linger
os.set_blocking(rfd, False)
while time.time() < end:
    try:
        os.read(rfd, 4096)
    except BlockingIOError:
        pass
    time.sleep(0.05)
if child:
    child.terminate()
    child.wait()
PYEOF
}

# pptpd in the server namespace (listening on 198.51.100.20:1723); pptp in the laptop
# namespace without pppd.  The control connection runs in full (Start-Control-Connection
# Request/Reply, Outgoing-Call Request/Reply); the client then sends the LCP frame in GRE
# version 1; pptpd's pppd fails to start, so the server clears the call.
cap_pptp() {
    local d=$NL_TMP/pptp
    mkdir -p "$d"
    write_lcp_feeder
    printf 'lock\nnoauth\n' >"$d/options"
    # the server's stand-in pppd: pptpctrl runs it on the pty (standard input and output)
    printf '#!/bin/sh\nexec /usr/bin/python3 %s 3 0.5\n' "$NL_TMP/lcp.py" >"$d/fake-pppd"
    chmod 755 "$d/fake-pppd"
    printf 'option %s\nlocalip 10.9.1.1\nremoteip 10.9.1.10-20\nlisten %s\n' \
        "$d/options" "$NL_SERVER_V4" >"$d/pptpd.conf"
    nl_create 0
    nl_spawn "$NL_SERVER" pptpd pptpd -f -e "$d/fake-pppd" -c "$d/pptpd.conf" -p "$d/pptpd.pid"
    nl_wait_listen "$NL_SERVER" tcp 1723
    nl_capture_start "$NL_TMP/pptp.pcap"
    nl_laptop /usr/bin/python3 "$NL_TMP/lcp.py" 2 1.5 -- pptp "$NL_SERVER_V4" --nolaunchpppd \
        --nohostroute --debug --loglevel 2 >"$NL_TMP/pptp-client.log" 2>&1 || true
    nl_capture_stop
    nl_kill_all
    nl_save pptp
}

need_tools() {
    local pair missing=0
    for pair in ip:iproute2 ethtool:ethtool tcpdump:tcpdump editcap:tshark xl2tpd:xl2tpd \
                pptpd:pptpd pptp:pptp-linux ss:iproute2; do
        command -v "${pair%%:*}" >/dev/null || { echo "missing ${pair%%:*} (apt-get install ${pair##*:})" >&2; missing=1; }
    done
    return "$missing"
}

NL_ALL="l2tp pptp"
nl_main "$@"
