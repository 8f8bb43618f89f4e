#!/usr/bin/env bash
# A second consumer joins the group mid-run under the daemon's own static identity (an operator
# who started a copy with the same kafka.instance_id): the broker fences the daemon's consumer,
# which librdkafka takes as fatal. The daemon must replace its consumer by itself, take its
# partitions back and end exactly where an undisturbed run does, with no restart.
TEST_NAME=fenced
source "$(dirname "$0")/lib.sh"
trap cleanup EXIT
if [ "$SANITIZED" = 1 ]; then CASES=${FENCED_CASES:-3000}; else CASES=${FENCED_CASES:-15000}; fi
make_stream "$CASES"

replaced() { curl -s "127.0.0.1:$port/metrics" | awk '/^approvald_consumer_replaced_total/ {print $2 + 0}'; }

impostor() {
  port=$(http_port)
  third() { [ "$(consumed)" -ge $((total / 3)) ]; }
  wait_for 600 "a third of the stream" third
  note "a consumer with the daemon's instance id joins after $(consumed) of $total events"
  # kcat stops by itself: fenced in turn when the daemon's new consumer joins, or after 20 s.
  timeout 20 kcat -b "$BROKER" -G "it-$RUN_ID" -X "group.instance.id=it-$RUN_ID-1" \
    -X session.timeout.ms=6000 -o end -q "$EVENTS" > /dev/null 2>&1 || true
  was_replaced() { [ "$(replaced)" -ge 1 ]; }
  wait_for 120 "the daemon to replace its fenced consumer" was_replaced
  grep -q '"the consumer failed; replacing it"' "$WORK/daemon.log" ||
    fail "the daemon did not log why it replaced its consumer"
}

run_stream calm
run_stream fenced impostor
compare_runs calm fenced
echo "ok: $total events, the daemon's consumer fenced mid-run by an impostor: it was replaced, and $CASES case states and $standing_n standing alerts equal an undisturbed run"
