#!/usr/bin/env bash
# link-captures.sh — re-make the link-layer captures in pcaps/real/: a pcapng file that
# dumpcap writes while capturing on two veths with different snap lengths and an NFLOG
# group at once (three interfaces, two link types), and an NFLOG capture of iptables
# logging made with tcpdump -i nflog:N.  Same two namespaces as netns-lib.sh.
# Usage (root): pcaps/make/link-captures.sh [multi_iface nflog]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$HERE/../real"
OUT=$(cd "$HERE/../real" && pwd)
# shellcheck source=netns-lib.sh
. "$HERE/netns-lib.sh"

PY=/usr/bin/python3
# The second link: laptop vl1 (10.78.0.2) <-> server vs1 (203.0.113.20, TEST-NET-3).
L2_LAPTOP_IF=vl1
L2_SERVER_IF=vs1
L2_LAPTOP_MAC=02:00:0a:4e:00:02
L2_SERVER_MAC=02:00:cb:00:71:14
L2_LAPTOP_V4=10.78.0.2
L2_SERVER_V4=203.0.113.20

make_www() {
    mkdir -p "$NL_TMP/www"
    printf '<!doctype html>\n<title>corp wiki</title>\n<p>sightline test page</p>\n' \
        >"$NL_TMP/www/index.html"
}

# A second veth pair between the two namespaces, IPv4 only.
second_link() {
    ip link add "$L2_LAPTOP_IF" netns "$NL_LAPTOP" type veth peer name "$L2_SERVER_IF" netns "$NL_SERVER"
    _nl_end_up "$NL_LAPTOP" "$L2_LAPTOP_IF" "$L2_LAPTOP_MAC" "$L2_LAPTOP_V4" 203.0.113.0/24 \
        "" "" 0
    _nl_end_up "$NL_SERVER" "$L2_SERVER_IF" "$L2_SERVER_MAC" "$L2_SERVER_V4" 10.78.0.0/24 \
        "" "" 0
    sleep 2
}

# Start dumpcap in the laptop namespace with the interface options given; returns once it
# captures on all of them.
dumpcap_start() {
    local out=$1; shift
    nl_spawn "$NL_LAPTOP" dumpcap dumpcap -q "$@" -w "$out"
    NL_TCPDUMP_PID=$NL_LAST_PID
    for _ in $(seq 1 100); do
        grep -q '^Capturing on' "$NL_TMP/dumpcap.log" 2>/dev/null && { sleep 0.5; return 0; }
        sleep 0.1
    done
    nl_log "dumpcap did not start"; cat "$NL_TMP/dumpcap.log" >&2
    return 1
}

# 1. Three interfaces in one pcapng: vl0 (Ethernet, snap length 262144), vl1 (Ethernet,
# snap length 96) and nflog:7 (NFLOG, loopback pings that iptables logs).  libpcap 1.10
# refuses such a file after its first packet; Wireshark writes it whenever it captures on
# several interfaces.
cap_multi_iface() {
    make_www
    nl_create 0
    second_link
    nl_spawn "$NL_SERVER" httpd1 "$PY" -m http.server 80 --bind "$NL_SERVER_V4" --directory "$NL_TMP/www"
    nl_spawn "$NL_SERVER" httpd2 "$PY" -m http.server 8080 --bind "$L2_SERVER_V4" --directory "$NL_TMP/www"
    nl_wait_listen "$NL_SERVER" tcp 80
    nl_wait_listen "$NL_SERVER" tcp 8080
    nl_laptop iptables -A OUTPUT -o lo -p icmp -j NFLOG --nflog-group 7 --nflog-prefix sl-lo --nflog-threshold 1
    dumpcap_start "$NL_TMP/multi_iface.pcapng" -i "$NL_LAPTOP_IF" -s 262144 \
        -i "$L2_LAPTOP_IF" -s 96 -i nflog:7 -s 262144
    nl_laptop curl -sS -o /dev/null "http://$NL_SERVER_V4/"
    nl_laptop curl -sS -o /dev/null "http://$L2_SERVER_V4:8080/"
    nl_laptop ping -c 2 -i 0.5 127.0.0.1 >/dev/null
    nl_laptop ping -c 1 "$L2_SERVER_V4" >/dev/null
    sleep 1
    kill -INT "$NL_TCPDUMP_PID"
    wait "$NL_TCPDUMP_PID" || true
    nl_kill_all
    cp "$NL_TMP/multi_iface.pcapng" "$OUT/multi_iface.pcapng"
    chmod 644 "$OUT/multi_iface.pcapng"
    nl_log "multi_iface.pcapng: $(capinfos -c -M "$OUT/multi_iface.pcapng" | tail -1)"
}

# 2. NFLOG: iptables/ip6tables log every packet of vl0 both ways to group 5, with the
# packet; tcpdump -i nflog:5 writes them (LINKTYPE_NFLOG).  An HTTP GET over IPv4, two
# IPv4 and two IPv6 echoes.
cap_nflog() {
    make_www
    nl_create 1
    nl_spawn "$NL_SERVER" httpd "$PY" -m http.server 80 --bind "$NL_SERVER_V4" --directory "$NL_TMP/www"
    nl_wait_listen "$NL_SERVER" tcp 80
    local t
    for t in iptables ip6tables; do
        nl_laptop "$t" -A OUTPUT -o "$NL_LAPTOP_IF" -j NFLOG --nflog-group 5 --nflog-prefix sl-out --nflog-threshold 1
        nl_laptop "$t" -A INPUT -i "$NL_LAPTOP_IF" -j NFLOG --nflog-group 5 --nflog-prefix sl-in --nflog-threshold 1
    done
    nl_spawn "$NL_LAPTOP" tcpdump tcpdump -i nflog:5 -s 0 -U -n -Z root -w "$NL_TMP/nflog.pcap"
    NL_TCPDUMP_PID=$NL_LAST_PID
    for _ in $(seq 1 100); do
        grep -q 'listening on' "$NL_TMP/tcpdump.log" 2>/dev/null && break
        sleep 0.1
    done
    nl_laptop curl -sS -o /dev/null "http://$NL_SERVER_V4/"
    nl_laptop ping -c 2 -i 0.5 "$NL_SERVER_V4" >/dev/null
    nl_laptop ping -6 -c 2 -i 0.5 "$NL_SERVER_V6" >/dev/null
    nl_capture_stop
    nl_kill_all
    nl_save nflog ""
}

need_tools() {
    local pair missing=0
    for pair in ip:iproute2 ethtool:ethtool tcpdump:tcpdump dumpcap:tshark capinfos:tshark \
                editcap:tshark iptables:iptables ip6tables:iptables curl:curl \
                ping:iputils-ping ss:iproute2 "$PY":python3; do
        command -v "${pair%%:*}" >/dev/null || { echo "missing ${pair%%:*} (apt-get install ${pair##*:})" >&2; missing=1; }
    done
    return "$missing"
}

NL_ALL="multi_iface nflog"
nl_main "$@"
