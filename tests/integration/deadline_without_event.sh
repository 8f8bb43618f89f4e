#!/usr/bin/env bash
# A case that never receives another event still gets its deadline alert on time, from the
# timer index and the wall clock, with an hours-unit pack.
TEST_NAME=deadline
source "$(dirname "$0")/lib.sh"
make_topics 1
cat > "$WORK/pack.yaml" <<'PACK'
pack: it-hours
version: "1"
rules:
  - id: respond-1h
    title: respond within one hour
    kind: clock
    start: received
    stop: accepted
    limit: {hours: 1}
    stages:
      - {level: red, at: due}
PACK
write_config "$WORK/pack.yaml"
# Received 59 min 55 s ago: due in 5 s, and nothing else will ever arrive.
at=$(date -u -d '-3595 seconds' +%Y-%m-%dT%H:%M:%SZ)
produce_raw H1 "{\"schema\":\"approval.event/v1\",\"event_id\":\"h1\",\"case_id\":\"H1\",\"type\":\"received\",\"occurred_at\":\"$at\",\"agency\":\"A\",\"item\":\"I\"}"
start_daemon
has_alert() { consume "$ALERTS" | jq -e 'select(.alert_id == "H1/respond-1h/red/1" and .status == "firing")' >/dev/null; }
wait_for 60 "the red card" has_alert
fired=$(consume "$ALERTS" | jq -r 'select(.alert_id == "H1/respond-1h/red/1") | .fired_at')
stop_daemon
echo "ok: red card for H1 fired at $fired with no further event"
