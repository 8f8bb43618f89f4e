#!/usr/bin/env bash
# End-to-end benchmark against the real broker (not a test). In one run:
#   (a) a bare librdkafka consumer (kcat) draining the topic: the ceiling;
#   (b) approvald processing the same topic with durable state and alerts, fsync per batch on
#       and off; the ratio b/a;
#   (c) approvald's peak RSS with 100k and with 1M open cases;
#   (d) event -> alert latency at a fixed rate (bench/latency.sh);
#   (e) with REEVAL_CASES open cases in the store: a cold start (store open to /readyz), and a
#       rule change by SIGHUP until every case is re-judged, beside replaying the same events
#       through the engine offline (`approvald replay`), the same judging without a store.
# Usage: bench/e2e.sh [BUILD_DIR]  (CASES=230000 OPEN_SMALL=100000 OPEN_LARGE=1000000
#        REEVAL_CASES=1000000 PARTS=abcd: which parts to run (e is not in the default); (b) needs (a); SYNCS="true false": the settings of (b);
#        STORE_EXTRA="case_cache_mb: 0": more store settings; COMPARE=BINARY: (b) also with it;
#        EXACTLY_ONCE=1: every daemon with kafka.exactly_once (docs/adr/0013);
#        PERF=FILE: profile each daemon run with perf into FILE.LABEL-SYNC, PERF_ARGS: its
#        call-graph flags, -g by default; "--call-graph dwarf" where frame pointers are absent)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
bin=$build/daemon/approvald
BROKER=127.0.0.1:9092
CASES=${CASES:-230000}
OPEN_SMALL=${OPEN_SMALL-100000}
OPEN_LARGE=${OPEN_LARGE-1000000}
REEVAL_CASES=${REEVAL_CASES:-1000000}
PARTS=${PARTS:-abcd}
SYNCS=${SYNCS:-true false}
part() { [[ $PARTS == *$1* ]]; }
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

# run_daemon LABEL SYNC TOTAL: seconds from the first committed record until every one is
# committed, seconds before the first, peak RSS in MiB.
run_daemon() {
  local label=$1 sync=$2 total=$3 t
  local run=$sync${4:+-$4}  # names this run's topics, group, data and files
  t=$(topic_for "$label")
  scripts/kafka topic "$t.alerts" 6
  scripts/kafka topic "$t.dlq" 1
  TOPIC_CONFIG=cleanup.policy=compact scripts/kafka topic "$t.changelog-$run" 6
  rm -rf "$work/data-$label-$run"
  cat > "$work/$label-$run.yaml" <<CFG
data_dir: $work/data-$label-$run
kafka:
  bootstrap_servers: $BROKER
  group_id: bench-$stamp-$label-$run
  topics: {events: $t, alerts: $t.alerts, dead_letters: $t.dlq, changelog: $t.changelog-$run}
  poll_batch: 5000
$( [ -z "${EXACTLY_ONCE:-}" ] || printf '  exactly_once: true\n  instance_id: bench-%s-%s-%s\n' "$stamp" "$label" "$run")
rules:
  packs: [${pack_dir:-$PWD/rules/packs/cn-admin-licensing}]
  calendar: $PWD/config/calendars/cn-mainland.yaml
store: {sync: $sync${STORE_EXTRA:+, $STORE_EXTRA}}
http: {listen: '127.0.0.1:0'}
CFG
  local log=$work/$label-$run.log start first="" end pid port="" committed=0
  start=$(now_s)
  "${daemon_bin:-$bin}" run --config "$work/$label-$run.yaml" >"$log" 2>&1 &
  pid=$!
  # Progress from the daemon's own counter of committed records, scraped every 0.2 s: a curl
  # costs the daemon one small HTTP answer, where the read-only store opens this loop used to
  # make took a share of the two cores from the daemon it measured.
  while [ -z "$port" ]; do
    sleep 0.1
    kill -0 "$pid" 2>/dev/null || { tail -5 "$log" >&2; echo "daemon died" >&2; exit 1; }
    port=$(grep -o '"http_port":"[0-9]*"' "$log" | grep -o '[0-9][0-9]*' || true)
  done
  while [ "$committed" -lt "$total" ]; do
    sleep 0.2
    committed=$(curl -s --max-time 2 "127.0.0.1:$port/metrics" |
      awk '/^approvald_records_committed_total/ {printf "%d", $2}' || true)
    committed=${committed:-0}
    if [ -z "$first" ] && [ "$committed" -gt 0 ]; then
      first=$(now_s)
      # PERF=FILE: a CPU profile of the daemon's first 15 s of draining (perf report -i FILE).
      [ -z "${PERF:-}" ] || perf record -F 499 ${PERF_ARGS:--g} -p "$pid" -o "$PERF.$label-$run" -- sleep 15 \
        >/dev/null 2>&1 &
    fi
  done
  end=$(now_s)
  local rss
  rss=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
  kill -TERM "$pid"
  wait "$pid" || true
  # Seconds from the first commit to the last (the drain), seconds before it (start-up, group
  # join, first batch), peak RSS.
  echo "$(echo "$end - $first" | bc) $(echo "$first - $start" | bc) $rss"
}

if part a; then
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

fi

if part b; then
# COMPARE=OTHER_BINARY: each setting of (b) also with that binary, alternately, on the same topic.
round=0
for sync in $SYNCS; do
  round=$((round + 1))
  for variant in this ${COMPARE:+other}; do
    daemon_bin=$bin
    [ "$variant" = this ] || daemon_bin=$COMPARE
    echo "== (b) approvald ($daemon_bin), store.sync: $sync"
    read -r secs startup rss < <(run_daemon mix "$sync" "$total" "$variant$round")
    echo "approvald${COMPARE:+ ($variant)} sync=$sync: $secs s after $startup s of start-up, $(echo "$total / $secs" | bc) events/s, ratio to bare $(echo "scale=3; $bare / $secs" | bc), peak RSS ${rss} MiB"
  done
done
daemon_bin=$bin

fi

if part c; then
echo "== (c) memory against open cases"
for cases in $OPEN_SMALL $OPEN_LARGE; do  # either may be empty: skipped
  total_open=$(produce "open$cases" --cases "$cases" --seed 5 --open)
  read -r secs startup rss < <(run_daemon "open$cases" false "$total_open")
  echo "open cases $cases ($total_open events): $secs s after $startup s of start-up, peak RSS ${rss} MiB"
done

fi

if part d; then
echo "== (d) event -> alert latency at a fixed rate"
bench/latency.sh "$build" 2>&1 | tail -1
fi

if part e; then
echo "== (e) cold start and re-evaluation with $REEVAL_CASES open cases"
# A copy of the pack, so that the rule change below is an edit of the configured files.
pack_dir=$work/pack
cp -r rules/packs/cn-admin-licensing "$pack_dir"
total_re=$(produce reeval --cases "$REEVAL_CASES" --seed 5 --open)
read -r secs startup rss < <(run_daemon reeval false "$total_re")
echo "store filled: $total_re events in $secs s"
cfg=$work/reeval-false.yaml
log=$work/reeval-cold.log
start=$(now_s)
"$bin" run --config "$cfg" >"$log" 2>&1 &
pid=$!
port=""
while [ -z "$port" ]; do
  sleep 0.05
  kill -0 "$pid" 2>/dev/null || { tail -5 "$log" >&2; echo "daemon died" >&2; exit 1; }
  port=$(grep -o '"http_port":"[0-9]*"' "$log" | grep -o '[0-9][0-9]*' || true)
done
listening=$(now_s)
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "127.0.0.1:$port/readyz")" = 200 ]; do
  sleep 0.05
  kill -0 "$pid" 2>/dev/null || { tail -5 "$log" >&2; echo "daemon died" >&2; exit 1; }
done
ready=$(now_s)
echo "cold start: serving after $(echo "$listening - $start" | bc) s, ready after $(echo "$ready - $start" | bc) s"
# rejudge N WHAT: after the pack was edited, SIGHUP, and the N-th "cases re-evaluated" line of
# the log; prints how long every open case took to be judged again under the new version.
rejudge() {
  local n=$1 what=$2 start end judged
  start=$(now_s)
  kill -HUP "$pid"
  # PERF=FILE: also a CPU profile of each re-evaluation's first 20 s (perf report -i FILE.reeval-N).
  [ -z "${PERF:-}" ] || perf record -F 499 ${PERF_ARGS:--g} -p "$pid" -o "$PERF.reeval-$n" -- sleep 20 \
    >/dev/null 2>&1 &
  until [ "$(grep -c 'cases re-evaluated under the new rules' "$log")" -ge "$n" ]; do
    sleep 0.1
    kill -0 "$pid" 2>/dev/null || { tail -5 "$log" >&2; echo "daemon died" >&2; exit 1; }
    if grep -q 'reload refused' "$log"; then grep 'reload refused' "$log" >&2; exit 1; fi
  done
  end=$(now_s)
  judged=$(grep 'cases re-evaluated' "$log" | sed -n "${n}p" | grep -o '"cases":"[0-9]*"' | grep -o '[0-9][0-9]*')
  reeval=$(echo "$end - $start" | bc)
  echo "re-evaluation, $what: $judged cases in $reeval s ($(echo "$judged / $reeval" | bc) cases/s)"
}
# A rule change that touches no clock arithmetic still makes a new version: every open case is
# judged again under it, a slice per loop turn beside new events (daemon/loop/reevaluation.h);
# the cases it judges alike are not written back.
sed -i '0,/title: /s/title: \(.*\)/title: \1 (re-evaluation benchmark)/' "$pack_dir/pack.yaml"
rejudge 1 "a title edited (no case changes)"
reeval_same=$reeval
# A changed statutory limit: every case in the decision phase gets another due date.
sed -i 's/limit: {working_days: 20}/limit: {working_days: 25}/' "$pack_dir/pack.yaml"
rejudge 2 "the decision limit 20 → 25 working days (every case changes)"
rss=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
kill -TERM "$pid"
wait "$pid" || true
echo "peak RSS ${rss} MiB"
# In one turn, a long re-evaluation outlasted max.poll.interval.ms and the group took the
# partitions away; a slice per turn must keep them.
echo "partitions lost or revoked between the first rule change and the last re-evaluation: $(awk '/"msg":"rules applied"/ {on = 1}
  on && /"msg":"partition (lost|revoked)"/ {n++} /cases re-evaluated under the new rules/ {upto = n}
  END {print upto + 0}' "$log")"
[ -z "${KEEP_LOG:-}" ] || cp "$log" "$KEEP_LOG"
# Baseline: the same events through the engine with no store, in event time.
cut -f2 "$work/reeval.tsv" > "$work/reeval.jsonl"
start=$(now_s)
"$bin" replay --pack rules/packs/cn-admin-licensing --calendar config/calendars/cn-mainland.yaml \
  "$work/reeval.jsonl" >/dev/null 2>"$work/replay.err" || true
end=$(now_s)
replay=$(echo "$end - $start" | bc)
echo "replay baseline: $total_re events in $replay s; re-evaluation ÷ replay time: no change $(echo "scale=2; $reeval_same / $replay" | bc), every case changed $(echo "scale=2; $reeval / $replay" | bc)"
fi
