#!/bin/sh
# Cross-check the mmdb builder with Debian's mmdblookup (package mmdb-bin):
# build a database with mmdb_build_tool, then read labels back.  Exit 77
# (meson "skip") when mmdblookup is not installed.
set -u
tool="$1"
command -v mmdblookup >/dev/null 2>&1 || { echo "mmdblookup not installed"; exit 77; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
fail=0

cat >"$dir/dprk.csv" <<'CSV'
# DPRK address space (AS131279)
cidr,label,note
175.45.176.0/22,dprk,country.iso_code=KP
210.52.109.0/24,dprk
77.94.35.0/24,dprk
CSV
printf '185.220.101.0/24,tor-exit\r\n175.45.177.9,tor-in-dprk\r\n2001:db8:7::/48,tor-v6\r\n' >"$dir/tor.csv"

"$tool" "$dir/intel.mmdb" "$dir/dprk.csv" "$dir/tor.csv" || { echo "build failed"; exit 1; }

expect() { # ADDR EXPECTED-LABEL-OR-miss [PATH...]
	ip="$1" want="$2"
	shift 2
	out=$(mmdblookup --file "$dir/intel.mmdb" --ip "$ip" "${@:-label}" 2>&1)
	if [ "$want" = miss ]; then
		case "$out" in *"Could not find an entry"*) return 0 ;; esac
	else
		case "$out" in *"\"$want\" <utf8_string>"*) return 0 ;; esac
	fi
	echo "FAIL: $ip: expected $want, got: $out"
	fail=1
}

expect 175.45.176.1 dprk
expect 175.45.179.255 dprk
expect 210.52.109.77 dprk
expect 77.94.35.1 dprk
expect 175.45.177.9 tor-in-dprk
expect 175.45.177.9 KP country iso_code
expect 175.45.177.9 dprk lists 0
expect 175.45.177.9 tor lists 1
expect 185.220.101.200 tor-exit
expect ::ffff:185.220.101.200 tor-exit
expect 2001:db8:7::1 tor-v6
expect 175.45.180.0 miss
expect 8.8.8.8 miss
expect 2001:db8:8::1 miss
exit $fail
