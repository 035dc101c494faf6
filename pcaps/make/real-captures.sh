#!/usr/bin/env bash
# real-captures.sh — re-make the real captures in pcaps/real/ by running real software
# (OpenSSH, OpenSSL, curl, dnsmasq, dig, python http.server, ping) between two network
# namespaces. Usage (root): pcaps/make/real-captures.sh [ssh tls12 tls13 tls13_hrr dns http ipv6 icmp_udp quic]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$HERE/../real"
OUT=$(cd "$HERE/../real" && pwd)
# shellcheck source=netns-lib.sh
. "$HERE/netns-lib.sh"

PY=/usr/bin/python3
UA='Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'
LANG_HDR='Accept-Language: ko-KR,ko;q=0.9,en-US;q=0.7'
SNI=corp-sso.example

# Move a finished capture from the temp dir into pcaps/real/ and show a one-line summary.

# 1. OpenSSH: key login with throwaway keys, one short command, clean close.
cap_ssh() {
    local d=$NL_TMP/ssh
    mkdir -p "$d" /run/sshd
    ssh-keygen -q -t ed25519 -N '' -C sl-host -f "$d/host_key"
    ssh-keygen -q -t ed25519 -N '' -C sl-client -f "$d/client_key"
    cp "$d/client_key.pub" "$d/authorized_keys"
    cat >"$d/sshd_config" <<EOF
ListenAddress $NL_SERVER_V4:22
HostKey $d/host_key
PidFile none
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
PrintLastLog no
EOF
    nl_create 0
    nl_spawn "$NL_SERVER" sshd /usr/sbin/sshd -D -e -f "$d/sshd_config"
    nl_wait_listen "$NL_SERVER" tcp 22
    nl_capture_start "$NL_TMP/ssh.pcap"
    nl_laptop ssh -F /dev/null -i "$d/client_key" -o IdentitiesOnly=yes -o BatchMode=yes \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
        "root@$NL_SERVER_V4" 'echo sightline-capture; uname -s' >"$NL_TMP/ssh-client.log"
    nl_capture_stop
    nl_kill_all
    nl_save ssh
}

# Self-signed RSA certificate for the TLS server, made fresh each run.
make_cert() {
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -subj "/CN=$SNI" \
        -addext "subjectAltName=DNS:$SNI" -keyout "$NL_TMP/key.pem" -out "$NL_TMP/cert.pem" 2>/dev/null
}

# openssl s_server on 443 answering with its status page; picks http/1.1 when ALPN is offered.
# Extra arguments go to s_server.
start_tls_server() {
    nl_create 0
    nl_spawn "$NL_SERVER" s_server openssl s_server -accept "$NL_SERVER_V4:443" \
        -cert "$NL_TMP/cert.pem" -key "$NL_TMP/key.pem" -www -alpn http/1.1 "$@"
    nl_wait_listen "$NL_SERVER" tcp 443
}

# One s_client exchange: a plain HTTP/1.0 GET, then wait for the server to close.
s_client_get() {
    printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$SNI" |
        nl_laptop openssl s_client -connect "$NL_SERVER_V4:443" -servername "$SNI" \
            -ign_eof "$@" >>"$NL_TMP/s_client.log" 2>&1
}

curl_tls() {
    nl_laptop curl -sS -k -o /dev/null -A "$UA" --resolve "$SNI:443:$NL_SERVER_V4" \
        "$@" "https://$SNI/" >>"$NL_TMP/curl.log" 2>&1
}

# 2. TLS 1.2: s_client without ALPN, then curl (ALPN h2,http/1.1), both capped at 1.2.
cap_tls12() {
    make_cert
    start_tls_server
    nl_capture_start "$NL_TMP/tls12.pcap"
    s_client_get -tls1_2
    curl_tls --tlsv1.2 --tls-max 1.2
    nl_capture_stop
    nl_kill_all
    nl_save tls12
}

# 3. TLS 1.3: s_client offering ALPN h2,http/1.1, then curl --tlsv1.3.
cap_tls13() {
    make_cert
    start_tls_server
    nl_capture_start "$NL_TMP/tls13.pcap"
    s_client_get -tls1_3 -alpn h2,http/1.1
    curl_tls --tlsv1.3
    nl_capture_stop
    nl_kill_all
    nl_save tls13
}

# 3b. TLS 1.3 with a HelloRetryRequest: the server takes only P-256 while the client's
# key share is X25519 (its first group), so the server asks again; OpenSSL's default
# middlebox-compatibility mode (RFC 8446 D.4) adds the dummy ChangeCipherSpec records.
cap_tls13_hrr() {
    make_cert
    start_tls_server -groups P-256
    nl_capture_start "$NL_TMP/tls13_hrr.pcap"
    s_client_get -tls1_3 -groups X25519:P-256 -alpn h2,http/1.1
    nl_capture_stop
    nl_kill_all
    nl_save tls13_hrr
}

# 3c. A VPN client reaching its server by address (no SNI) over TLS 1.2, the server showing a
# self-signed certificate whose organisation is the brand (O=NordVPN): the name on the
# certificate is the only name on the wire (issue #17: brand knowledge in signatures).
cap_vpn_selfsigned() {
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 \
        -subj "/O=NordVPN/CN=gw-$NL_SERVER_V4" \
        -keyout "$NL_TMP/key.pem" -out "$NL_TMP/cert.pem" 2>/dev/null
    start_tls_server
    nl_capture_start "$NL_TMP/vpn_selfsigned.pcap"
    printf 'GET / HTTP/1.0\r\n\r\n' |
        nl_laptop openssl s_client -connect "$NL_SERVER_V4:443" -noservername -tls1_2 \
            -ign_eof >>"$NL_TMP/s_client.log" 2>&1
    nl_capture_stop
    nl_kill_all
    nl_save vpn_selfsigned
}

# 4. DNS: dnsmasq authoritative-ish for corp.example; dig over UDP, and once over TCP.
cap_dns() {
    nl_create 0
    nl_spawn "$NL_SERVER" dnsmasq dnsmasq --keep-in-foreground --log-facility=- --log-queries \
        --conf-file=/dev/null --no-resolv --no-hosts --user=root --group=root --pid-file= \
        --listen-address="$NL_SERVER_V4" --bind-interfaces \
        --local=/corp.example/ --local=/100.51.198.in-addr.arpa/ \
        --host-record=sso.corp.example,"$NL_SERVER_V4","$NL_SERVER_V6" \
        --cname=login.corp.example,sso.corp.example \
        --txt-record=corp.example,"v=spf1 ip4:198.51.100.0/24 -all"
    nl_wait_listen "$NL_SERVER" udp 53
    nl_wait_listen "$NL_SERVER" tcp 53
    nl_capture_start "$NL_TMP/dns.pcap"
    local q
    for q in 'sso.corp.example A' 'sso.corp.example AAAA' 'login.corp.example A' \
             'corp.example TXT' '-x 198.51.100.20' 'nosuch.corp.example A' \
             '+tcp sso.corp.example A'; do
        # shellcheck disable=SC2086
        nl_laptop dig @"$NL_SERVER_V4" +tries=1 +time=3 $q >>"$NL_TMP/dig.log"
    done
    nl_capture_stop
    nl_kill_all
    nl_save dns
}

# Small document root for the HTTP captures.
make_www() {
    mkdir -p "$NL_TMP/www"
    printf '<!doctype html>\n<title>corp wiki</title>\n<p>sightline test page</p>\n' \
        >"$NL_TMP/www/index.html"
}

# 5. Plain HTTP: a GET and a HEAD with a browser User-Agent and Korean Accept-Language.
cap_http() {
    make_www
    nl_create 0
    nl_spawn "$NL_SERVER" httpd "$PY" -m http.server 80 --bind "$NL_SERVER_V4" --directory "$NL_TMP/www"
    nl_wait_listen "$NL_SERVER" tcp 80
    nl_capture_start "$NL_TMP/http.pcap"
    local c=(curl -sS -A "$UA" -H "$LANG_HDR" --resolve "wiki.corp.example:80:$NL_SERVER_V4")
    nl_laptop "${c[@]}" -o /dev/null http://wiki.corp.example/
    nl_laptop "${c[@]}" -I http://wiki.corp.example/ >/dev/null
    nl_capture_stop
    nl_kill_all
    nl_save http
}

# 6. IPv6: one HTTP GET over TCP/IPv6 and two ICMPv6 echoes (NDP included, as on a wire).
cap_ipv6() {
    make_www
    nl_create 1
    nl_spawn "$NL_SERVER" httpd "$PY" -m http.server 80 --bind "$NL_SERVER_V6" --directory "$NL_TMP/www"
    nl_wait_listen "$NL_SERVER" tcp 80
    nl_capture_start "$NL_TMP/ipv6.pcap"
    nl_laptop curl -sS -6 -o /dev/null -A "$UA" -H "$LANG_HDR" "http://[$NL_SERVER_V6]/"
    nl_laptop ping -6 -c 2 -i 0.5 "$NL_SERVER_V6" >/dev/null
    nl_capture_stop
    nl_kill_all
    nl_save ipv6
}

# 7. ICMP echo, two small UDP datagrams, one 3000-byte datagram (IPv4 fragments at MTU 1500)
# and one datagram to a closed port (ICMP port unreachable quoting it).
cap_icmp_udp() {
    cat >"$NL_TMP/udp_recv.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 5140))
for _ in range(3):
    data, peer = s.recvfrom(65535)
    print(len(data), peer, flush=True)
EOF
    cat >"$NL_TMP/udp_send.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
IP_MTU_DISCOVER, IP_PMTUDISC_DONT = 10, 0   # <linux/in.h>; let the kernel fragment
s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
s.bind((sys.argv[1], 40514))
dst = sys.argv[2]
s.sendto(b'<14>sightline: udp datagram one', (dst, 5140)); time.sleep(0.2)
s.sendto(b'<14>sightline: udp datagram two', (dst, 5140)); time.sleep(0.2)
s.sendto(bytes(i % 251 for i in range(3000)), (dst, 5140)); time.sleep(0.2)
s.sendto(b'nobody listens here', (dst, 5141)); time.sleep(0.2)
EOF
    nl_create 0
    nl_spawn "$NL_SERVER" udp_recv "$PY" "$NL_TMP/udp_recv.py" "$NL_SERVER_V4"
    nl_wait_listen "$NL_SERVER" udp 5140
    nl_capture_start "$NL_TMP/icmp_udp.pcap"
    nl_laptop ping -c 3 -i 0.5 "$NL_SERVER_V4" >/dev/null
    nl_laptop "$PY" "$NL_TMP/udp_send.py" "$NL_LAPTOP_V4" "$NL_SERVER_V4"
    nl_capture_stop
    nl_kill_all
    nl_save icmp_udp
}

# Fail early, naming the Debian package, when a tool is missing.
# 8. QUIC: ngtcp2's example HTTP/3 server and client (GnuTLS backend), QUIC v1.  One GET to
#    the server on 443, one to a second instance on 8443 that validates addresses (-V), so the
#    client's second Initial follows a Retry and is protected with the Retry's connection ID.
cap_quic() {
    make_cert
    nl_create 0
    mkdir -p "$NL_TMP/htdocs"
    echo sightline-quic >"$NL_TMP/htdocs/index.html"
    local port
    for port in 443 8443; do
        nl_spawn "$NL_SERVER" "gtlsserver-$port" gtlsserver -q $([ $port = 8443 ] && echo -V) \
            -d "$NL_TMP/htdocs" "$NL_SERVER_V4" $port "$NL_TMP/key.pem" "$NL_TMP/cert.pem"
        nl_wait_listen "$NL_SERVER" udp $port
    done
    nl_capture_start "$NL_TMP/quic.pcap"
    for port in 443 8443; do
        nl_laptop gtlsclient -q --exit-on-all-streams-close --sni="$SNI" "$NL_SERVER_V4" $port \
            "https://$SNI:$port/index.html" >>"$NL_TMP/quic-client.log" 2>&1
    done
    nl_capture_stop
    nl_kill_all
    nl_save quic
}

# The tools the named captures need (all of them without names), with the package
# that brings each; a missing one is named with its apt-get line.
need_tools() {
    local pair missing=0 c want="ip:iproute2 ethtool:ethtool tcpdump:tcpdump ss:iproute2 editcap:tshark"
    [ $# -gt 0 ] || set -- $NL_ALL
    for c in "$@"; do
        case $c in
        ssh) want+=" ssh:openssh-client /usr/sbin/sshd:openssh-server" ;;
        tls12 | tls13) want+=" openssl:openssl curl:curl" ;;
        tls13_hrr | vpn_selfsigned) want+=" openssl:openssl" ;;
        dns) want+=" dnsmasq:dnsmasq dig:bind9-dnsutils" ;;
        http | ipv6) want+=" curl:curl $PY:python3 ping:iputils-ping" ;;
        icmp_udp) want+=" ping:iputils-ping $PY:python3" ;;
        quic) want+=" gtlsclient:ngtcp2-client gtlsserver:ngtcp2-server" ;;
        esac
    done
    for pair in $want; do
        command -v "${pair%%:*}" >/dev/null || { echo "missing ${pair%%:*} (apt-get install ${pair##*:})" >&2; missing=1; }
    done
    return "$missing"
}

NL_ALL="ssh tls12 tls13 tls13_hrr vpn_selfsigned dns http ipv6 icmp_udp quic"
nl_main "$@"
