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
save() {
    local n=${2:-$MAX_PKTS}
    editcap -r "$NL_TMP/$1.pcap" "$OUT/$1.pcap" "1-$n"
    chmod 644 "$OUT/$1.pcap"
    nl_log "$1.pcap: $(tcpdump -nr "$OUT/$1.pcap" 2>/dev/null | wc -l) packets, $(stat -c %s "$OUT/$1.pcap") bytes"
}

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
    save l2tp
}

need_tools() {
    local pair missing=0
    for pair in ip:iproute2 ethtool:ethtool tcpdump:tcpdump editcap:tshark xl2tpd:xl2tpd \
                pptpd:pptpd pptp:pptp-linux ss:iproute2; do
        command -v "${pair%%:*}" >/dev/null || { echo "missing ${pair%%:*} (apt-get install ${pair##*:})" >&2; missing=1; }
    done
    return "$missing"
}

main() {
    [ "$(id -u)" = 0 ] || { echo "run as root (needs ip netns)" >&2; exit 1; }
    need_tools || exit 1
    local all=(l2tp pptp) c
    [ $# -gt 0 ] && all=("$@")
    nl_init
    for c in "${all[@]}"; do
        declare -F "cap_$c" >/dev/null || { echo "unknown capture: $c" >&2; exit 2; }
        nl_log "making $c"
        "cap_$c"
    done
    nl_destroy
}

main "$@"
