# tests/simcli/lib.sh — what the `l4kit sim` / `l4kit demo` scripts share
# (sourced first): they run in a scratch directory removed on exit, count
# failures instead of stopping at the first (fail MESSAGE; simcli_done NAME
# reports and sets the exit status), and run python3 as the system
# interpreter, which starts in a tenth of the time a version-manager shim takes.
set -u
L4KIT=${L4KIT:?set by ctest}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
python3() { "$PY" "$@"; }

# sim_bad WANT ARGS... : `l4kit sim ARGS...` is refused as bad usage: exit 2,
# one line on stderr that contains WANT. Leaves stdout in ./o, stderr in ./e.
sim_bad() {
  local want=$1
  shift
  "$L4KIT" sim "$@" >o 2>e
  local rc=$?
  [ "$rc" -eq 2 ] || fail "sim $* exit $rc (want 2)"
  [ "$(wc -l <e)" -eq 1 ] || fail "sim $*: one line wanted, got: $(cat e)"
  grep -q -- "$want" e || fail "sim $*: message '$(cat e)' lacks '$want'"
}

# simcli_done NAME: the last line of a script: "NAME: all passed", or the
# count of failures and exit status 1.
simcli_done() {
  if [ "$fails" -eq 0 ]; then
    echo "$1: all passed"
  else
    echo "$1: $fails failed"
    exit 1
  fi
}
