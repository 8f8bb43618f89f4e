#!/usr/bin/env bash
# /metrics is valid exposition format (promtool); /readyz turns unready when the broker stops and
# ready again when it is back, and events produced meanwhile are all processed. Uses a broker of
# its own (port 19092) so that stopping it disturbs no other test.
export KAFKA_PORT=19092
export BOOTSTRAP=127.0.0.1:19092
TEST_NAME=http
source "$(dirname "$0")/lib.sh"
broker_dir="$WORK/kafka"
stop_own_broker() { "$ROOT/scripts/kafka" stop "$broker_dir" >/dev/null 2>&1 || true; }
trap 'stop_own_broker; cleanup' EXIT
"$ROOT/scripts/kafka" start "$broker_dir" 2>/dev/null
make_topics 2
write_config
start_daemon
port_known() { grep -q '"http_port"' "$WORK/daemon.log"; }
wait_for 30 "the HTTP port" port_known
port=$(grep '"http_port"' "$WORK/daemon.log" | jq -r .http_port | head -1)
status() { curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$port$1"; }
ready() { [ "$(status /readyz)" = 200 ]; }
unready() { [ "$(status /readyz)" = 503 ]; }
wait_for 60 "ready" ready
[ "$(status /healthz)" = 200 ] || fail "/healthz is not 200"

event() {  # id case type time
  printf '{"schema":"approval.event/v1","event_id":"%s","case_id":"%s","type":"%s","occurred_at":"%s","agency":"A","item":"I","data":{"outcome":"approved"}}' "$1" "$2" "$3" "$4"
}
produce_raw K1 "$(event k1 K1 decided 2026-03-03T09:00:00+08:00)"
has_k1() { curl -sf "127.0.0.1:$port/api/v1/cases/K1" | jq -e '[.alerts[].rule_id] | index("proc-decision-without-acceptance") != null' >/dev/null; }
wait_for 30 "case K1 in the API" has_k1

curl -s "127.0.0.1:$port/metrics" > "$WORK/metrics.txt"
promtool check metrics < "$WORK/metrics.txt" || fail "promtool rejects /metrics"
grep -q '^approvald_events_total{outcome="applied",type="decided"} 1' "$WORK/metrics.txt" || fail "event counter missing"
grep -q '^approvald_alerts_total{level="red",rule="proc-decision-without-acceptance",status="firing"} 1' "$WORK/metrics.txt" \
  || fail "alert counter missing"
grep -q '^approvald_rules_info{calendar="cn-mainland@2026",rule_packs="cn-admin-licensing@2026.1,example-penalty-benchmark@2025.1"} 1' "$WORK/metrics.txt" \
  || fail "rules info missing"
[ "$(status /api/v1/cases/NOPE)" = 404 ] || fail "unknown case is not 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "127.0.0.1:$port/metrics")" = 405 ] || fail "POST is not 405"

note "stopping the broker"
stop_own_broker
wait_for 60 "unready" unready
curl -s "127.0.0.1:$port/readyz" | grep -q "broker unreachable" || fail "readyz does not say why"
[ "$(status /healthz)" = 200 ] || fail "/healthz must stay 200 while the broker is away"
note "starting the broker again"
"$ROOT/scripts/kafka" start "$broker_dir" 2>/dev/null
wait_for 90 "ready again" ready
produce_raw K2 "$(event k2 K2 decided 2026-03-04T09:00:00+08:00)"
both() { [ "$(consume "$ALERTS" | jq -r .case_id | sort -u | tr '\n' ' ')" = "K1 K2 " ]; }
wait_for 60 "alerts for K1 and K2" both
stop_daemon
echo "ok: metrics valid, readiness followed the broker down and up, nothing lost"
