#!/usr/bin/env bash
# tests/tools/ports_test.sh — `l4kit ports`: range classes, the built-in
# table, the services-file merge, JSON output and the error exits.
set -u
L4KIT=${L4KIT:?set by ctest}
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# run ARGS... : sets out, err, rc
run() {
  "$L4KIT" ports "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "ports $2: exit $rc, wanted $1 (stderr: $err)"; }
expect_line() { grep -qxF -- "$1" "$tmp/out" || fail "missing line '$1' in: $out"; }

# A services file of our own, so the merge is checked whatever the system has.
cat >"$tmp/services" <<'S'
# comment line
https		443/tcp				# http protocol over TLS/SSL
https		443/udp				# HTTP/3
l4test		40000/udp	l4t l4-test	# system-only entry
ms-wbt-server	3389/tcp
bogus		99999/tcp
broken		nonsense
S
SV=(--services "$tmp/services")

run "${SV[@]}" 443
expect_rc 0 443
expect_line "443: well-known (system ports, 0-1023)"
echo "$out" | grep -qE '^ +443/tcp +https +HTTP over TLS' || fail "443/tcp https line: $out"
echo "$out" | grep -qE '^ +443/udp +https +HTTP/3 over QUIC.*quic' || fail "443/udp line: $out"
[ "$(echo "$out" | wc -l)" -eq 3 ] || fail "443: wanted 3 lines, got: $out"

run "${SV[@]}" redis
expect_rc 0 redis
expect_line "6379: registered (user ports, 1024-49151)"
echo "$out" | grep -qE '^ +6379/tcp +redis' || fail "redis line: $out"

run "${SV[@]}" HTTPS
expect_rc 0 HTTPS
expect_line "443: well-known (system ports, 0-1023)"

run "${SV[@]}" rdp
expect_rc 0 rdp
echo "$out" | grep -qE '^ +3389/tcp +ms-wbt-server' || fail "rdp: $out"

run "${SV[@]}" dhcp
expect_rc 0 dhcp
echo "$out" | grep -qE '^ +67/udp +bootps' || fail "dhcp 67: $out"
echo "$out" | grep -qE '^ +68/udp +bootpc' || fail "dhcp 68: $out"

run "${SV[@]}" dns
echo "$out" | grep -qE '^ +53/tcp +domain' && echo "$out" | grep -qE '^ +53/udp +domain' ||
  fail "dns on tcp and udp: $out"

run "${SV[@]}" 50000
expect_rc 0 50000
expect_line "50000: dynamic/ephemeral (private ports, 49152-65535)"
echo "$out" | grep -q "no service known" || fail "50000 has no service: $out"

for p in 0 1023; do run "${SV[@]}" $p; echo "$out" | grep -q "^$p: well-known" || fail "$p class: $out"; done
for p in 1024 49151; do run "${SV[@]}" $p; echo "$out" | grep -q "^$p: registered" || fail "$p class: $out"; done
for p in 49152 65535; do run "${SV[@]}" $p; echo "$out" | grep -q "^$p: dynamic" || fail "$p class: $out"; done

# The services file adds ports the built-in table lacks, with aliases.
run "${SV[@]}" l4-test
expect_rc 0 l4-test
expect_line "40000: registered (user ports, 1024-49151)"
echo "$out" | grep -qE '^ +40000/udp +l4test +\(from the system services file\) \[also: l4t l4-test\]' ||
  fail "system-only entry: $out"
# ... and without that file the name is unknown.
run --services /nonexistent l4-test
expect_rc 1 "l4-test without services file"
run --services /nonexistent 443
expect_rc 0 "443 without services file"

# Errors: out of range is a usage error (2), an unknown name a failure (1).
for bad in 70000 65536 -1 1234567890123; do
  run "${SV[@]}" "$bad"
  expect_rc 2 "$bad"
  [ "$err" = "l4kit ports: $bad is not a port number (0-65535)" ] || fail "$bad message: $err"
  [ -z "$out" ] || fail "$bad printed on stdout: $out"
done
run "${SV[@]}" nosuchthing
expect_rc 1 nosuchthing
[ "$err" = "l4kit ports: no service named 'nosuchthing' (in l4kit's table or the system services file)" ] ||
  fail "nosuchthing message: $err"
run --bogus; expect_rc 2 --bogus
run 1 2; expect_rc 2 "two args"
run --services; expect_rc 2 "--services without file"
run --help; expect_rc 0 --help
echo "$out" | grep -q "^usage: l4kit ports" || fail "--help text: $out"

# No argument: the ranges and every required entry of the built-in table.
run "${SV[@]}"
expect_rc 0 "(no arg)"
for want in "0-1023   well-known" "1024-49151  registered" "49152-65535  dynamic"; do
  echo "$out" | grep -qF -- "$want" || fail "range '$want' in: $out"
done
for want in 20/tcp:ftp-data 21/tcp:ftp 22/tcp:ssh 23/tcp:telnet 25/tcp:smtp 53/tcp:domain \
  53/udp:domain 67/udp:bootps 68/udp:bootpc 80/tcp:http 110/tcp:pop3 143/tcp:imap \
  443/tcp:https 443/udp:https 465/tcp:smtps 587/tcp:submission 993/tcp:imaps 995/tcp:pop3s \
  3306/tcp:mysql 3389/tcp:ms-wbt-server 5432/tcp:postgresql 6379/tcp:redis 8080/tcp:http-alt; do
  pp=${want%%:*} name=${want#*:}
  echo "$out" | grep -qE "^ +$pp +$name " || fail "table entry $pp $name"
done
echo "$out" | grep -q l4test && fail "no-arg listing shows system-only entries"

# JSON: parse it and check fields.
run "${SV[@]}" 443 --json
expect_rc 0 "443 --json"
python3 - "$tmp/out" <<'PY' || fail "443 --json content"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["port"] == 443 and o["class"] == "well-known" and o["range"] == [0, 1023], o
s = {(x["proto"], x["name"]) for x in o["services"]}
assert s == {("tcp", "https"), ("udp", "https")}, s
udp = [x for x in o["services"] if x["proto"] == "udp"][0]
assert "quic" in udp["aliases"] and udp["source"] == ["builtin", "system"], udp
PY
run "${SV[@]}" --json dhcp
python3 - "$tmp/out" <<'PY' || fail "dhcp --json content"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["query"] == "dhcp" and [p["port"] for p in o["ports"]] == [67, 68], o
assert o["ports"][0]["services"][0]["name"] == "bootps"
PY
run "${SV[@]}" --json 50000
python3 - "$tmp/out" <<'PY' || fail "50000 --json content"
import json, sys
o = json.load(open(sys.argv[1]))
assert o == {"port": 50000, "class": "dynamic", "range": [49152, 65535], "services": []}, o
PY
run "${SV[@]}" --json
python3 - "$tmp/out" <<'PY' || fail "no-arg --json content"
import json, sys
o = json.load(open(sys.argv[1]))
assert [(r["class"], r["first"], r["last"]) for r in o["ranges"]] == [
    ("well-known", 0, 1023), ("registered", 1024, 49151), ("dynamic", 49152, 65535)]
assert len(o["services"]) == 23, len(o["services"])
assert all("builtin" in s["source"] for s in o["services"])
PY

# The real /etc/services, when the system has one, is merged by default.
if [ -r /etc/services ] && grep -qE '^ssh[[:space:]]+22/tcp' /etc/services; then
  run 22
  echo "$out" | grep -qE '^ +22/tcp +ssh' || fail "default services file: $out"
fi

[ "$fails" -eq 0 ] && echo "ports_test: all passed" || { echo "ports_test: $fails failed"; exit 1; }
