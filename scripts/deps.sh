#!/usr/bin/env bash
# scripts/deps.sh — install the Debian packages l4kit needs, only those missing.
# Idempotent; needs root (or sudo) only when something is missing.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config       # build
  clang libclang-rt-14-dev clang-format  # libFuzzer targets, sanitizer runtimes, formatting
  libpcap-dev                            # pcap reading and writing
  libgnutls28-dev                        # TLS 1.3 and packet protection for QUIC
  libnghttp3-dev                         # HTTP/3 and QPACK over l4kit's QUIC (h3/)
  tshark                                 # the real decoder our captures are checked against
  openssl                                # test certificates for the HTTP/3 interop tests
  ngtcp2-client ngtcp2-server          # ngtcp2 gtlsclient/gtlsserver: the QUIC interop peers
  python3 iproute2 iputils-ping          # test helpers, network namespaces, ping (netem tests)
  netcat-openbsd curl iperf3             # kernel programs the l4kit stack talks to (tests/kernel, bench)
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
