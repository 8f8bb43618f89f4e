#!/usr/bin/env bash
# A hostile or careless producer cannot silence a partition: events whose `type` is a 500 KB and a
# 2 MB string (the events topic accepts 3 MB messages) become bounded dead letters — reason cut,
# first KiB of the payload, its size and SHA-256 digest — and the dead letters and alerts after
# them, in the same and other partitions, still arrive; the outbox drains and /readyz stays ready.
# The dead-letter topic takes at most 100 KB: a 200 KB dead letter (below the daemon's own bound)
# is refused by the broker's delivery report, for good, and replaced by one that describes it.
TEST_NAME=oversized
source "$(dirname "$0")/lib.sh"
kcat_ok
TOPIC_CONFIG=max.message.bytes=3000000 "$ROOT/scripts/kafka" topic "$EVENTS" 3
"$ROOT/scripts/kafka" topic "$ALERTS" 3
TOPIC_CONFIG=max.message.bytes=100000 "$ROOT/scripts/kafka" topic "$DLQ" 1
TOPIC_CONFIG=cleanup.policy=compact "$ROOT/scripts/kafka" topic "$CHANGELOG" 3
write_config
# These records must reach the relay's own bounds, not the earlier engine.max_event_bytes cut
# (tests/faults/hostile_producer.sh covers that one).
sed -i "s/^store: {sync: false}$/store: {sync: false}\nengine: {max_event_bytes: 16777216}/" "$WORK/approvald.yaml"
grep -q "max_event_bytes: 16777216" "$WORK/approvald.yaml" || fail "could not raise engine.max_event_bytes"

# huge_event CASE BYTES: a JSON event whose type is BYTES long and starts with a terminal escape
# (a C1 CSI: the decoder refuses C0 control characters in the envelope, not this one).
huge_event() {
  printf '{"schema":"approval.event/v1","event_id":"%s","case_id":"%s","type":"\\u009b2J' "$1" "$1"
  head -c "$2" /dev/zero | tr '\0' x
  printf '","occurred_at":"2026-03-03T09:00:00+08:00","agency":"A","item":"I"}'
}
good() { printf '{"schema":"approval.event/v1","event_id":"%s","case_id":"%s","type":"decided","occurred_at":"2026-03-03T09:00:00+08:00","agency":"A","item":"I","data":{"outcome":"approved"}}' "$1" "$1"; }
# to PARTITION KEY FILE: one message, exactly the file's bytes, to one partition.
to() { kcat -b "$BROKER" -t "$EVENTS" -P -p "$1" -k "$2" -X message.max.bytes=3000000 "$3"; }

huge_event BIG1 512000 > "$WORK/big1.json"
huge_event BIG2 2097152 > "$WORK/big2.json"
to 0 BIG1 "$WORK/big1.json"
to 1 BIG2 "$WORK/big2.json"
huge_event MID 200000 > "$WORK/mid.json"
to 2 MID "$WORK/mid.json"
printf '{oops' > "$WORK/bad.json"
for p in 0 1 2; do
  to "$p" "BAD$p" "$WORK/bad.json"
  good "G$p" > "$WORK/g$p.json" && to "$p" "G$p" "$WORK/g$p.json"
done
start_daemon
port=$(http_port)
has_all() { [ "$(consume "$DLQ" | wc -l)" -ge 6 ] && [ "$(consume "$ALERTS" | wc -l)" -ge 3 ]; }
wait_for 120 "6 dead letters and 3 alerts" has_all

kcat -b "$BROKER" -t "$DLQ" -C -e -q -f '%k\t%h\t%S\n' > "$WORK/dlq.tsv"
check_big() {  # key, file
  local line size sum
  line=$(grep -P "^$1\t" "$WORK/dlq.tsv") || fail "no dead letter for $1"
  size=$(stat -c %s "$2")
  sum=$(sha256sum "$2" | cut -d' ' -f1)
  grep -q "approvald.payload.truncated=true" <<<"$line" || fail "$1: not marked truncated"
  grep -q "approvald.payload.size=$size" <<<"$line" || fail "$1: no size $size in: ${line:0:2000}"
  grep -q "approvald.payload.sha256=$sum" <<<"$line" || fail "$1: no digest $sum"
  grep -q "approvald.reason=type: unknown event type '\\\\u009b2Jxxx.*…\[cut" <<<"$line" \
    || fail "$1: reason not escaped and cut: ${line:0:600}"
  [ "$(cut -f3 <<<"$line")" -le 1024 ] || fail "$1: payload not cut to 1 KiB"
  [ ${#line} -lt 4096 ] || fail "$1: dead letter of ${#line} bytes"
}
check_big BIG1 "$WORK/big1.json"
check_big BIG2 "$WORK/big2.json"
for p in 0 1 2; do grep -qP "^BAD$p\t.*approvald.reason=not valid JSON" "$WORK/dlq.tsv" || fail "no dead letter for BAD$p"; done
# The 200 KB dead letter, refused by the topic, described instead.
mid=$(grep -P "^MID\t" "$WORK/dlq.tsv") || fail "no dead letter standing for MID"
grep -q "approvald.reason.class=undeliverable" <<<"$mid" || fail "MID: not undeliverable: ${mid:0:600}"
grep -q "approvald.reason=undeliverable to $DLQ: msg_size_too_large" <<<"$mid" || fail "MID: reason: ${mid:0:600}"
grep -q "approvald.payload.sha256=" <<<"$mid" || fail "MID: no digest"
[ "$(consume "$ALERTS" | jq -r 'select(.rule_id == "proc-decision-without-acceptance") | .case_id' | sort | tr '\n' ' ')" = "G0 G1 G2 " ] \
  || fail "the alerts behind the oversized events did not all arrive"

# Nothing left behind, nothing stalled, nothing refused for good.
drained() {
  curl -s "127.0.0.1:$port/metrics" > "$WORK/metrics.txt"
  grep -q '^approvald_outbox_depth 0$' "$WORK/metrics.txt"
}
wait_for 30 "an empty outbox" drained
grep -q "^approvald_relay_permanent_failures_total{reason=\"msg_size_too_large\",topic=\"$DLQ\"} 1" "$WORK/metrics.txt" \
  || { grep permanent "$WORK/metrics.txt" >&2; fail "the refused dead letter was not counted once"; }
grep -q '"msg":"an outbox entry can never be delivered' "$WORK/daemon.log" || fail "the refusal was not logged"
! grep -q '^approvald_relay_stalled{.*} 1' "$WORK/metrics.txt" || fail "a partition is stalled"
# Ready (the broker probe may miss one round on a loaded machine: wait for the verdict).
ready() {
  [ "$(curl -s -o "$WORK/readyz.json" -w '%{http_code}' "127.0.0.1:$port/readyz")" = 200 ] && return 0
  [ $SECONDS -lt "$ready_by" ] || cat "$WORK/readyz.json" >&2  # the reasons, before failing
  return 1
}
ready_by=$((SECONDS + 29))
wait_for 30 "/readyz 200" ready
# The escape in the type never reaches the log raw.
! grep -q $'\xc2\x9b' "$WORK/daemon.log" || fail "a raw escape in the log"
stop_daemon
echo "ok: 500 KB and 2 MB events dead-lettered in bounded form, a refused one described; later dead letters and alerts arrived"
