#!/usr/bin/env bash
# Exactly-once commits (kafka.exactly_once, docs/adr/0013) under crashes: the daemon dies right
# after a transaction committed and before its store write (the moment a crash leaves the store
# behind the broker), and is killed -9 at random points, mostly inside an open transaction. At
# the end the case states, counts and standing alerts equal an uninterrupted run's, and, unlike
# with the outbox, not one alert message more was sent: no copy, no aborted record seen by a
# read_committed consumer. The store left behind is rebuilt from the changelog at least once.
TEST_NAME=eos
source "$(dirname "$0")/lib.sh"
export EXACTLY_ONCE=1
if [ "$SANITIZED" = 1 ]; then
  CASES=${EOS_CASES:-3000}; KILLS=${EOS_KILLS:-3}
else
  CASES=${EOS_CASES:-15000}; KILLS=${EOS_KILLS:-6}
fi
make_stream "$CASES"

disturb() {
  for i in $(seq 1 "$KILLS"); do
    if [ $((i % 2)) -eq 1 ]; then
      # Dies by itself after a few transactions, between the commit and the store write.
      crash_daemon
      APPROVALD_TEST_CRASH_AFTER_COMMITS=$((3 + RANDOM % 5)) start_daemon
      local rc=0
      wait "$DAEMON_PID" || rc=$?
      DAEMON_PID=""
      [ "$rc" -eq 137 ] || fail "the daemon was to die after a commit (exit 137), it exited $rc"
      note "died after a commit, $(consumed) of $total events in the store"
      start_daemon
    else
      local target
      target=$(awk -v i="$i" -v k="$KILLS" -v t="$total" -v r=$RANDOM \
        'BEGIN {printf "%d", t * ((i - 1) + 0.2 + 0.6 * (r % 1000) / 1000) / k}')
      reached() { [ "$(consumed)" -ge "$target" ]; }
      wait_for 900 "$target events committed" reached
      note "kill -9 after $(consumed) of $total events"
      crash_daemon
      start_daemon
    fi
  done
}

run_stream calm
run_stream crashed disturb
compare_runs calm crashed
[ "$sent_b" -eq "$sent_a" ] ||
  fail "the crashed run sent $sent_b alert messages, the uninterrupted one $sent_a: with transactions there are no copies"
rebuilt=$(cat "$WORK"/daemon*.log | grep -c '"partition rebuilt from the changelog"' || true)
[ "$rebuilt" -gt 0 ] || fail "no partition was rebuilt: the store was never behind the broker, so the test proved less than it says"
echo "ok: $total events, $KILLS crashes: $CASES case states, $standing_n standing alerts and all $sent_a alert messages equal, none twice; $rebuilt partitions rebuilt from the changelog"
