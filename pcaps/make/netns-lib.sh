# shellcheck shell=bash
# netns-lib.sh — shared helpers for the real-capture scripts: build a two-namespace
# "laptop <-> server" link over one veth pair, run daemons inside it, record with tcpdump,
# and tear everything down again (also on failure, through an EXIT trap). Source, don't run.

# Fixed topology, so every run has the same addresses, MACs and interface names.
NL_LAPTOP=sl-laptop                 # home-LAN side (RFC 1918)
NL_SERVER=sl-server                 # "external" side (TEST-NET-2 / documentation prefix)
NL_LAPTOP_IF=vl0
NL_SERVER_IF=vs0
NL_LAPTOP_MAC=02:00:0a:4d:00:02
NL_SERVER_MAC=02:00:c6:33:64:14
NL_LAPTOP_V4=10.77.0.2
NL_SERVER_V4=198.51.100.20
NL_LAPTOP_V6=2001:db8:77::2
NL_SERVER_V6=2001:db8:51::20

NL_PIDS=()          # background processes we started (killed by pid on teardown)
NL_TCPDUMP_PID=""
NL_TMP=""

nl_log() { printf '[netns] %s\n' "$*" >&2; }

# Run a command inside the laptop or server namespace.
nl_laptop() { ip netns exec "$NL_LAPTOP" "$@"; }
nl_server() { ip netns exec "$NL_SERVER" "$@"; }

# Start a command in the background inside namespace $1; remember its pid for teardown.
# Output goes to $NL_TMP/<name>.log. Prints nothing; the pid is left in NL_LAST_PID.
nl_spawn() {
    local ns=$1 name=$2; shift 2
    ip netns exec "$ns" "$@" >"$NL_TMP/$name.log" 2>&1 &
    NL_LAST_PID=$!
    NL_PIDS+=("$NL_LAST_PID")
}

# Stop every process we started, by pid, politely first.
nl_kill_all() {
    local pid
    for pid in "${NL_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${NL_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    NL_PIDS=()
    NL_TCPDUMP_PID=""
}

# Remove our namespaces (the veth pair dies with them). Safe when they don't exist.
nl_destroy() {
    nl_kill_all
    ip netns del "$NL_LAPTOP" 2>/dev/null || true
    ip netns del "$NL_SERVER" 2>/dev/null || true
}

# Trap handler: whatever happened, leave no namespace, process or temp dir behind.
nl_cleanup() {
    local rc=$?
    nl_destroy
    [ -n "$NL_TMP" ] && rm -rf "$NL_TMP"
    exit "$rc"
}

# Create the temp dir and install the cleanup trap. Call once per script.
nl_init() {
    NL_TMP=$(mktemp -d /tmp/sl-netcap.XXXXXX)
    chmod 755 "$NL_TMP"
    trap nl_cleanup EXIT
    trap 'exit 130' INT TERM
}

# Configure one end of the link: MAC, offloads off (so tcpdump sees wire-sized frames
# with correct checksums rather than GSO super-packets), addresses, on-link route to the peer.
# With ipv6=0 IPv6 is disabled on the interface so IPv4 captures carry no NDP/MLD chatter.
_nl_end_up() {
    local ns=$1 ifname=$2 mac=$3 v4=$4 peer_v4net=$5 v6=$6 peer_v6net=$7 ipv6=$8
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" ip link set "$ifname" address "$mac"
    ip netns exec "$ns" ethtool -K "$ifname" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
    if [ "$ipv6" = 1 ]; then
        ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifname.disable_ipv6=0"
        ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifname.accept_ra=0"
        ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifname.router_solicitations=0"
        ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifname.accept_dad=0"
    else
        ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifname.disable_ipv6=1"
    fi
    ip netns exec "$ns" ip link set "$ifname" mtu 1500 up
    ip netns exec "$ns" ip addr add "$v4/32" dev "$ifname"
    ip netns exec "$ns" ip route add "$peer_v4net" dev "$ifname"
    if [ "$ipv6" = 1 ]; then
        ip netns exec "$ns" ip -6 addr add "$v6/128" dev "$ifname" nodad
        ip netns exec "$ns" ip -6 route add "$peer_v6net" dev "$ifname"
    fi
}

# Build both namespaces and the veth pair. $1 = 1 to enable IPv6, 0 for IPv4 only.
# Removes leftovers of an earlier run first, so calling it is idempotent.
nl_create() {
    local ipv6=${1:-0}
    nl_destroy
    ip netns add "$NL_LAPTOP"
    ip netns add "$NL_SERVER"
    ip link add "$NL_LAPTOP_IF" netns "$NL_LAPTOP" type veth peer name "$NL_SERVER_IF" netns "$NL_SERVER"
    _nl_end_up "$NL_LAPTOP" "$NL_LAPTOP_IF" "$NL_LAPTOP_MAC" "$NL_LAPTOP_V4" 198.51.100.0/24 \
        "$NL_LAPTOP_V6" 2001:db8:51::/64 "$ipv6"
    _nl_end_up "$NL_SERVER" "$NL_SERVER_IF" "$NL_SERVER_MAC" "$NL_SERVER_V4" 10.77.0.0/24 \
        "$NL_SERVER_V6" 2001:db8:77::/64 "$ipv6"
    # Let link-up chatter (MLD reports etc.) pass before any capture starts.
    sleep 2
}

# Wait until something listens on $2/$3 (tcp|udp, port) inside namespace $1.
nl_wait_listen() {
    local ns=$1 proto=$2 port=$3 flag=-ltnH
    [ "$proto" = udp ] && flag=-lunH
    for _ in $(seq 1 100); do
        if ip netns exec "$ns" ss "$flag" "sport = :$port" | grep -q .; then
            return 0
        fi
        sleep 0.1
    done
    nl_log "nothing listens on $proto/$port in $ns"
    return 1
}

# Start tcpdump on the laptop's interface, full snaplen, unbuffered, into $1.
# Returns once tcpdump reports it is listening, so no early packet is lost.
nl_capture_start() {
    local out=$1
    nl_spawn "$NL_LAPTOP" tcpdump tcpdump -i "$NL_LAPTOP_IF" -s 0 -U -n -Z root -w "$out"
    NL_TCPDUMP_PID=$NL_LAST_PID
    for _ in $(seq 1 100); do
        grep -q 'listening on' "$NL_TMP/tcpdump.log" 2>/dev/null && return 0
        sleep 0.1
    done
    nl_log "tcpdump did not start"; cat "$NL_TMP/tcpdump.log" >&2
    return 1
}

# Stop tcpdump cleanly (SIGINT after a short grace period) so the file is complete.
nl_capture_stop() {
    sleep 1
    kill -INT "$NL_TCPDUMP_PID"
    wait "$NL_TCPDUMP_PID" || true
    local keep=() pid
    for pid in "${NL_PIDS[@]}"; do
        [ "$pid" != "$NL_TCPDUMP_PID" ] && keep+=("$pid")
    done
    NL_PIDS=("${keep[@]}")
    nl_log "$(tail -n 3 "$NL_TMP/tcpdump.log" | tr '\n' ' ')"
    NL_TCPDUMP_PID=""
}

# Copy the recording $NL_TMP/NAME.pcap to $OUT/NAME.pcap, trimmed to its
# first N packets (default $MAX_PKTS; neither: whole), and log its size.
nl_save() {
    local n=${2:-${MAX_PKTS:-}}
    if [ -n "$n" ]; then
        editcap -r "$NL_TMP/$1.pcap" "$OUT/$1.pcap" "1-$n"
    else
        cp "$NL_TMP/$1.pcap" "$OUT/$1.pcap"
    fi
    chmod 644 "$OUT/$1.pcap"
    nl_log "$1.pcap: $(tcpdump -nr "$OUT/$1.pcap" 2>/dev/null | wc -l) packets, $(stat -c %s "$OUT/$1.pcap") bytes"
}

# The scripts' main: as root, with the tools need_tools checks (it is given the names),
# run cap_NAME
# for each NAME given (default: the list in $NL_ALL), in fresh namespaces.
nl_main() {
    [ "$(id -u)" = 0 ] || { echo "run as root (needs ip netns)" >&2; exit 1; }
    local all c
    read -r -a all <<<"$NL_ALL"
    [ $# -gt 0 ] && all=("$@")
    need_tools "${all[@]}" || exit 1
    nl_init
    for c in "${all[@]}"; do
        declare -F "cap_$c" >/dev/null || { echo "unknown capture: $c" >&2; exit 2; }
        nl_log "making $c"
        "cap_$c"
    done
    nl_destroy
}
