#!/usr/bin/env bash
# End-to-end benchmark against the real broker (not a test). In one run:
#   (a) a bare librdkafka consumer (kcat) draining the topic: the ceiling;
#   (b) approvald processing the same topic with durable state and alerts, fsync per batch on
#       and off; the ratio b/a;
#   (c) approvald's peak RSS with 100k and with 1M open cases;
#   (d) event -> alert latency at a fixed rate (bench/latency.sh).
# Usage: bench/e2e.sh [BUILD_DIR]  (CASES=230000 OPEN_SMALL=100000 OPEN_LARGE=1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
bin=$build/daemon/approvald
BROKER=127.0.0.1:9092
CASES=${CASES:-230000}
OPEN_SMALL=${OPEN_SMALL:-100000}
OPEN_LARGE=${OPEN_LARGE:-1000000}
work=$(mktemp -d /tmp/approvald-bench.XXXXXX)
stamp=$(date +%s)
# The workloads are hundreds of MiB on the broker: delete this run's topics at the end.
trap 'rm -rf "$work"; scripts/kafka delete "bench\\.$stamp\\..*" || true' EXIT
scripts/kafka start >/dev/null 2>&1 || scripts/kafka start

topic_for() { echo "bench.$stamp.$1"; }

# produce LABEL GENERATE_ARGS...: a fresh 6-partition topic holding the generated events.
produce() {
  local label=$1
  shift
  local t
  t=$(topic_for "$label")
  scripts/kafka topic "$t" 6
  "$bin" generate --keyed "$@" > "$work/$label.tsv"
  kcat -b "$BROKER" -t "$t" -P -K $'\t' -z lz4 -X linger.ms=20 -X batch.num.messages=10000 \
    -X queue.buffering.max.messages=1000000 < "$work/$label.tsv"
  wc -l < "$work/$label.tsv"
}

now_s() { date +%s.%N; }

# run_daemon LABEL SYNC TOTAL: seconds until every event is committed; peak RSS in MiB.
run_daemon() {
  local label=$1 sync=$2 total=$3 t
  t=$(topic_for "$label")
  scripts/kafka topic "$t.alerts" 6
  scripts/kafka topic "$t.dlq" 1
  TOPIC_CONFIG=cleanup.policy=compact scripts/kafka topic "$t.changelog-$sync" 6
  rm -rf "$work/data-$label-$sync"
  cat > "$work/$label-$sync.yaml" <<CFG
data_dir: $work/data-$label-$sync
kafka:
  bootstrap_servers: $BROKER
  group_id: bench-$stamp-$label-$sync
  topics: {events: $t, alerts: $t.alerts, dead_letters: $t.dlq, changelog: $t.changelog-$sync}
  poll_batch: 5000
rules:
  packs: [$PWD/rules/packs/cn-admin-licensing]
  calendar: $PWD/config/calendars/cn-mainland.yaml
store: {sync: $sync}
http: {listen: '127.0.0.1:0'}
CFG
  local start end pid done=0 consumed
  start=$(now_s)
  "$bin" run --config "$work/$label-$sync.yaml" >"$work/$label-$sync.log" 2>&1 &
  pid=$!
  while [ $done -eq 0 ]; do
    sleep 0.5
    # A read-only open can fail while the daemon compacts: count that as not yet.
    consumed=$("$bin" store dump --data-dir "$work/data-$label-$sync" --marks 2>/dev/null | awk '{s += $3} END {print s + 0}' || true)
    consumed=${consumed:-0}
    [ "$consumed" -ge "$total" ] && done=1
  done
  end=$(now_s)
  local rss
  rss=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
  kill -TERM "$pid"
  wait "$pid" || true
  echo "$(echo "$end - $start" | bc) $rss"
}

echo "== workload: $CASES cases"
total=$(produce mix --cases "$CASES" --seed 11)
size=$(stat -c %s "$work/mix.tsv")
echo "events: $total ($((size / 1048576)) MiB)"

echo "== (a) bare consumer: kcat draining the topic"
start=$(now_s)
n=$(kcat -b "$BROKER" -t "$(topic_for mix)" -C -e -q -o beginning -f '%p\n' | wc -l)
end=$(now_s)
bare=$(echo "$end - $start" | bc)
[ "$n" -eq "$total" ] || echo "warning: kcat read $n of $total"
echo "bare: $bare s, $(echo "$total / $bare" | bc) events/s"

for sync in true false; do
  echo "== (b) approvald, store.sync: $sync"
  read -r secs rss < <(run_daemon mix "$sync" "$total")
  echo "approvald sync=$sync: $secs s, $(echo "$total / $secs" | bc) events/s, ratio to bare $(echo "scale=2; $bare / $secs" | bc), peak RSS ${rss} MiB"
done

echo "== (c) memory against open cases"
for cases in "$OPEN_SMALL" "$OPEN_LARGE"; do
  total_open=$(produce "open$cases" --cases "$cases" --seed 5 --open)
  read -r secs rss < <(run_daemon "open$cases" false "$total_open")
  echo "open cases $cases ($total_open events): $secs s, peak RSS ${rss} MiB"
done

echo "== (d) event -> alert latency at a fixed rate"
bench/latency.sh "$build" 2>&1 | tail -1
