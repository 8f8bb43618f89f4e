#!/usr/bin/env bash
# The live daemon and `approvald replay` agree on the sample log: same standing alerts, with the
# same due, fired and resolved times.
TEST_NAME=live-vs-replay
source "$(dirname "$0")/lib.sh"
make_topics 6
write_config
produce "$ROOT/config/samples/events.jsonl"
start_daemon
expected_events=$(wc -l < "$ROOT/config/samples/events.jsonl")
# Wait until every case is settled: the alert count stops changing.
wait_for 60 "alerts to settle" settled "$ALERTS"
port=$(http_port)
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
"$APPROVALD" replay --pack "$ROOT/rules/packs/cn-admin-licensing" \
  --pack "$ROOT/rules/packs/example-penalty-benchmark" \
  --calendar "$ROOT/config/calendars/cn-mainland.yaml" --until "$now" \
  "$ROOT/config/samples/events.jsonl" 2>"$WORK/replay.err" | standing > "$WORK/replay.json"
# The per-agency case gauges (refreshed every 2 s) add up to replay's open and overdue cases.
replay_says=$(tail -1 "$WORK/replay.err")
want_open=$(sed -E 's/.*; ([0-9]+) cases open.*/\1/' <<<"$replay_says")
want_overdue=$(sed -E 's/.*, ([0-9]+) overdue.*/\1/' <<<"$replay_says")
gauge_sum() { awk -v m="$1" '$1 ~ "^"m"\\{" { s += $2 } END { print s + 0 }' "$WORK/metrics.txt"; }
gauges_agree() {
  curl -sf "127.0.0.1:$port/metrics" > "$WORK/metrics.txt" || return 1
  [ "$(gauge_sum approvald_cases_open)" -eq "$want_open" ] &&
    [ "$(gauge_sum approvald_cases_overdue)" -eq "$want_overdue" ]
}
wait_for 30 "approvald_cases_open/overdue to sum to replay's $want_open/$want_overdue" gauges_agree
curl -sf "127.0.0.1:$port/api/v1/alerts?status=firing&limit=1000" > "$WORK/api-firing.json"
stop_daemon
consume "$ALERTS" | standing > "$WORK/live.json"
n=$(jq length "$WORK/live.json")
[ "$n" -ge 20 ] || fail "only $n standing alerts from the daemon"
if ! diff <(jq . "$WORK/replay.json") <(jq . "$WORK/live.json") >&2; then
  fail "live and replay disagree (< replay, > live)"
fi
# The alert index behind /api/v1/alerts holds exactly the firing alerts of the topic.
diff <(jq -r '.[] | select(.status == "firing") | .alert_id' "$WORK/live.json" | sort) \
  <(jq -r '.alerts[].alert_id' "$WORK/api-firing.json" | sort) >&2 \
  || fail "/api/v1/alerts?status=firing differs from the firing alerts on the topic (< topic, > api)"
# Every message on the alert topic is keyed by its alert id.
bad=$(kcat -b "$BROKER" -t "$ALERTS" -C -e -q -f '%k\t%s\n' | jq -R 'split("\t") | select(.[0] != (.[1] | fromjson | .alert_id))' | wc -l)
[ "$bad" -eq 0 ] || fail "$bad alerts not keyed by alert_id"
echo "ok: $n standing alerts agree with replay ($expected_events events)"
