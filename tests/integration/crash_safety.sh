#!/usr/bin/env bash
# kill -9 the daemon at random points of a stream of 100k+ events, restart it each time: at the
# end the case states and the standing alerts equal those of an uninterrupted run, no alert is
# lost, and duplicates on the alert topic carry the same id.
TEST_NAME=crash
source "$(dirname "$0")/lib.sh"
CASES=${CRASH_CASES:-25000}   # about 4.4 events each
KILLS=${CRASH_KILLS:-3}

"$APPROVALD" generate --cases "$CASES" --seed 7 --keyed > "$WORK/events.tsv"
total=$(wc -l < "$WORK/events.tsv")
[ "$total" -ge 100000 ] || fail "only $total events generated"
note "$total events over $CASES cases"

consumed() {  # the sum of the stored next offsets
  "$APPROVALD" store dump --data-dir "$WORK/data" --marks 2>/dev/null | awk '{s += $3} END {print s + 0}'
}
all_consumed() { [ "$(consumed)" -ge "$total" ]; }

# One run on its own topics and data directory; prints nothing, leaves $WORK/<label>.*
run_once() {  # label kills
  local label=$1 kills=$2
  RUN_ID="$NAME-$label-$(date +%s%N)"
  EVENTS="it.$RUN_ID.events"; ALERTS="it.$RUN_ID.alerts"; DLQ="it.$RUN_ID.dlq"; CHANGELOG="it.$RUN_ID.changelog"
  rm -rf "$WORK/data"
  make_topics 6
  write_config
  kcat -b "$BROKER" -t "$EVENTS" -P -K $'\t' -z lz4 < "$WORK/events.tsv"
  local start=$SECONDS
  start_daemon
  for i in $(seq 1 "$kills"); do
    # A random point inside the i-th part of the stream, so that the kills spread over it.
    local target
    target=$(awk -v i="$i" -v k="$kills" -v t="$total" -v r=$RANDOM \
      'BEGIN {printf "%d", t * ((i - 1) + 0.2 + 0.6 * (r % 1000) / 1000) / k}')
    reached() { [ "$(consumed)" -ge "$target" ]; }
    wait_for 600 "$target events committed" reached
    note "$label: kill -9 after $(consumed) of $total events (target $target)"
    crash_daemon
    start_daemon
  done
  wait_for 600 "$label to consume every event" all_consumed
  settled_count=-1
  wait_for 120 "$label's alerts to settle" settled "$ALERTS"
  stop_daemon
  note "$label: done in $((SECONDS - start)) s"
  "$APPROVALD" store dump --data-dir "$WORK/data" > "$WORK/$label.cases"
  "$APPROVALD" store dump --data-dir "$WORK/data" --tallies > "$WORK/$label.tallies"
  consume "$ALERTS" > "$WORK/$label.alerts"
  consume "$DLQ" > "$WORK/$label.dlq"
}

run_once calm 0
run_once crashed "$KILLS"

[ "$(wc -l < "$WORK/calm.cases")" -eq "$CASES" ] || fail "calm run holds $(wc -l < "$WORK/calm.cases") cases, not $CASES"
if ! diff -q "$WORK/calm.cases" "$WORK/crashed.cases" >/dev/null; then
  diff "$WORK/calm.cases" "$WORK/crashed.cases" | head -10 >&2
  fail "case states differ after crashes"
fi
# The per-agency counts equal an uninterrupted run's, and add up to the case states' statuses.
cmp -s "$WORK/calm.tallies" "$WORK/crashed.tallies" || { diff "$WORK/calm.tallies" "$WORK/crashed.tallies" | head >&2; fail "case counts differ after crashes"; }
# (Open is the status's lowest bit; paused, overdue, red and yellow are the others.)
open_states=$(grep -oE 'status:[0-9]+$' "$WORK/crashed.cases" | awk -F: '$2 % 2 == 1' | wc -l)
open_tally=$(awk -F'\t' '{ sub("open:", "", $4); s += $4 } END { print s + 0 }' "$WORK/crashed.tallies")
[ "$open_states" -eq "$open_tally" ] || fail "the open counts say $open_tally, the case states $open_states"
[ "$open_states" -gt 0 ] || fail "no open case in the stream: the count check proves nothing"
# Identity and lifecycle must match exactly. due_at is an annotation: on a resolution it is the
# due date as known when the message was sent, which depends on how events fell into batches.
standing < "$WORK/calm.alerts" | jq -c 'map(del(.due_at))' > "$WORK/calm.standing"
standing < "$WORK/crashed.alerts" | jq -c 'map(del(.due_at))' > "$WORK/crashed.standing"
if ! cmp -s "$WORK/calm.standing" "$WORK/crashed.standing"; then
  diff <(jq -c '.[]' "$WORK/calm.standing") <(jq -c '.[]' "$WORK/crashed.standing") | head -10 >&2
  fail "standing alerts differ after crashes"
fi
# No alert lost: every id the calm run sent was sent by the crashed run too.
lost=$(comm -23 <(jq -r .alert_id "$WORK/calm.alerts" | sort -u) <(jq -r .alert_id "$WORK/crashed.alerts" | sort -u) | wc -l)
[ "$lost" -eq 0 ] || fail "$lost alert ids missing after crashes"
[ -s "$WORK/crashed.dlq" ] && fail "dead letters in a clean stream"
n=$(jq length "$WORK/calm.standing")
sent=$(wc -l < "$WORK/crashed.alerts")
calm_sent=$(wc -l < "$WORK/calm.alerts")
echo "ok: $total events, $KILLS kills: $CASES case states and $n standing alerts equal; $sent alert messages sent (uninterrupted: $calm_sent; the surplus are re-sent duplicates with the same id)"
