#!/usr/bin/env bash
# Stops the broker for a while in the middle of a run, under load, then starts it again: nothing
# is lost (the end equals an uninterrupted run's, every alert id is delivered), /readyz is red
# during the outage and green after, /healthz stays green, and the daemon needs no restart.
# Uses a broker of its own (port 19192), so stopping it disturbs no other test.
# The full form: OUTAGE_S=60 OUTAGE_CASES=50000 tests/faults/broker_outage.sh
export KAFKA_PORT=19192
export BOOTSTRAP=127.0.0.1:19192
TEST_NAME=outage
source "$(dirname "$0")/lib.sh"
broker_dir="$WORK/kafka"
stop_own_broker() { "$ROOT/scripts/kafka" stop "$broker_dir" >/dev/null 2>&1 || true; }
trap 'stop_own_broker; cleanup' EXIT
"$ROOT/scripts/kafka" start "$broker_dir" 2>/dev/null
OUTAGE_S=${OUTAGE_S:-20}
if [ "$SANITIZED" = 1 ]; then CASES=${OUTAGE_CASES:-3000}; else CASES=${OUTAGE_CASES:-15000}; fi
make_stream "$CASES"

status() { curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$port$1"; }
ready() { [ "$(status /readyz)" = 200 ]; }
unready() { [ "$(status /readyz)" = 503 ]; }

outage() {
  port=$(http_port)
  third() { [ "$(consumed)" -ge $((total / 3)) ]; }
  wait_for 600 "a third of the stream" third
  note "stopping the broker for $OUTAGE_S s after $(consumed) of $total events"
  stop_own_broker
  wait_for 120 "/readyz to turn red" unready
  curl -s "127.0.0.1:$port/readyz" | grep -q "broker unreachable" || fail "/readyz does not say why"
  [ "$(status /healthz)" = 200 ] || fail "/healthz must stay 200 while the broker is away"
  sleep "$OUTAGE_S"  # the length of the outage itself
  [ "$(status /healthz)" = 200 ] || fail "/healthz turned red during the outage"
  kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died during the outage"
  note "starting the broker again"
  "$ROOT/scripts/kafka" start "$broker_dir" 2>/dev/null
  wait_for 300 "/readyz to turn green again" ready
}

run_stream calm
run_stream outage outage
compare_runs calm outage
echo "ok: $total events, the broker away for $OUTAGE_S s mid-run: $CASES case states and $standing_n standing alerts equal an uninterrupted run, no alert id lost; /readyz followed the broker, no restart"
