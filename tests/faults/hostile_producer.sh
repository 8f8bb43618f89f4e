#!/usr/bin/env bash
# A hostile producer shares the event topic with honest agencies: events of 500 KB, 2 MB and
# 10 MB, a flood of one case past engine.max_events_per_case, invalid UTF-8, NULs, control
# characters, no key. Every honest case keeps exactly the states and alerts (with their times)
# of a run without the hostile traffic; each hostile record becomes a bounded dead letter
# (or, for the flood, is refused past the cap), and the outbox drains.
TEST_NAME=hostile
source "$(dirname "$0")/lib.sh"
if [ "$SANITIZED" = 1 ]; then CASES=${HOSTILE_CASES:-2000}; else CASES=${HOSTILE_CASES:-10000}; fi
FLOOD=300  # events of one case; the cap below is 100
make_stream "$CASES"

# The hostile records, one per line as KEY<TAB>VALUE (an empty key: produced without one).
ev() {  # case type time [extra JSON members]
  printf '{"schema":"approval.event/v1","event_id":"h-%s-%s","case_id":"%s","type":"%s","occurred_at":"%s","agency":"HOSTILE","item":"HOSTILE-ITEM"%s}' \
    "$1" "$RANDOM$RANDOM" "$1" "$2" "$3" "${4:-}"
}
big() { head -c "$1" /dev/zero | tr '\0' 'x'; }
{
  printf 'H-type\t%s\n' "$(ev H-type "$(big 512000)" 2026-03-02T09:00:00+08:00)"
  printf 'H-2mb\t%s\n' "$(ev H-2mb received 2026-03-02T09:00:00+08:00 ",\"officer\":\"$(big 2097152)\"")"
  printf 'H-10mb\t%s\n' "$(ev H-10mb received 2026-03-02T09:00:00+08:00 ",\"data\":{\"reason\":\"$(big 10485760)\"}")"
  printf 'H-utf8\t%s\n' "$(ev $'H-\xff\xfe' received 2026-03-02T09:00:00+08:00)"
  printf 'H-nul\t%s\n' "$(ev 'H-nul\u0000x' received 2026-03-02T09:00:00+08:00)"
  printf 'H-crlf\t%s\n' "$(ev 'H-crlf\r\nX-Injected: 1\u001b[31m' received 2026-03-02T09:00:00+08:00)"
  printf '\t%s\n' "$(ev H-nokey received 2026-03-02T09:00:00+08:00)"
  printf 'H-flood\t%s\n' "$(ev H-flood received 2026-03-02T09:00:00+08:00)"
  for i in $(seq 1 "$FLOOD"); do
    printf 'H-flood\t{"schema":"approval.event/v1","event_id":"h-flood-%d","case_id":"H-flood","type":"fee_charged","occurred_at":"2026-03-02T10:00:00+08:00","agency":"HOSTILE","item":"HOSTILE-ITEM","data":{"amount_fen":%d,"fee_item":"x"}}\n' "$i" "$i"
  done
} > "$WORK/hostile.tsv"

hostile_run() {
  # The event topic takes 16 MB records, as a carelessly configured cluster would.
  TOPIC_CONFIG=max.message.bytes=16777216 new_run hostile
  sed -i 's/^store: {sync: false}$/store: {sync: false}\nengine: {max_events_per_case: 100}/' "$WORK/approvald.yaml"
  # Hostile records first, in every partition they hash to, then the honest stream behind them.
  while IFS=$'\t' read -r key value; do
    if [ -z "$key" ]; then
      printf '%s\n' "$value" | kcat -b "$BROKER" -t "$EVENTS" -P -X message.max.bytes=16777216
    else
      printf '%s\t%s\n' "$key" "$value" | kcat -b "$BROKER" -t "$EVENTS" -P -K $'\t' -X message.max.bytes=16777216
    fi
  done < <(grep -av '^H-flood' "$WORK/hostile.tsv")
  grep -a '^H-flood' "$WORK/hostile.tsv" | kcat -b "$BROKER" -t "$EVENTS" -P -K $'\t'
  kcat -b "$BROKER" -t "$EVENTS" -P -K $'\t' -z lz4 < "$WORK/events.tsv"
  total_all=$((total + $(wc -l < "$WORK/hostile.tsv")))
  start_daemon
  everything() { [ "$(consumed)" -ge "$total_all" ]; }
  wait_for 900 "every record, hostile ones included" everything
  settled_count=-1
  wait_for 300 "the alerts to settle" settled "$ALERTS"
  port=$(http_port)
  outbox=$(curl -s "127.0.0.1:$port/metrics" | awk '/^approvald_outbox_depth / {print $2 + 0}')
  stop_daemon
  "$APPROVALD" store dump --data-dir "$WORK/data" | grep -v $'\tH-' > "$WORK/hostile.cases"
  "$APPROVALD" store dump --data-dir "$WORK/data" --tallies | grep -v $'\tHOSTILE\t' > "$WORK/hostile.tallies"
  consume "$ALERTS" | jq -c 'select(.case_id | startswith("H-") | not)' > "$WORK/hostile.alerts"
  kcat -b "$BROKER" -t "$DLQ" -C -e -q -f '%K\t%h\t%S\n' 2>/dev/null > "$WORK/hostile.dlq-meta"
  consume "$DLQ" > "$WORK/hostile.dlq"
}

run_stream calm
hostile_run
[ "${outbox:-1}" -eq 0 ] || fail "the outbox did not drain: $outbox entries left"
: > "$WORK/hostile.dlq.honest"  # compare_runs wants no dead letter from honest cases
mv "$WORK/hostile.dlq" "$WORK/hostile.dlq.all"
cp "$WORK/hostile.dlq.honest" "$WORK/hostile.dlq"
compare_runs calm hostile
# Every hostile record but the flood's first 99 (the cap counts the received event) is a dead
# letter, each bounded: no record over 64 KiB, no header with a line break.
dead=$(wc -l < "$WORK/hostile.dlq-meta")
expected=$(( $(wc -l < "$WORK/hostile.tsv") - 100 ))
[ "$dead" -ge "$expected" ] || fail "$dead dead letters, expected at least $expected"
largest=$(awk -F'\t' '{ if ($3 > m) m = $3 } END { print m + 0 }' "$WORK/hostile.dlq-meta")
[ "$largest" -le 65536 ] || fail "a dead letter of $largest bytes"
if grep -q $'\r' "$WORK/hostile.dlq-meta"; then fail "a carriage return reached a dead-letter header"; fi
echo "ok: $(wc -l < "$WORK/hostile.tsv") hostile records (500 KB, 2 MB and 10 MB events, invalid UTF-8, NUL, CR LF, no key, a flood of $FLOOD) among $total honest events: $dead bounded dead letters (largest $largest bytes), the outbox drained, and $CASES honest case states and $standing_n standing alerts equal a run without them"
