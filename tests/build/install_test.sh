#!/usr/bin/env bash
# tests/build/install_test.sh — `cmake --install` gives a usable SDK: the
# libraries, the headers under include/l4/, and l4.pc, such that a program
# outside the tree builds with `pkg-config --cflags --libs l4` alone and runs.
set -euo pipefail
src=${L4_SRC:?}
build=${L4_BUILD:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
pc=$(find "$tmp/prefix" -name l4.pc | head -1)
[ -n "$pc" ] || { echo "FAIL: l4.pc not installed"; exit 1; }
for h in util/err.h wire/tcp.h sim/sim.h io/pcap.h; do
  [ -f "$tmp/prefix/include/l4/$h" ] || { echo "FAIL: header $h not installed"; exit 1; }
done
if find "$tmp/prefix/include" -name '*_internal.h' | grep -q .; then
  echo "FAIL: internal headers were installed"; exit 1
fi
[ -x "$tmp/prefix/bin/l4kit" ] || { echo "FAIL: l4kit not installed"; exit 1; }

cat > "$tmp/consumer.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "util/err.h"
#include "wire/tcp.h"
#include "sim/link_spec.h"
int main(void)
{
    l4_tcp_hdr h;
    memset(&h, 0, sizeof h);
    h.sport = 1234; h.dport = 80; h.seq = 7; h.flags = L4_TCP_SYN;
    h.opts.present = L4_TCP_HAS_MSS; h.opts.mss = 1460;
    uint8_t buf[60];
    l4_ssize n = l4_tcp_write(buf, sizeof buf, &h, NULL, NULL);
    l4_tcp_hdr back;
    if (n != 24 || l4_tcp_parse(&back, buf, (size_t)n, NULL, NULL) != 0 || back.opts.mss != 1460)
        return 1;
    l4_link_spec s;
    char err[64];
    if (l4_link_spec_parse(&s, "rate 10mbit delay 5ms", err, sizeof err) != 0)
        return 1;
    printf("consumer ok: %s\n", l4_strerror(L4_ERR_TRUNCATED));
    return 0;
}
C
export PKG_CONFIG_PATH=$(dirname "$pc")
# A sanitized build installs sanitized archives; the consumer then needs the runtime too.
extra=()
grep -q '^L4_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" && extra=(-fsanitize=address,undefined)
cc -std=c11 -Wall -Werror "${extra[@]}" "$tmp/consumer.c" -o "$tmp/consumer" $(pkg-config --cflags --libs l4)
out=$("$tmp/consumer")
[ "$out" = "consumer ok: truncated input" ] || { echo "FAIL: consumer printed '$out'"; exit 1; }
"$tmp/prefix/bin/l4kit" ports 22 | grep -q ssh || { echo "FAIL: installed l4kit ports 22"; exit 1; }
echo "install: headers, libraries, l4.pc and l4kit work from $tmp/prefix"
echo "1 passed, 0 failed"
