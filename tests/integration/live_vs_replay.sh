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
stop_daemon
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
"$APPROVALD" replay --pack "$ROOT/rules/packs/cn-admin-licensing" \
  --pack "$ROOT/rules/packs/example-penalty-benchmark" \
  --calendar "$ROOT/config/calendars/cn-mainland.yaml" --until "$now" \
  "$ROOT/config/samples/events.jsonl" 2>/dev/null | standing > "$WORK/replay.json"
consume "$ALERTS" | standing > "$WORK/live.json"
n=$(jq length "$WORK/live.json")
[ "$n" -ge 20 ] || fail "only $n standing alerts from the daemon"
if ! diff <(jq . "$WORK/replay.json") <(jq . "$WORK/live.json") >&2; then
  fail "live and replay disagree (< replay, > live)"
fi
# Every message on the alert topic is keyed by its alert id.
bad=$(kcat -b "$BROKER" -t "$ALERTS" -C -e -q -f '%k\t%s\n' | jq -R 'split("\t") | select(.[0] != (.[1] | fromjson | .alert_id))' | wc -l)
[ "$bad" -eq 0 ] || fail "$bad alerts not keyed by alert_id"
echo "ok: $n standing alerts agree with replay ($expected_events events)"
