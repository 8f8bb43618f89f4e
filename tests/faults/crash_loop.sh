#!/usr/bin/env bash
# kill -9 the daemon at random points of a generated stream, restarting it each time: at the end
# the case states, the per-agency counts and the standing alerts equal those of an uninterrupted
# run, no alert id is lost, and no alert is announced with content the uninterrupted run never
# sent (a re-sent alert is a copy). The full form (docs/reliability.md):
#   CRASH_CASES=230000 CRASH_KILLS=100 tests/faults/crash_loop.sh    # ≥ 1 M events
TEST_NAME=crash
source "$(dirname "$0")/lib.sh"
if [ "$SANITIZED" = 1 ]; then
  CASES=${CRASH_CASES:-5000}; KILLS=${CRASH_KILLS:-5}
else
  CASES=${CRASH_CASES:-25000}; KILLS=${CRASH_KILLS:-10}
fi
make_stream "$CASES"

kill_loop() {
  for i in $(seq 1 "$KILLS"); do
    # A random point inside the i-th part of the stream, so that the kills spread over it.
    local target
    target=$(awk -v i="$i" -v k="$KILLS" -v t="$total" -v r=$RANDOM \
      'BEGIN {printf "%d", t * ((i - 1) + 0.2 + 0.6 * (r % 1000) / 1000) / k}')
    reached() { [ "$(consumed)" -ge "$target" ]; }
    wait_for 900 "$target events committed" reached
    note "kill $i/$KILLS after $(consumed) of $total events"
    crash_daemon
    start_daemon
  done
}

run_stream calm
run_stream crashed kill_loop
compare_runs calm crashed
# The counts add up to the case states' statuses (open is the status's lowest bit).
open_states=$(grep -oE 'status:[0-9]+$' "$WORK/crashed.cases" | awk -F: '$2 % 2 == 1' | wc -l)
open_tally=$(awk -F'\t' '{ sub("open:", "", $4); s += $4 } END { print s + 0 }' "$WORK/crashed.tallies")
[ "$open_states" -eq "$open_tally" ] || fail "the open counts say $open_tally, the case states $open_states"
[ "$open_states" -gt 0 ] || fail "no open case in the stream: the count check proves nothing"
echo "ok: $total events, $KILLS kills: $CASES case states and $standing_n standing alerts equal; $sent_b alert messages sent (uninterrupted: $sent_a; the surplus are copies with the same id and content)"
