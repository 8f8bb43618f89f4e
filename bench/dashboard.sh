#!/usr/bin/env bash
# How fast the dashboard's first view is with many open cases (not a test). Loads OPEN cases
# (default 100k, every one open) through the real broker into a daemon, then times each request
# the first view makes, against /healthz measured in the same run (the machine is shared and
# noisy: read the ratios). Usage: bench/dashboard.sh [BUILD_DIR]  (OPEN=100000 N=30)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
bin=$build/daemon/approvald
BROKER=127.0.0.1:9092
OPEN=${OPEN:-100000}
N=${N:-30}
work=$(mktemp -d /tmp/approvald-dash.XXXXXX)
pid=
t="bench.dash.$(date +%s)"
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid"; rm -rf "$work"; scripts/kafka delete "${t//./\\.}.*" || true' EXIT
scripts/kafka start >/dev/null 2>&1 || scripts/kafka start
scripts/kafka topic "$t" 6
scripts/kafka topic "$t.alerts" 6
scripts/kafka topic "$t.dlq" 1
"$bin" generate --keyed --open --cases "$OPEN" --seed 5 > "$work/events.tsv"
total=$(wc -l < "$work/events.tsv")
kcat -b "$BROKER" -t "$t" -P -K $'\t' -z lz4 -X linger.ms=20 -X batch.num.messages=10000 \
  -X queue.buffering.max.messages=1000000 < "$work/events.tsv"
port=$((20000 + RANDOM % 20000))
cat > "$work/c.yaml" <<CFG
data_dir: $work/data
kafka:
  bootstrap_servers: $BROKER
  group_id: $t
  topics: {events: $t, alerts: $t.alerts, dead_letters: $t.dlq, changelog: ""}
  poll_batch: 5000
rules:
  packs: [$PWD/rules/packs/cn-admin-licensing]
  calendar: $PWD/config/calendars/cn-mainland.yaml
store: {sync: false}
http: {listen: '127.0.0.1:$port'}
CFG
"$bin" run --config "$work/c.yaml" >"$work/log" 2>&1 &
pid=$!
url="http://127.0.0.1:$port"
echo "== loading $total events of $OPEN open cases"
until [ "$(curl -s "$url/api/v1/overview" | jq '.cases.open // 0' 2>/dev/null || echo 0)" -ge "$OPEN" ]; do
  sleep 1
done
open_now=$(curl -s "$url/api/v1/overview" | jq .cases.open)
echo "   open cases: $open_now; alert index: $(curl -s "$url/api/v1/alerts?limit=1000" | jq '.alerts | length')+ entries"

# median_ms PATH: the median of N requests' total times, in milliseconds.
median_ms() {
  for _ in $(seq "$N"); do curl -s -o /dev/null -w '%{time_total}\n' "$url$1"; done |
    sort -n | awk '{a[NR] = $1} END {printf "%.2f", a[int((NR + 1) / 2)] * 1000}'
}
base=$(median_ms /healthz)
printf '%-52s %9s %7s\n' request "median ms" "÷ healthz"
printf '%-52s %9s %7s\n' /healthz "$base" 1.0
for path in / /app.js /api/v1/overview "/api/v1/alerts?status=firing&level=reminder&limit=12" \
            "/api/v1/performance" "/api/v1/performance?by=item"; do
  m=$(median_ms "$path")
  printf '%-52s %9s %7.1f\n' "$path" "$m" "$(echo "$m / $base" | bc -l)"
done
