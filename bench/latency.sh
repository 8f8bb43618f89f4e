#!/usr/bin/env bash
# Event -> alert latency at a fixed rate, against the real broker (not a test). The generator
# produces realistic events at RATE events/s to a fresh topic while approvald (durable: fsync per
# batch, changelog on) runs caught up. For each alert id, latency = the alert's producer timestamp
# minus the producer timestamp of the last event of its case before it (the event that made it
# fire: the generated cases lie in the past, so their deadlines fall due as their events arrive).
# Usage: bench/latency.sh [BUILD_DIR]   (RATE=2000 CASES=10000 SYNC=true)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
bin=$build/daemon/approvald
BROKER=127.0.0.1:9092
RATE=${RATE:-2000}
CASES=${CASES:-10000}
SYNC=${SYNC:-true}
work=$(mktemp -d /tmp/approvald-latency.XXXXXX)
pid=""
t="bench.latency.$(date +%s)"
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"; scripts/kafka delete "${t//./\\.}.*" || true' EXIT
scripts/kafka start >/dev/null 2>&1 || scripts/kafka start
scripts/kafka topic "$t" 6
scripts/kafka topic "$t.alerts" 6
scripts/kafka topic "$t.dlq" 1
TOPIC_CONFIG=cleanup.policy=compact scripts/kafka topic "$t.changelog" 6
cat > "$work/approvald.yaml" <<CFG
data_dir: $work/data
kafka:
  bootstrap_servers: $BROKER
  group_id: $t
  topics: {events: $t, alerts: $t.alerts, dead_letters: $t.dlq, changelog: $t.changelog}
rules:
  packs: [$PWD/rules/packs/cn-admin-licensing]
  calendar: $PWD/config/calendars/cn-mainland.yaml
store: {sync: $SYNC}
http: {listen: '127.0.0.1:0'}
CFG
"$bin" run --config "$work/approvald.yaml" 2>"$work/daemon.log" &
pid=$!
until grep -q '"partition assigned"' "$work/daemon.log"; do sleep 0.2; done
# Warm-up: one event whose alert makes the daemon's producer look up the alert and changelog
# topics (a first produce to a topic waits for its metadata); measured from then on.
for i in 1 2 3 4 5 6; do
  printf 'warmup-%s\t{"schema":"approval.event/v1","event_id":"w%s","case_id":"warmup-%s","type":"decided","occurred_at":"2026-03-02T09:00:00+08:00","agency":"W","item":"W","data":{"outcome":"denied","reason":"r"}}\n' "$i" "$i" "$i"
done | kcat -b "$BROKER" -t "$t" -P -K $'\t'
until [ "$(kcat -b "$BROKER" -t "$t.alerts" -C -e -q -f '.\n' | wc -l)" -ge 6 ]; do sleep 0.2; done
sleep 1
"$bin" generate --cases "$CASES" --seed 3 --produce "$BROKER" --topic "$t" --rate "$RATE"
# Settled: the alert count has not changed for two seconds.
last=-1
while true; do
  n=$(kcat -b "$BROKER" -t "$t.alerts" -C -e -q -f '.\n' | wc -l)
  [ "$n" -eq "$last" ] && break
  last=$n
  sleep 2
done
kill -TERM "$pid"; wait "$pid" || true; pid=""
kcat -b "$BROKER" -t "$t" -C -e -q -f '%k\t%T\n' > "$work/events.tsv"
kcat -b "$BROKER" -t "$t.alerts" -C -e -q -f '%k\t%T\n' > "$work/alerts.tsv"
python3 - "$work/events.tsv" "$work/alerts.tsv" "$RATE" "$SYNC" <<'PY'
import bisect, collections, sys
events = collections.defaultdict(list)
for line in open(sys.argv[1]):
    key, ts = line.rstrip('\n').split('\t')
    events[key].append(int(ts))
for v in events.values():
    v.sort()
first = {}
for line in open(sys.argv[2]):
    key, ts = line.rstrip('\n').split('\t')
    first.setdefault(key, int(ts))  # the first message of each alert id
lat = []
for alert_id, ts in first.items():
    times = events.get(alert_id.split('/')[0], [])
    i = bisect.bisect_right(times, ts)
    if i:
        lat.append(ts - times[i - 1])
lat.sort()
def q(p):
    return lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"rate {sys.argv[3]} events/s, sync {sys.argv[4]}: {len(lat)} alerts; "
      f"event->alert latency p50 {q(0.50)} ms, p99 {q(0.99)} ms, max {lat[-1]} ms")
PY
