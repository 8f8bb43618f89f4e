#!/usr/bin/env bash
# HTTP under hostile or careless clients, against `approvald demo` on 127.0.0.1: idle connections
# (more than the connection limit), slowly sent heads, bursts of concurrent clients and live
# feeds. /healthz and /metrics must answer throughout (asserted on every probe, not timed), and
# the idle connections must be closed by the server's deadline. Prints the figures at the end.
#   APPROVALD=build/release/daemon/approvald tests/faults/http.sh          # full form
#   APPROVALD=… tests/faults/http.sh --quick                                # CI (ctest -L faults)
# Every loop is bounded in count; every client has a time limit; only 127.0.0.1 is a target.
set -euo pipefail
APPROVALD=${APPROVALD:?set APPROVALD to the binary}
if [ "${1:-}" = --quick ]; then
  IDLE=300 SLOW=40 BURSTS=3 PER_BURST=100 FEEDS=20 FEED_S=3
else
  IDLE=600 SLOW=100 BURSTS=10 PER_BURST=100 FEEDS=100 FEED_S=5
fi
trap '' PIPE # a write to a connection the server closed must not end the script
work=$(mktemp -d)
out=$work/demo.out
"$APPROVALD" demo --http-listen 127.0.0.1:0 --speed 2000 --duration 600 --seed 9 >"$out" 2>"$work/demo.err" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "-- the last lines of the demo's standard error:" >&2
  tail -n 60 "$work/demo.err" >&2
  exit 1
}
source "$(dirname "$0")/../support/demo_url.sh"
url=$(demo_url "$out" "$pid") || exit 1
port=${url#http://127.0.0.1:}
port=${port%/}
echo "demo at $url"

probes=0 probes_ok=0
# /healthz and /metrics both answer 200 (the metrics with their content).
probe() {
  local what=$1 h m
  probes=$((probes + 1))
  h=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "${url}healthz" || true)
  m=$(curl -s --max-time 10 "${url}metrics" | grep -c '^approvald_build_info' || true)
  if [ "$h" = 200 ] && [ "$m" -ge 1 ]; then
    probes_ok=$((probes_ok + 1))
  else
    fail "during $what: /healthz answered '$h', /metrics had build_info $m times"
  fi
}
probe "a calm start"

# 1. Idle connections: more than max_connections + ops_reserve (256 + 16 by default).
idle_fds=()
for _ in $(seq "$IDLE"); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$port"
  idle_fds+=("$fd")
done
for _ in 1 2 3; do probe "$IDLE idle connections"; done

# 2. Slowly sent heads: a line now and then, never the blank line that ends the head.
slow_fds=()
for _ in $(seq "$SLOW"); do
  exec {fd}<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET /api/v1/overview HTTP/1.1\r\nHost: 127.0.0.1\r\n' >&"$fd" 2>/dev/null || true
  slow_fds+=("$fd")
done
for i in 1 2 3; do
  for fd in "${slow_fds[@]}"; do printf 'X-Slow-%s: 1\r\n' "$i" >&"$fd" 2>/dev/null || true; done
  probe "$SLOW slow heads"
  sleep 1
done

# The deadlines fire: every held connection is closed by the server (header deadline 10 s, or
# closed earlier to make room). A read that times out here (25 s) is a connection still open.
held=0 closed=0
for fd in "${idle_fds[@]}" "${slow_fds[@]}"; do
  held=$((held + 1))
  rc=0
  while :; do
    IFS= read -r -t 25 -u "$fd" _ 2>/dev/null || { rc=$?; break; }
  done
  [ "$rc" -gt 128 ] || closed=$((closed + 1))
  exec {fd}>&-
done
[ "$closed" = "$held" ] || fail "$((held - closed)) of $held held connections still open after their deadline"
probe "after the deadlines"

# 3. Bursts of concurrent clients.
requests=0 ok=0 refused=0 other=0
for b in $(seq "$BURSTS"); do
  for i in $(seq "$PER_BURST"); do
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 "${url}api/v1/overview" \
      >"$work/burst-$b-$i" 2>/dev/null &
  done
  probe "burst $b of $PER_BURST clients"
  wait $(jobs -p | grep -v "^$pid$") 2>/dev/null || true
done
for f in "$work"/burst-*; do
  requests=$((requests + 1))
  case $(cat "$f") in
    200) ok=$((ok + 1)) ;;
    503) refused=$((refused + 1)) ;;
    *) other=$((other + 1)) ;;
  esac
done

# 4. Live feeds, all from one address (capped per client address: the rest get 429).
for i in $(seq "$FEEDS"); do
  curl -s -N -o /dev/null -w '%{http_code}\n' --max-time "$FEED_S" "${url}api/v1/feed" \
    >"$work/feed-$i" 2>/dev/null &
done
for _ in 1 2 3; do probe "$FEEDS live feeds"; done
wait $(jobs -p | grep -v "^$pid$") 2>/dev/null || true
feeds_open=$(cat "$work"/feed-* | grep -c '^200$' || true)
feeds_429=$(cat "$work"/feed-* | grep -c '^429$' || true)
probe "the end"

echo "idle connections: $IDLE; slow heads: $SLOW; held connections closed by the server: $closed of $held"
echo "bursts: $BURSTS x $PER_BURST = $requests requests: $ok answered 200, $refused got 503, $other other"
echo "live feeds: $FEEDS asked, $feeds_open streamed, $feeds_429 refused with 429 (per-address cap)"
echo "health and metrics probes: $probes_ok of $probes answered"
[ "$other" = 0 ] || fail "$other burst requests neither answered nor refused"
[ "$probes_ok" = "$probes" ] || fail "a probe failed"
# And it still stops cleanly, with held and slow connections behind it (under a sanitizer, its
# reports make the exit code non-zero).
kill -INT $pid
wait $pid || fail "the demo exited with $? after Ctrl-C"
echo "http faults passed"
