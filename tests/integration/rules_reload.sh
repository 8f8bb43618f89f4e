#!/usr/bin/env bash
# Rules applied while running (SIGHUP, then PUT /api/v1/rules): alerts after the switch carry the new version; an invalid
# pack is refused with its errors and the running version stays; the store keeps the history.
TEST_NAME=reload
source "$(dirname "$0")/lib.sh"
make_topics 1
mkdir -p "$WORK/pack"
cp "$ROOT/rules/packs/cn-admin-licensing/pack.yaml" "$WORK/pack/pack.yaml"
RULES_TOKEN_FILE="$WORK/rules.token"
echo "it-token-$RUN_ID" > "$RULES_TOKEN_FILE"
write_config "$WORK/pack"
start_daemon

decided() {  # id: a decision on a case never accepted -> a red card from proc-decision-without-acceptance
  produce_raw "$1" "{\"schema\":\"approval.event/v1\",\"event_id\":\"$1\",\"case_id\":\"$1\",\"type\":\"decided\",\"occurred_at\":\"2026-03-03T09:00:00+08:00\",\"agency\":\"A\",\"item\":\"I\",\"data\":{\"outcome\":\"denied\",\"reason\":\"r\"}}"
}
pack_of() {  # case -> rule_pack of its off-system alert
  consume "$ALERTS" | jq -r --arg c "$1" 'select(.case_id == $c and .rule_id == "proc-decision-without-acceptance") | .rule_pack' | head -1
}
has_pack() { [ "$(pack_of "$1")" = "$2" ]; }
logged() { grep -q "$1" "$WORK/daemon.log"; }

# An open case, re-judged under each version that comes into force.
produce_raw O1 '{"schema":"approval.event/v1","event_id":"o1","case_id":"O1","type":"received","occurred_at":"2026-03-02T09:00:00+08:00","agency":"A","item":"I"}'
decided R1
wait_for 60 "R1 under version 2026.1" has_pack R1 cn-admin-licensing@2026.1

sed -i 's/^version: "2026.1"/version: "2026.2"/' "$WORK/pack/pack.yaml"
kill -HUP "$DAEMON_PID"
wait_for 30 "the new version applied" logged '"msg":"rules applied"'
decided R2
wait_for 60 "R2 under version 2026.2" has_pack R2 cn-admin-licensing@2026.2

# An invalid pack: refused, every error logged with its place, the running version stays.
sed -i 's/^    kind: check$/    kind: chekc/' "$WORK/pack/pack.yaml"
kill -HUP "$DAEMON_PID"
wait_for 30 "the refusal" logged 'reload refused'
grep 'reload refused' "$WORK/daemon.log" | grep -q "pack.yaml:[0-9]*:[0-9]*: rule alp-32-one-time-notice.kind: 'chekc' is not clock" \
  || { grep 'reload refused' "$WORK/daemon.log" >&2; fail "the refusal does not name the error and its place"; }
decided R3
wait_for 60 "R3 still under 2026.2" has_pack R3 cn-admin-licensing@2026.2

# The same through PUT /api/v1/rules, behind the bearer token.
port=$(http_port)
put_rules() {  # token file-with-pack -> HTTP status; body in $WORK/put.json
  jq -n --rawfile y "$2" '{packs: [{name: "pack.yaml", yaml: $y}]}' \
    | curl -s -o "$WORK/put.json" -w '%{http_code}' -X PUT -H "Authorization: Bearer $1" \
        -H 'Content-Type: application/json' --data-binary @- "127.0.0.1:$port/api/v1/rules"
}
sed -e 's/^version: .*/version: "2026.3"/' "$ROOT/rules/packs/cn-admin-licensing/pack.yaml" > "$WORK/v3.yaml"
[ "$(put_rules wrong-token "$WORK/v3.yaml")" = 401 ] || fail "a wrong token was not refused with 401"
sed -e 's/^    kind: check$/    kind: chekc/' "$WORK/v3.yaml" > "$WORK/v3-bad.yaml"
[ "$(put_rules "it-token-$RUN_ID" "$WORK/v3-bad.yaml")" = 422 ] || { cat "$WORK/put.json" >&2; fail "an invalid pack was not refused with 422"; }
jq -e '.diagnostics[] | select(.text | test("pack.yaml:[0-9]+:[0-9]+: rule alp-32-one-time-notice.kind"))' "$WORK/put.json" >/dev/null \
  || { cat "$WORK/put.json" >&2; fail "the 422 does not name the error and its place"; }
[ "$(put_rules "it-token-$RUN_ID" "$WORK/v3.yaml")" = 200 ] || { cat "$WORK/put.json" >&2; fail "a valid PUT was not applied"; }
jq -e '.version == 3 and .rule_packs == "cn-admin-licensing@2026.3"' "$WORK/put.json" >/dev/null || { cat "$WORK/put.json" >&2; fail "the PUT answer does not name version 3"; }
decided R4
wait_for 60 "R4 under 2026.3" has_pack R4 cn-admin-licensing@2026.3
stop_daemon

"$APPROVALD" rules list --data-dir "$WORK/data" > "$WORK/list.txt"
grep -q '^  version 1 .*cn-admin-licensing@2026.1 .*(seeded from the configuration)' "$WORK/list.txt" || { cat "$WORK/list.txt" >&2; fail "history lacks version 1"; }
grep -q '^  version 2 .*cn-admin-licensing@2026.2 .*(SIGHUP)' "$WORK/list.txt" || { cat "$WORK/list.txt" >&2; fail "version 2 is not in the history"; }
grep -q '^\* version 3 .*cn-admin-licensing@2026.3 .*(PUT /api/v1/rules)' "$WORK/list.txt" || { cat "$WORK/list.txt" >&2; fail "version 3 is not in force"; }
[ "$(wc -l < "$WORK/list.txt")" -eq 3 ] || fail "a refused pack was stored"

# A version applied while stopped: the next start re-judges the open cases under it (in slices,
# between batches) and records that it did; the start after that does not do it again.
sed -e 's/^version: .*/version: "2026.4"/' "$ROOT/rules/packs/cn-admin-licensing/pack.yaml" > "$WORK/pack/pack.yaml"
"$APPROVALD" rules apply --data-dir "$WORK/data" --pack "$WORK/pack" \
  --calendar "$ROOT/config/calendars/cn-mainland.yaml" > /dev/null
rejudged_v4() { grep '"msg":"cases re-evaluated under the new rules"' "$WORK/daemon.log" | grep -q '"version":"4"'; }
start_daemon
wait_for 60 "the re-evaluation under version 4" rejudged_v4
cases=$(grep '"msg":"cases re-evaluated under the new rules"' "$WORK/daemon.log" | grep '"version":"4"' | jq -r .cases)
[ "$cases" -ge 1 ] || fail "the open case O1 was not re-judged under version 4 ($cases cases)"
stop_daemon
before=$(grep -c 're-judged under the rule version in force' "$WORK/daemon.log")
[ "$before" -eq 1 ] || fail "the start after the offline apply did not say it re-judges ($before)"
assigned_count() { grep -c '"msg":"partition assigned"' "$WORK/daemon.log"; }
assigned=$(assigned_count)
start_daemon
third_assigned() { [ "$(assigned_count)" -gt "$assigned" ]; }
wait_for 60 "the partition assigned again" third_assigned
stop_daemon
[ "$(grep -c 're-judged under the rule version in force' "$WORK/daemon.log")" -eq 1 ] \
  || fail "a start after a finished re-evaluation re-judged again"
echo "ok: switched to 2026.2 on SIGHUP and 2026.3 by PUT, refused invalid packs and a wrong token, history kept; 2026.4 applied offline re-judged at the next start, once"
