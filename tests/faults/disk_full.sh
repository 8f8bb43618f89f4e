#!/usr/bin/env bash
# The data directory on a small filesystem (a tmpfs with a size) that is full while the stream
# waits: the daemon stops advancing, says why (log, approvald_store_errors_total, /readyz), loses
# nothing, and goes on by itself once space is freed; the end equals an uninterrupted run's.
# Needs root (mount); elsewhere it skips (exit 77).
TEST_NAME=diskfull
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "skipped: mounting a tmpfs needs root"; exit 77; }
if [ "$SANITIZED" = 1 ]; then CASES=${DISK_CASES:-2000}; else CASES=${DISK_CASES:-10000}; fi
make_stream "$CASES"
run_stream calm

mnt="$WORK/data"
unmount() { umount "$mnt" 2>/dev/null || true; }
trap 'crash_daemon; unmount; cleanup' EXIT
new_run full
# Commits wait below 32 MiB free; the filler leaves 16 MiB, so RocksDB's own flushes still fit.
sed -i 's/^store: {sync: false}$/store: {sync: false, write_buffer_mb: 8, min_free_mb: 32}/' "$WORK/approvald.yaml"
grep -q "min_free_mb: 32" "$WORK/approvald.yaml" || fail "could not set store.min_free_mb"
mkdir -p "$mnt"
mount -t tmpfs -o size=256m tmpfs "$mnt" || { echo "skipped: cannot mount a tmpfs here"; exit 77; }
kcat -b "$BROKER" -t "$EVENTS" -P -K $'\t' -z lz4 < "$WORK/events.tsv"
# Full before the daemon starts, with the whole stream waiting, so that its first commit meets the
# full disk however fast this machine is. (Filling it once a quarter of the stream was consumed
# raced: a sanitizer build drained its 2,000 cases before the filler was written, then had nothing
# to commit, and nothing reported the full disk.) The store exists already, holding the rules, as
# after a restart: opening it fits in what is left, and the commits wait below store.min_free_mb.
# (A first start, which must store the rules, refuses to start on a full disk and says so.)
"$APPROVALD" rules apply --data-dir "$WORK/data" --pack "$ROOT/rules/packs/cn-admin-licensing" \
  --pack "$ROOT/rules/packs/example-penalty-benchmark" \
  --calendar "$ROOT/config/calendars/cn-mainland.yaml" >/dev/null || fail "cannot seed the store's rules"
free_kb=$(df -k --output=avail "$mnt" | tail -1)
fallocate -l $(( (free_kb - 16 * 1024) * 1024 )) "$mnt/filler" || fail "cannot fill the disk"
note "free after filling: $(df -h --output=avail "$mnt" | tail -1)"
start_daemon
port=$(http_port)
status() { curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$port$1"; }
write_errors() { curl -s "127.0.0.1:$port/metrics" | awk '/^approvald_store_errors_total\{op="write"\}/ {print $2 + 0}'; }
failing() { curl -s "127.0.0.1:$port/readyz" | grep -q "store writes failing"; }
wait_for 300 "/readyz to report failing writes" failing
[ "$(status /healthz)" = 200 ] || fail "/healthz must stay 200 while the disk is full"
[ "$(write_errors)" -ge 1 ] || fail "approvald_store_errors_total{op=\"write\"} did not count"
grep "store commit failed; retrying" "$WORK/daemon.log" | grep -q "MiB free" || fail "the log does not say why"
stuck=$(consumed)
[ "$stuck" -lt "$total" ] || fail "the whole stream was committed on a full disk"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died on a full disk"
note "freeing the space (consumed: $stuck)"
rm -f "$mnt/filler"
writes_ok() { ! failing; }
wait_for 300 "writes to succeed again" writes_ok
finish_run full
compare_runs calm full
echo "ok: $total events, the disk full with $stuck committed: the daemon stopped, said why, and went on by itself once space was freed; $CASES case states and $standing_n standing alerts equal an uninterrupted run"
