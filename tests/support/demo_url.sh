# demo_url OUT PID: the dashboard URL that `approvald demo` (PID, writing to OUT) prints once it
# listens; waits up to 60 s, failing (with the caller's fail) if the demo exits or never says.
demo_url() {
  local out=$1 pid=$2 url=
  for _ in $(seq 600); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$out" || true)
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || fail "the demo exited before listening"
    sleep 0.1  # poll interval
  done
  [ -n "$url" ] || fail "no dashboard URL printed"
  echo "$url"
}
