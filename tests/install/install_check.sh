#!/usr/bin/env bash
# `meson install` into a scratch DESTDIR: the binary in sbin, the man page,
# the default configuration (which must load and equal the embedded
# defaults), the bundled data and the systemd unit; and the man page must
# document every option --help lists.
set -u
BUILD=$1 SRC=$2
D=$(mktemp -d) && trap 'rm -rf "$D"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
DESTDIR=$D meson install -C "$BUILD" --no-rebuild --quiet >"$D/log" 2>&1 || { cat "$D/log"; exit 1; }
prefix=$(meson introspect "$BUILD" --buildoptions | python3 -c \
  'import json,sys; print({o["name"]:o["value"] for o in json.load(sys.stdin)}["prefix"])')
root=$D$prefix
for f in sbin/sightline share/man/man8/sightline.8 share/sightline/intel.mmdb \
         share/sightline/demo-geo.mmdb share/sightline/systemd/sightline.service \
         share/sightline/sightline.schema.json \
         share/sightline/elastic/sightline-pipeline.json share/sightline/elastic/sightline-template.json \
         share/sightline/splunk/TA-sightline/default/props.conf \
         share/sightline/splunk/TA-sightline/default/transforms.conf; do
  [ -e "$root/$f" ] || bad "meson install did not install $f"
done
conf=$(find "$D" -path '*/sightline/sightline.yaml' | head -1)
[ -n "$conf" ] || bad "no sightline.yaml installed under etc/sightline"
if [ -n "$conf" ]; then
  "$BUILD/sightline" -c "$conf" --dump-config >"$D/a" 2>&1 || bad "installed config does not load: $(cat "$D/a")"
  "$BUILD/sightline" --dump-config >"$D/b"
  cmp -s "$D/a" "$D/b" || bad "installed config differs from the embedded defaults"
fi
"$root/sbin/sightline" --version >/dev/null 2>&1 || bad "installed binary does not run"
# The installed event schema is the installed program's own.
"$root/sbin/sightline" --schema >"$D/schema.json" 2>&1 || bad "sightline --schema failed: $(cat "$D/schema.json")"
cmp -s "$D/schema.json" "$root/share/sightline/sightline.schema.json" ||
  bad "installed sightline.schema.json differs from sightline --schema"
if command -v groff >/dev/null; then
  w=$(groff -man -ww -z "$root/share/man/man8/sightline.8" 2>&1)
  [ -z "$w" ] || bad "groff warnings in sightline.8: $w"
fi
# Every long option of --help is documented in the man page.
for opt in $("$BUILD/sightline" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
  esc=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
  grep -q -- "$esc" "$root/share/man/man8/sightline.8" || bad "man page does not document $opt"
done
# The refresh script: executable, naming the installed binary and lists,
# and reading the installed lists' source headers.
refresh=$root/sbin/sightline-intel-refresh
[ -x "$refresh" ] || bad "sightline-intel-refresh not installed executable in sbin"
grep -q "^SIGHTLINE=$prefix/sbin/sightline$" "$refresh" || bad "sightline-intel-refresh does not name the installed binary"
grep -q "$prefix/share/sightline/intel" "$refresh" || bad "sightline-intel-refresh does not name the installed lists"
for l in allow dprk remote-access tor vpn; do
  [ -e "$root/share/sightline/intel/$l.csv" ] || bad "list $l.csv not installed in share/sightline/intel"
done
src=$("$refresh" --lists "$root/share/sightline/intel" --list-sources 2>&1)
grep -q '^tor: addresses https://check.torproject.org/torbulkexitlist' <<<"$src" || bad "installed lists name no Tor source: $src"
unit=$root/share/sightline/systemd/sightline.service
grep -q "^ExecStart=$prefix/sbin/sightline -i" "$unit" || bad "unit's ExecStart is not the installed binary"
grep -q '^NoNewPrivileges=yes' "$unit" || bad "unit lacks hardening"
if [ $fail = 0 ]; then echo "install: ok"; fi
exit $fail
