# tests/h3/h3_lib.sh — what the HTTP/3 scripts share (sourced by
# tests/h3/*_test.sh and bench/quic_bench.sh): a scratch directory $tmp,
# removed on exit together with every background process listed in $pids; a
# test certificate; a free UDP port; starting `l4kit quic-server` ($L4KIT) on
# loopback; and the generated objects quic-server answers GET /N with.

tmp=$(mktemp -d)
pids=()
h3_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap h3_cleanup EXIT

# h3_cert: a self-signed ECDSA P-256 certificate for localhost and
# 127.0.0.1, valid two days: $tmp/cert.pem and its key $tmp/key.pem.
# Non-zero status when openssl fails.
h3_cert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
}

# h3_free_udp_port: prints a UDP port on 127.0.0.1 that is free right now.
h3_free_udp_port() {
  python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# h3_start_server NAME ARGS... : runs `l4kit quic-server ARGS... 127.0.0.1 0`
# in the background (stdout $tmp/NAME.out, stderr $tmp/NAME.err, pid added
# to $pids) and sets PORT once it listens. Non-zero status, with the
# server's stderr on ours, when it does not come up within 5 s.
h3_start_server() {
  local name=$1
  shift
  "$L4KIT" quic-server "$@" 127.0.0.1 0 >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pids+=($!)
  for _ in $(seq 100); do
    if grep -q "listening on" "$tmp/$name.err" 2>/dev/null; then
      PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/$name.err")
      return 0
    fi
    sleep 0.05
  done
  cat "$tmp/$name.err" >&2
  return 1
}

# h3_gen N FILE: writes to FILE the N bytes quic-server answers GET /N with
# (h3/path.h: a pattern with period 65521).
h3_gen() {
  python3 - "$1" "$2" <<'PY'
import sys
P = 65521
pat = bytes(((j * 0x9E3779B1) & 0xffffffff) >> 24 for j in range(P))
n = int(sys.argv[1])
open(sys.argv[2], "wb").write((pat * (n // P + 1))[:n])
PY
}
