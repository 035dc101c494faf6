#!/usr/bin/env bash
# remote-captures.sh — re-make the remote-access and VPN captures in pcaps/real/ by running
# real software (OpenVPN, xrdp + FreeRDP, TigerVNC, strongSwan, OpenSSH forwarding) between
# the two network namespaces of netns-lib.sh.  Usage (root):
#   pcaps/make/remote-captures.sh [openvpn_udp openvpn_tcp openvpn_tlsauth openvpn_tlscrypt rdp vnc ike ssh_fwd]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$HERE/../real"
OUT=$(cd "$HERE/../real" && pwd)
# shellcheck source=netns-lib.sh
. "$HERE/netns-lib.sh"

PY=/usr/bin/python3
MAX_PKTS=${MAX_PKTS:-200}   # keep each file small: the handshakes are all that matter

# Move a finished capture into pcaps/real/, trimmed to the first $2 (default MAX_PKTS)
# packets with editcap, and show a one-line summary.
save() {
    local n=${2:-$MAX_PKTS}
    editcap -r "$NL_TMP/$1.pcap" "$OUT/$1.pcap" "1-$n"
    chmod 644 "$OUT/$1.pcap"
    nl_log "$1.pcap: $(tcpdump -nr "$OUT/$1.pcap" 2>/dev/null | wc -l) packets, $(stat -c %s "$OUT/$1.pcap") bytes"
}

# ---- OpenVPN ----

# A throwaway PKI: one CA, a server and a client certificate (EC P-256, short-lived), the
# tls-auth/tls-crypt static key.  OpenVPN needs no DH file with ECDHE (--dh none).
make_ovpn_pki() {
    local d=$NL_TMP/pki
    [ -f "$d/ca.crt" ] && return 0
    mkdir -p "$d"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -subj /CN=sightline-test-ca -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
    local who
    for who in server client; do
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -subj "/CN=ovpn-$who" -keyout "$d/$who.key" -out "$d/$who.csr" 2>/dev/null
        printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyAgreement\nextendedKeyUsage=%s\n' \
            "$([ $who = server ] && echo serverAuth || echo clientAuth)" >"$d/$who.ext"
        openssl x509 -req -in "$d/$who.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
            -days 30 -extfile "$d/$who.ext" -out "$d/$who.crt" 2>/dev/null
    done
    openvpn --genkey secret "$d/ta.key" >/dev/null
}

# One OpenVPN session: server in sl-server, client in sl-laptop, both on TUN devices
# (10.8.0.1 <-> 10.8.0.2, topology p2p via --server's subnet); the client pings through the
# tunnel twice and is stopped.  $1 = capture name, $2 = udp|tcp, $3 = none|tls-auth|tls-crypt.
ovpn_session() {
    local name=$1 proto=$2 wrap=$3 d=$NL_TMP/pki
    local sproto=udp cproto=udp extra=() sextra=() cextra=()
    [ "$proto" = tcp ] && sproto=tcp-server && cproto=tcp-client
    case $wrap in
        tls-auth) extra=(--tls-auth "$d/ta.key") ;;
        tls-crypt) extra=(--tls-crypt "$d/ta.key") ;;
    esac
    make_ovpn_pki
    nl_create 0
    local common=(--dev tun --port 1194 --ca "$d/ca.crt" --verb 3 --ping 10 "${extra[@]}")
    [ "$wrap" = tls-auth ] && sextra=(--key-direction 0) && cextra=(--key-direction 1)
    nl_spawn "$NL_SERVER" ovpn-server openvpn --local "$NL_SERVER_V4" --proto "$sproto" "${common[@]}" \
        "${sextra[@]}" --dh none --tls-server --cert "$d/server.crt" --key "$d/server.key" --ifconfig 10.8.0.1 10.8.0.2
    nl_wait_listen "$NL_SERVER" "$proto" 1194
    nl_capture_start "$NL_TMP/$name.pcap"
    nl_spawn "$NL_LAPTOP" ovpn-client openvpn --remote "$NL_SERVER_V4" --nobind --proto "$cproto" \
        "${common[@]}" "${cextra[@]}" --tls-client --remote-cert-tls server \
        --cert "$d/client.crt" --key "$d/client.key" --ifconfig 10.8.0.2 10.8.0.1
    local ok=0
    for _ in $(seq 1 100); do
        grep -q 'Initialization Sequence Completed' "$NL_TMP/ovpn-client.log" && ok=1 && break
        sleep 0.1
    done
    [ $ok = 1 ] || { cat "$NL_TMP/ovpn-client.log" "$NL_TMP/ovpn-server.log" >&2; return 1; }
    nl_laptop ping -c 2 -i 0.5 10.8.0.1 >/dev/null
    nl_capture_stop
    nl_kill_all
    save "$name"
}

cap_openvpn_udp() { ovpn_session openvpn_udp udp none; }
cap_openvpn_tcp() { ovpn_session openvpn_tcp tcp none; }
cap_openvpn_tlsauth() { ovpn_session openvpn_tlsauth udp tls-auth; }
cap_openvpn_tlscrypt() { ovpn_session openvpn_tlscrypt udp tls-crypt; }

need_tools() {
    local pair missing=0
    for pair in ip:iproute2 ethtool:ethtool tcpdump:tcpdump editcap:tshark openssl:openssl \
                openvpn:openvpn ss:iproute2 "$PY":python3; do
        command -v "${pair%%:*}" >/dev/null || { echo "missing ${pair%%:*} (apt-get install ${pair##*:})" >&2; missing=1; }
    done
    return "$missing"
}

main() {
    [ "$(id -u)" = 0 ] || { echo "run as root (needs ip netns)" >&2; exit 1; }
    need_tools || exit 1
    local all=(openvpn_udp openvpn_tcp openvpn_tlsauth openvpn_tlscrypt) c
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
