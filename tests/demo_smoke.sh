#!/usr/bin/env bash
# `approvald demo` end to end over HTTP, with no broker: the dashboard and every JSON endpoint
# answer, alerts (a red card among them) arrive within a minute of simulated weeks, bad
# parameters get 400 with their names, the live feed streams, and Ctrl-C stops it cleanly and
# removes its temporary store.
set -euo pipefail
APPROVALD=${APPROVALD:?set APPROVALD to the binary}
out=$(mktemp)
err=$(mktemp)  # the daemon's log, and a sanitizer's reports: shown when the test fails
"$APPROVALD" demo --http-listen 127.0.0.1:0 --speed 40000 --duration 170 --seed 3 >"$out" 2>"$err" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$out" "$err"' EXIT
fail() {
  echo "FAIL: $*" >&2
  cat "$out" >&2
  echo "-- the last lines of its standard error:" >&2
  tail -n 60 "$err" >&2
  exit 1
}
source "$(dirname "$0")/support/demo_url.sh"
url=$(demo_url "$out" "$pid") || exit 1
store=$(grep -o '/[^ ]*approvald-demo-[^ /]*' "$out" | head -1)
echo "demo at $url (store under $store)"

code() { curl -s -o /dev/null -w '%{http_code}' "$url$1"; }
[ "$(code '')" = 200 ] || fail "/ is not served"
curl -s "$url" | grep -q '<script src="/app.js">' || fail "/ is not the dashboard"
[ "$(code app.js)" = 200 ] && [ "$(code openapi.yaml)" = 200 ] || fail "assets missing"

# A red card within 90 s (about six simulated weeks).
red=
for _ in $(seq 180); do
  red=$(curl -s "${url}api/v1/alerts?status=firing&level=red&limit=1" | jq -r '.alerts[0].case_id // empty')
  [ -n "$red" ] && break
  sleep 0.5
done
[ -n "$red" ] || fail "no red card within 90 s"
echo "red card on case $red"

overview=$(curl -s "${url}api/v1/overview")
[ "$(jq '.cases.open > 0 and (.agencies | length) >= 30' <<<"$overview")" = true ] ||
  fail "overview without open cases or agencies: $overview"
[ "$(jq -r '.service.mode' <<<"$overview")" = demo ] || fail "overview does not say demo"
[ "$(jq '.alerts_by_hour | length' <<<"$overview")" = 24 ] || fail "no 24 hourly buckets"
[ "$(jq '[.agencies[] | select(.status == "red")] | length > 0' <<<"$overview")" = true ] ||
  fail "no red agency on the board although a red card stands"

case_json=$(curl -s "${url}api/v1/cases/$red")
[ "$(jq -r .case_id <<<"$case_json")" = "$red" ] || fail "case view of $red"
[ "$(jq '[.alerts[] | select(.level == "red")] | length > 0' <<<"$case_json")" = true ] ||
  fail "the case view of $red shows no red card"

perf=$(curl -s "${url}api/v1/performance?by=item")
[ "$(jq '.by == "item" and (.total.decided >= 0)' <<<"$perf")" = true ] || fail "performance: $perf"

# Bad parameters: 400, every problem named.
bad=$(curl -s "${url}api/v1/performance?from=2026-13-01&by=x")
[ "$(jq '.errors | length' <<<"$bad")" = 2 ] || fail "performance errors: $bad"
[ "$(code 'api/v1/feed?level=purple')" = 400 ] || fail "feed accepted level=purple"
[ "$(code 'api/v1/overview?x=1')" = 400 ] || fail "overview accepted x=1"
[ "$(code 'api/v1/alerts?limit=0')" = 400 ] || fail "alerts accepted limit=0"
[ "$(code 'api/v1/cases/NOPE')" = 404 ] || fail "an unknown case is not 404"

# PUT /api/v1/rules: refused without this run's one-time token, taken with it (a bad body is 400).
token=$(grep -o 'Authorization: Bearer [0-9a-f]*' "$out" | awk '{print $3}')
[ "${#token}" = 32 ] || fail "no one-time token printed"
put() { curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' "$@" --data '{}' "${url}api/v1/rules"; }
[ "$(put)" = 401 ] || fail "PUT /api/v1/rules without a token is not 401"
[ "$(put -H "Authorization: Bearer $token")" = 400 ] || fail "PUT /api/v1/rules with the token"

# Hardening: another Host name, a cross-origin write, an unknown path with any method, HEAD.
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: rebind.example' "$url")" = 403 ] ||
  fail "a foreign Host is served"
[ "$(put -H "Authorization: Bearer $token" -H 'Origin: http://rebind.example')" = 403 ] ||
  fail "a cross-origin PUT is not refused"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "${url}nope")" = 404 ] || fail "DELETE /nope"
[ "$(curl -s -I "${url}healthz" | grep -ci '^content-length: [1-9]')" = 1 ] || fail "HEAD /healthz"

# The live feed: Server-Sent Events with ids, from the backlog at once.
events=$(curl -s -N --max-time 3 "${url}api/v1/feed" || true)
grep -q '^event: alert$' <<<"$events" || fail "the feed sent no alert event"
grep -q '^id: [0-9]*$' <<<"$events" || fail "the feed's events carry no id"

kill -INT $pid
wait $pid || fail "the demo exited with $? after Ctrl-C"
[ ! -e "$store" ] || fail "the temporary store $store was left behind"
# Nothing produced was lost on the in-process cluster (it drops what exceeds ~5 MiB a partition).
summary=$(grep -o '[0-9]* events of [0-9]* cases produced, [0-9]* consumed' "$out") || fail "no closing summary"
produced=$(awk '{print $1}' <<<"$summary")
consumed=$(awk '{print $7}' <<<"$summary")
echo "$summary"
[ "$produced" -gt 1000 ] && [ "$consumed" -eq "$produced" ] || fail "produced $produced, consumed $consumed"
echo "demo smoke test passed"
