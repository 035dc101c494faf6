#!/usr/bin/env bash
# remote-captures.sh — re-make the remote-access and VPN captures in pcaps/real/ by running
# real software (OpenVPN, xrdp + FreeRDP, TigerVNC, strongSwan, OpenSSH forwarding) between
# the two network namespaces of netns-lib.sh.  Usage (root):
#   pcaps/make/remote-captures.sh [openvpn_udp openvpn_tcp openvpn_tlsauth openvpn_tlscrypt rdp vnc ssh_fwd ike]
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
    nl_save "$name"
}

cap_openvpn_udp() { ovpn_session openvpn_udp udp none; }
cap_openvpn_tcp() { ovpn_session openvpn_tcp tcp none; }
cap_openvpn_tlsauth() { ovpn_session openvpn_tlsauth udp tls-auth; }
cap_openvpn_tlscrypt() { ovpn_session openvpn_tlscrypt udp tls-crypt; }

# ---- Display for X clients ----

# xfreerdp needs an X display even when it never shows a window: a TigerVNC X server
# without any network listener (unix socket only) in the laptop namespace.
start_display() {
    nl_spawn "$NL_LAPTOP" xvnc-display Xvnc :7 -rfbport -1 -SecurityTypes None -nolisten tcp
    for _ in $(seq 1 50); do [ -S /tmp/.X11-unix/X7 ] && return 0; sleep 0.1; done
    cat "$NL_TMP/xvnc-display.log" >&2; return 1
}

# ---- RDP ----

# xrdp in the server namespace with its own certificate; security_layer negotiate, so the
# client's choice (/sec:tls or /sec:rdp) decides.  start_xrdp listens on 198.51.100.20:$1
# (default 3389), start_xrdp_on on address $1, port $2.
start_xrdp() { start_xrdp_on "$NL_SERVER_V4" "${1:-3389}"; }
start_xrdp_on() {
    local addr=$1 port=$2 d=$NL_TMP/xrdp
    mkdir -p "$d" /run/xrdp /var/run/xrdp
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -subj /CN=farm-pc-07 \
        -keyout "$d/key.pem" -out "$d/cert.pem" 2>/dev/null
    sed -e "s|^port=3389|port=tcp://$addr:$port|" -e "s|^certificate=.*|certificate=$d/cert.pem|" \
        -e "s|^key_file=.*|key_file=$d/key.pem|" -e 's|^fork=true|fork=false|' \
        /etc/xrdp/xrdp.ini >"$d/xrdp.ini"
    nl_spawn "$NL_SERVER" xrdp xrdp --nodaemon --config "$d/xrdp.ini"
    nl_wait_listen "$NL_SERVER" tcp "$port"
}

# One xfreerdp connection, left to run for 3 s (handshake, licensing, the xrdp login
# screen's first updates) and then stopped.  Extra arguments go to xfreerdp.
rdp_client() {
    DISPLAY=:7 timeout -s INT 3 ip netns exec "$NL_LAPTOP" xfreerdp /u:jdoe /p:not-a-secret \
        /cert:ignore /kbd:0x00000412 /client-hostname:LAPTOP-7 /size:800x600 -grab-keyboard \
        "$@" >>"$NL_TMP/xfreerdp.log" 2>&1 || true
}

# 1. RDP to xrdp on 3389: one connection with TLS security (cookie and RDP_NEG_REQ in
#    clear, the rest in TLS) and one with standard RDP security (the MCS Connect Initial,
#    so the keyboard layout, client build and name, in clear).
cap_rdp() {
    nl_create 0
    start_display
    start_xrdp 3389
    nl_capture_start "$NL_TMP/rdp.pcap"
    rdp_client "/v:$NL_SERVER_V4:3389" /sec:tls
    rdp_client "/v:$NL_SERVER_V4:3389" /sec:rdp
    nl_capture_stop
    nl_kill_all
    nl_save rdp
}

# ---- VNC ----

# A minimal RFB 3.8 client (RFC 6143): version banners, security-type choice, VNC
# authentication (DES of the challenge with the bit-reversed password, §7.2.2) or None,
# SecurityResult, ClientInit (shared) and ServerInit with the desktop name, then one
# FramebufferUpdateRequest; closes after the first update.  argv: host port sectype [password]
write_rfb_client() {
    cat >"$NL_TMP/rfb_client.py" <<'PYEOF'
import socket, struct, sys
from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

def recvn(s, n):
    b = b''
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise SystemExit('closed after %d of %d bytes' % (len(b), n))
        b += c
    return b

host, port, want = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection((host, port))
print('server', recvn(s, 12))
s.sendall(b'RFB 003.008\n')
types = recvn(s, recvn(s, 1)[0])
print('types', list(types))
s.sendall(bytes([want]))
if want == 2:
    key = bytes(int('{:08b}'.format(c)[::-1], 2) for c in sys.argv[4].encode()[:8].ljust(8, b'\0'))
    enc = Cipher(TripleDES(key * 3), modes.ECB()).encryptor()
    s.sendall(enc.update(recvn(s, 16)) + enc.finalize())
result = struct.unpack('>I', recvn(s, 4))[0]
print('result', result)
if result:
    raise SystemExit(1)
s.sendall(b'\x01')                                  # ClientInit: shared
w, h = struct.unpack('>HH', recvn(s, 4))
recvn(s, 16)                                        # pixel format
name = recvn(s, struct.unpack('>I', recvn(s, 4))[0])
print('desktop', w, h, name)
s.sendall(struct.pack('>BBHHHH', 3, 0, 0, 0, 64, 64))   # FramebufferUpdateRequest 64x64
print('update', len(s.recv(65536)))
s.close()
PYEOF
}

# 2. VNC: TigerVNC's Xvnc in the server namespace on 198.51.100.20:5901 offering VNC
#    authentication and None; the RFB client logs in once with each, then once more with
#    a wrong password (SecurityResult failed, with a reason string).
cap_vnc() {
    write_rfb_client
    nl_create 0
    echo farm-pw1 | vncpasswd -f >"$NL_TMP/vncpasswd"
    nl_spawn "$NL_SERVER" xvnc Xvnc :1 -interface "$NL_SERVER_V4" -rfbport 5901 -nolisten tcp \
        -SecurityTypes VncAuth,None -PasswordFile "$NL_TMP/vncpasswd" \
        -desktop 'farm-pc-07:1 (jdoe)' -geometry 1280x800 -depth 24
    nl_wait_listen "$NL_SERVER" tcp 5901
    nl_capture_start "$NL_TMP/vnc.pcap"
    nl_laptop "$PY" "$NL_TMP/rfb_client.py" "$NL_SERVER_V4" 5901 2 farm-pw1 >>"$NL_TMP/rfb.log"
    nl_laptop "$PY" "$NL_TMP/rfb_client.py" "$NL_SERVER_V4" 5901 1 >>"$NL_TMP/rfb.log"
    nl_laptop "$PY" "$NL_TMP/rfb_client.py" "$NL_SERVER_V4" 5901 2 wrong-pw >>"$NL_TMP/rfb.log" 2>&1 || true
    nl_capture_stop
    nl_kill_all
    nl_save vnc
}

# ---- RDP and VNC through OpenSSH forwarding and SOCKS ----

# sshd on the server's loopback, with a throwaway ed25519 host and client key.
start_sshd_lo() {
    local d=$NL_TMP/ssh
    mkdir -p "$d" /run/sshd
    ssh-keygen -q -t ed25519 -N '' -C sl-host -f "$d/host_key"
    ssh-keygen -q -t ed25519 -N '' -C sl-client -f "$d/client_key"
    cp "$d/client_key.pub" "$d/authorized_keys"
    cat >"$d/sshd_config" <<EOT
ListenAddress 127.0.0.1:22
HostKey $d/host_key
PidFile none
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
EOT
    nl_spawn "$NL_SERVER" sshd /usr/sbin/sshd -D -e -f "$d/sshd_config"
    nl_wait_listen "$NL_SERVER" tcp 22
}

# 3. A "farm" box exposing its desktops through OpenSSH: in the server namespace, xrdp and
#    Xvnc listen on 127.0.0.1 only; one `ssh -N` to its own sshd forwards
#    198.51.100.20:8443 -> 127.0.0.1:3389 (-L), 198.51.100.20:8080 -> 127.0.0.1:5901 (-L)
#    and runs a SOCKS proxy on 198.51.100.20:1080 (-D).  The laptop then connects with
#    xfreerdp to :8443, with the RFB client to :8080, and with xfreerdp through the SOCKS5
#    proxy (/proxy:socks5://) to 127.0.0.1:3389.  Only the forwarded legs cross the wire.
cap_ssh_fwd() {
    write_rfb_client
    nl_create 0
    start_display
    start_sshd_lo
    start_xrdp_on 127.0.0.1 3389
    nl_spawn "$NL_SERVER" xvnc Xvnc :1 -interface 127.0.0.1 -rfbport 5901 -nolisten tcp \
        -SecurityTypes None -desktop 'farm-pc-07:1 (jdoe)' -geometry 1280x800 -depth 24
    nl_wait_listen "$NL_SERVER" tcp 5901
    nl_spawn "$NL_SERVER" ssh-fwd ssh -N -F /dev/null -i "$NL_TMP/ssh/client_key" -o IdentitiesOnly=yes \
        -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o GatewayPorts=yes -L "$NL_SERVER_V4:8443:127.0.0.1:3389" \
        -L "$NL_SERVER_V4:8080:127.0.0.1:5901" -D "$NL_SERVER_V4:1080" root@127.0.0.1
    nl_wait_listen "$NL_SERVER" tcp 1080
    nl_wait_listen "$NL_SERVER" tcp 8443
    nl_wait_listen "$NL_SERVER" tcp 8080
    nl_capture_start "$NL_TMP/ssh_fwd.pcap"
    rdp_client "/v:$NL_SERVER_V4:8443" /sec:tls
    nl_laptop "$PY" "$NL_TMP/rfb_client.py" "$NL_SERVER_V4" 8080 1 >>"$NL_TMP/rfb.log"
    rdp_client /v:127.0.0.1:3389 /sec:tls "/proxy:socks5://$NL_SERVER_V4:1080"
    nl_capture_stop
    nl_kill_all
    nl_save ssh_fwd
}

# ---- IKEv2 / IPsec (strongSwan) ----

# strongswan.conf and swanctl.conf for one side ($1 = laptop|server).  This kernel has XFRM
# netlink but no ESP transform ("ip xfrm state add ... proto esp": "Requested type not
# found"), so ESP runs in user space through the kernel-libipsec plugin, which carries ESP
# in UDP only: `encap = yes` forces NAT-T, so IKE_AUTH and ESP move to UDP 4500.  The vici
# socket is TCP on the namespace's own loopback; each charon gets its own /run (pid file).
write_swan_conf() {
    local side=$1 d=$NL_TMP/swan-$1 me peer my_ts peer_ts
    mkdir -p "$d/run"
    if [ "$side" = laptop ]; then
        me=$NL_LAPTOP_V4 peer=$NL_SERVER_V4 my_ts=10.10.1.1/32 peer_ts=10.10.2.1/32
    else
        me=$NL_SERVER_V4 peer=$NL_LAPTOP_V4 my_ts=10.10.2.1/32 peer_ts=10.10.1.1/32
    fi
    cat >"$d/strongswan.conf" <<EOT
charon {
    load = random nonce openssl pem pkcs1 x509 pubkey revocation constraints kdf hmac sha1 sha2 aes gcm kernel-libipsec kernel-netlink socket-default vici updown
    filelog { stderr { default = 1 } }
    install_routes = yes
    send_vendor_id = yes
    plugins { vici { socket = tcp://127.0.0.1:4502 } }
}
EOT
    cat >"$d/swanctl.conf" <<EOT
connections {
    farm {
        version = 2
        local_addrs = $me
        remote_addrs = $peer
        encap = yes
        proposals = aes128-sha256-modp2048
        local { auth = psk
                id = $side@farm.example }
        remote { auth = psk }
        children {
            lan {
                local_ts = $my_ts
                remote_ts = $peer_ts
                esp_proposals = aes128gcm16
                start_action = none
            }
        }
    }
}
secrets { ike-farm { secret = "throwaway-psk-$RANDOM$RANDOM" } }
EOT
}

start_charon() {
    local side=$1 ns=$2 d=$NL_TMP/swan-$1
    nl_spawn "$ns" "charon-$side" env STRONGSWAN_CONF="$d/strongswan.conf" \
        unshare -m sh -c "mount --bind '$d/run' /run && exec /usr/lib/ipsec/charon"
    nl_wait_listen "$ns" udp 500
    ip netns exec "$ns" swanctl --load-all --uri tcp://127.0.0.1:4502 --file "$d/swanctl.conf" \
        >>"$NL_TMP/swanctl.log" 2>&1
}

# 4. IKEv2 with a pre-shared key between the namespaces, NAT-T forced (UDP 500, then 4500),
#    then ESP-in-UDP carrying three pings between 10.10.1.1 (laptop) and 10.10.2.1 (server).
cap_ike() {
    nl_create 0
    write_swan_conf laptop
    write_swan_conf server
    # both sides must share the one PSK
    sed -i "s/secret = .*/$(grep -o 'secret = .*' "$NL_TMP/swan-laptop/swanctl.conf")/" \
        "$NL_TMP/swan-server/swanctl.conf"
    nl_laptop ip addr add 10.10.1.1/32 dev lo
    nl_server ip addr add 10.10.2.1/32 dev lo
    start_charon laptop "$NL_LAPTOP"
    start_charon server "$NL_SERVER"
    nl_capture_start "$NL_TMP/ike.pcap"
    nl_laptop swanctl --initiate --child lan --uri tcp://127.0.0.1:4502 >>"$NL_TMP/swanctl.log" 2>&1 ||
        { cat "$NL_TMP/swanctl.log" "$NL_TMP/charon-laptop.log" >&2; return 1; }
    sleep 1
    nl_laptop ping -c 3 -i 0.5 -I 10.10.1.1 10.10.2.1 >>"$NL_TMP/ping.log" 2>&1 ||
        nl_log "no answer through the tunnel: $(tail -n 2 "$NL_TMP/ping.log" | tr '\n' ' ')"
    nl_laptop swanctl --terminate --ike farm --uri tcp://127.0.0.1:4502 >>"$NL_TMP/swanctl.log" 2>&1 || true
    nl_capture_stop
    nl_kill_all
    nl_save ike
}

need_tools() {
    local pair missing=0
    for pair in ip:iproute2 ethtool:ethtool tcpdump:tcpdump editcap:tshark openssl:openssl \
                openvpn:openvpn ssh:openssh-client /usr/sbin/sshd:openssh-server swanctl:strongswan-swanctl /usr/lib/ipsec/charon:strongswan-charon xrdp:xrdp xfreerdp:freerdp2-x11 Xvnc:tigervnc-standalone-server ss:iproute2 "$PY":python3; do
        command -v "${pair%%:*}" >/dev/null || { echo "missing ${pair%%:*} (apt-get install ${pair##*:})" >&2; missing=1; }
    done
    return "$missing"
}

NL_ALL="openvpn_udp openvpn_tcp openvpn_tlsauth openvpn_tlscrypt rdp vnc ssh_fwd ike"
nl_main "$@"
