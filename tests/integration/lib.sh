# Shared helpers for the integration tests: each test gets its own topics, consumer group and
# data directory on the real broker started by scripts/kafka, so tests never see each other.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
APPROVALD=${APPROVALD:?path of the approvald binary}
BROKER=${BOOTSTRAP:-127.0.0.1:9092}
NAME=${TEST_NAME:-t$$}
RUN_ID="$NAME-$(date +%s%N)"
WORK=$(mktemp -d "/tmp/approvald-it-$NAME.XXXXXX")
EVENTS="it.$RUN_ID.events"
ALERTS="it.$RUN_ID.alerts"
DLQ="it.$RUN_ID.dlq"
CHANGELOG="it.$RUN_ID.changelog"
DAEMON_PID=""

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "-- $*" >&2; }

cleanup() {
  [ -n "$DAEMON_PID" ] && kill -9 "$DAEMON_PID" 2>/dev/null || true
  if [ -n "${KEEP_WORK:-}" ]; then
    echo "work directory kept: $WORK (topics it.$NAME-*)" >&2
  else
    rm -rf "$WORK"
    # Each run's topics hold up to hundreds of MiB: leave the broker as it was found.
    "$ROOT/scripts/kafka" delete "it\\.${NAME}-.*" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

kcat_ok() { kcat -b "$BROKER" -L -m 3 >/dev/null 2>&1 || fail "no broker at $BROKER: start it with scripts/kafka start"; }

make_topics() {  # events partitions
  kcat_ok
  "$ROOT/scripts/kafka" topic "$EVENTS" "${1:-6}"
  "$ROOT/scripts/kafka" topic "$ALERTS" 3
  "$ROOT/scripts/kafka" topic "$DLQ" 1
  TOPIC_CONFIG=cleanup.policy=compact "$ROOT/scripts/kafka" topic "$CHANGELOG" "${1:-6}"
}

# write_config [packs...]: a daemon configuration for this test's topics and data directory.
write_config() {
  local packs=("$@")
  [ ${#packs[@]} -gt 0 ] || packs=("$ROOT/rules/packs/cn-admin-licensing" "$ROOT/rules/packs/example-penalty-benchmark")
  {
    echo "data_dir: $WORK/data"
    echo "kafka:"
    echo "  bootstrap_servers: $BROKER"
    echo "  group_id: it-$RUN_ID"
    echo "  instance_id: it-$RUN_ID-1"
    echo "  topics: {events: $EVENTS, alerts: $ALERTS, dead_letters: $DLQ, changelog: $CHANGELOG}"
    echo "  poll_timeout_ms: 50"
    echo "  properties: {session.timeout.ms: '6000'}"
    # EXACTLY_ONCE=1: commits as Kafka transactions (docs/adr/0013).
    [ -z "${EXACTLY_ONCE:-}" ] || echo "  exactly_once: true"
    echo "rules:"
    echo "  packs:"
    for p in "${packs[@]}"; do echo "    - $p"; done
    echo "  calendar: $ROOT/config/calendars/cn-mainland.yaml"
    echo "store: {sync: false}"
    echo "http:"
    echo "  listen: '127.0.0.1:0'"  # any free port: tests run in parallel
    [ -z "${RULES_TOKEN_FILE:-}" ] || echo "  rules_token_file: $RULES_TOKEN_FILE"
  } > "$WORK/approvald.yaml"
}

# http_port: the port the running daemon logged (waits for it).
http_port() {
  port_logged() { grep -q '"http_port"' "$WORK/daemon.log"; }
  wait_for 30 "the HTTP port" port_logged
  grep '"http_port"' "$WORK/daemon.log" | jq -r .http_port | tail -1
}

start_daemon() {
  "$APPROVALD" run --config "$WORK/approvald.yaml" >>"$WORK/daemon.log" 2>&1 &
  DAEMON_PID=$!
}

stop_daemon() {  # graceful
  [ -n "$DAEMON_PID" ] || return 0
  kill -TERM "$DAEMON_PID"
  local rc=0
  wait "$DAEMON_PID" || rc=$?
  DAEMON_PID=""
  [ $rc -eq 0 ] || { tail -20 "$WORK/daemon.log" >&2; fail "daemon exited with $rc on SIGTERM"; }
}

crash_daemon() {  # kill -9
  [ -n "$DAEMON_PID" ] || return 0
  kill -9 "$DAEMON_PID" 2>/dev/null || true
  wait "$DAEMON_PID" 2>/dev/null || true
  DAEMON_PID=""
}

# produce FILE: JSON lines keyed by their case_id.
produce() {
  jq -rc '"\(.case_id)\t\(tojson)"' "$1" | kcat -b "$BROKER" -t "$EVENTS" -P -K $'\t' -z lz4
}

# produce_raw KEY VALUE: one message exactly as given.
produce_raw() { printf '%s\t%s\n' "$1" "$2" | kcat -b "$BROKER" -t "$EVENTS" -P -K $'\t'; }

consume() {  # topic -> JSON lines on stdout (everything so far)
  kcat -b "$BROKER" -t "$1" -C -e -q 2>/dev/null
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls until COMMAND succeeds.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if [ $SECONDS -ge $deadline ]; then
      tail -20 "$WORK/daemon.log" >&2 || true
      fail "timed out after ${seconds}s waiting for $what"
    fi
    sleep 0.1  # poll interval
  done
}

# settled TOPIC: true once the topic's message count has not changed since the last call (poll it
# with wait_for: the daemon has finished firing and relaying).
settled_count=-1
settled() {
  local n
  n=$(consume "$1" | wc -l)
  if [ "$n" -gt 0 ] && [ "$n" -eq "$settled_count" ]; then return 0; fi
  settled_count=$n
  sleep 1  # poll interval: one second without new messages counts as settled
  return 1
}

# Standing alerts: the last word per alert id, retracted ones left out, sorted.
standing() {
  jq -sc 'group_by(.alert_id) | map(last) | map(select(.resolution != "retracted"))
          | map({alert_id, status, resolution, due_at, fired_at, resolved_at}) | sort_by(.alert_id)'
}
