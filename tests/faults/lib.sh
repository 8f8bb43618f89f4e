# Shared by the fault scripts: a generated stream of events, one run of the daemon over it on
# topics of its own (disturbed by a function the script gives), and the comparison of a disturbed
# run with an uninterrupted one. Builds on tests/integration/lib.sh (topics, config, daemon).
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

# Under a sanitizer every event costs several times more: the scripts size their default work
# by this (set by ctest in the sanitizer presets), never by a timing.
SANITIZED=${APPROVALD_SANITIZED:-0}

# make_stream CASES: the simulated service centre's events (about 4.4 per case), keyed.
make_stream() {
  "$APPROVALD" generate --cases "$1" --seed 7 --keyed > "$WORK/events.tsv"
  total=$(wc -l < "$WORK/events.tsv")
  note "$total events over $1 cases"
}

consumed() {  # the sum of the stored next offsets (0 while the store is held or missing)
  "$APPROVALD" store dump --data-dir "$WORK/data" --marks 2>/dev/null | awk '{s += $3} END {print s + 0}'
}
all_consumed() { [ "$(consumed)" -ge "$total" ]; }

# new_run LABEL: fresh topics, configuration and data directory for one run.
new_run() {
  # Each run logs afresh: the HTTP port is read from the log.
  [ ! -f "$WORK/daemon.log" ] || mv "$WORK/daemon.log" "$WORK/daemon.before-$1.log"
  RUN_ID="$NAME-$1-$(date +%s%N)"
  EVENTS="it.$RUN_ID.events"; ALERTS="it.$RUN_ID.alerts"; DLQ="it.$RUN_ID.dlq"
  CHANGELOG="it.$RUN_ID.changelog"
  rm -rf "$WORK/data"
  make_topics 6
  write_config
}

# finish_run LABEL: waits until every event is consumed and the alerts settle, stops the daemon
# and keeps what the run left: LABEL.cases, .tallies, .alerts, .dlq.
finish_run() {
  local label=$1
  wait_for 900 "$label to consume every event" all_consumed
  settled_count=-1
  wait_for 300 "$label's alerts to settle" settled "$ALERTS"
  stop_daemon
  "$APPROVALD" store dump --data-dir "$WORK/data" > "$WORK/$label.cases"
  "$APPROVALD" store dump --data-dir "$WORK/data" --tallies > "$WORK/$label.tallies"
  consume "$ALERTS" > "$WORK/$label.alerts"
  consume "$DLQ" > "$WORK/$label.dlq"
}

# run_stream LABEL [DISTURB]: one run over the whole stream; DISTURB (a function) runs while the
# daemon works, e.g. killing it or stopping the broker.
run_stream() {
  local label=$1 disturb=${2:-}
  new_run "$label"
  kcat -b "$BROKER" -t "$EVENTS" -P -K $'\t' -z lz4 < "$WORK/events.tsv"
  local start=$SECONDS
  start_daemon
  [ -z "$disturb" ] || "$disturb"
  finish_run "$label"
  note "$label: done in $((SECONDS - start)) s"
}

# compare_runs CALM OTHER: the disturbed run ends exactly where the uninterrupted one does.
compare_runs() {
  local a=$1 b=$2
  [ -s "$WORK/$a.cases" ] || fail "the $a run holds no case"
  if ! cmp -s "$WORK/$a.cases" "$WORK/$b.cases"; then
    diff "$WORK/$a.cases" "$WORK/$b.cases" | head -10 >&2
    fail "case states differ between the $a and $b runs"
  fi
  # (A row of zeros is an agency that had cases there once: the same as no row.)
  local zero=$'\topen:0\tpaused:0\toverdue:0$'
  if ! cmp -s <(grep -v "$zero" "$WORK/$a.tallies") <(grep -v "$zero" "$WORK/$b.tallies"); then
    diff <(grep -v "$zero" "$WORK/$a.tallies") <(grep -v "$zero" "$WORK/$b.tallies") | head >&2
    fail "case counts differ"
  fi
  # Identity and lifecycle of every standing alert. due_at is left out: on a resolution it is the
  # due date as known when the message was sent, which depends on how events fell into batches.
  standing < "$WORK/$a.alerts" | jq -c 'map(del(.due_at))' > "$WORK/$a.standing"
  standing < "$WORK/$b.alerts" | jq -c 'map(del(.due_at))' > "$WORK/$b.standing"
  if ! cmp -s "$WORK/$a.standing" "$WORK/$b.standing"; then
    diff <(jq -c '.[]' "$WORK/$a.standing") <(jq -c '.[]' "$WORK/$b.standing") | head -10 >&2
    fail "standing alerts differ between the $a and $b runs"
  fi
  # No alert id lost.
  lost=$(comm -23 <(jq -r .alert_id "$WORK/$a.alerts" | sort -u) <(jq -r .alert_id "$WORK/$b.alerts" | sort -u) | wc -l)
  [ "$lost" -eq 0 ] || fail "$lost alert ids of the $a run missing from the $b run"
  # Nothing announced with a lifecycle the uninterrupted run never sent: a repeat is a copy.
  # (The clock snapshot and the evidence list are annotations of the moment of sending, which
  # depends on how events fell into batches; identity and times are what must agree.)
  local shape='{alert_id, status, resolution, fired_at, resolved_at} | tojson'
  comm -13 <(jq -r "$shape" "$WORK/$a.alerts" | sort -u) <(jq -r "$shape" "$WORK/$b.alerts" | sort -u) > "$WORK/$b.odd"
  odd=$(wc -l < "$WORK/$b.odd")
  [ "$odd" -eq 0 ] || { head -3 "$WORK/$b.odd" >&2; fail "$odd alert messages of the $b run differ from every message of the $a run"; }
  [ -s "$WORK/$b.dlq" ] && fail "dead letters in a clean stream ($b run)"
  standing_n=$(jq length "$WORK/$a.standing")
  sent_a=$(wc -l < "$WORK/$a.alerts"); sent_b=$(wc -l < "$WORK/$b.alerts")
  return 0
}
