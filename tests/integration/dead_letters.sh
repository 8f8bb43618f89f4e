#!/usr/bin/env bash
# Malformed JSON, missing fields, bad timestamps, key mismatches and a missing key go to the
# dead-letter topic unchanged with their reason; every good event is processed.
TEST_NAME=dead-letters
source "$(dirname "$0")/lib.sh"
make_topics 1
write_config
good() { printf '{"schema":"approval.event/v1","event_id":"%s","case_id":"%s","type":"decided","occurred_at":"2026-03-03T09:00:00+08:00","agency":"A","item":"I","data":{"outcome":"approved"}}' "$1" "$2"; }
produce_raw G1 "$(good g1 G1)"
produce_raw B1 '{"schema":"approval.event/v1", oops'
produce_raw B2 '{"schema":"approval.event/v1","event_id":"b2","case_id":"B2","type":"received","agency":"A","item":"I"}'
produce_raw B3 '{"schema":"approval.event/v1","event_id":"b3","case_id":"B3","type":"received","occurred_at":"2026-02-30T09:00:00+08:00","agency":"A","item":"I"}'
produce_raw OTHER "$(good b4 B4)"
produce_raw B5 '{"schema":"approval.event/v2","event_id":"b5","case_id":"B5","type":"received","occurred_at":"2026-03-03T09:00:00+08:00","agency":"A","item":"I"}'
good b6 B6 | kcat -b "$BROKER" -t "$EVENTS" -P  # no key at all (contract, settled point 7)
produce_raw G2 "$(good g2 G2)"
start_daemon
has_all() { [ "$(consume "$DLQ" | wc -l)" -ge 6 ] && [ "$(consume "$ALERTS" | wc -l)" -ge 2 ]; }
wait_for 60 "6 dead letters and 2 alerts" has_all
stop_daemon
kcat -b "$BROKER" -t "$DLQ" -C -e -q -f '%k\t%h\t%s\n' > "$WORK/dlq.tsv"
check() {  # key, expected reason substring
  grep -P "^$1\t" "$WORK/dlq.tsv" | grep -q -- "$2" || { cat "$WORK/dlq.tsv" >&2; fail "no dead letter for $1 with '$2'"; }
}
check B1 "approvald.reason=not valid JSON"
check B2 "approvald.reason=occurred_at: required"
check B3 "approvald.reason=occurred_at: day out of range"
check OTHER "approvald.reason=the message key 'OTHER' differs from case_id 'B4'"
check B5 "approvald.reason=schema: unsupported schema 'approval.event/v2'"
grep -P '^\t' "$WORK/dlq.tsv" | grep -q "approvald.reason.class=key_missing" || { cat "$WORK/dlq.tsv" >&2; fail "no key_missing dead letter"; }
grep -q "approvald.source.topic=$EVENTS" "$WORK/dlq.tsv" || fail "no source topic header"
grep -q 'approvald.source.offset=1' "$WORK/dlq.tsv" || fail "no source offset header"
# Unchanged payload.
grep -P '^B1\t' "$WORK/dlq.tsv" | grep -qF '{"schema":"approval.event/v1", oops' || fail "payload changed"
# The good events were processed (a decision without acceptance: one red card each).
[ "$(consume "$ALERTS" | jq -r 'select(.rule_id == "proc-decision-without-acceptance") | .case_id' | sort | tr '\n' ' ')" = "G1 G2 " ] \
  || fail "good events not processed"
echo "ok: 6 dead letters with reasons, 2 good events processed"
