#!/usr/bin/env bash
# The data directory on a small filesystem (a tmpfs with a size) that fills up mid-run: the
# daemon stops advancing, says why (log, approvald_store_errors_total, /readyz), loses nothing,
# and goes on by itself once space is freed; the end equals an uninterrupted run's.
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
start_daemon
port=$(http_port)
status() { curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$port$1"; }
write_errors() { curl -s "127.0.0.1:$port/metrics" | awk '/^approvald_store_errors_total\{op="write"\}/ {print $2 + 0}'; }
quarter() { [ "$(consumed)" -ge $((total / 4)) ]; }
wait_for 600 "a quarter of the stream" quarter
note "filling the disk after $(consumed) of $total events"
free_kb=$(df -k --output=avail "$mnt" | tail -1)
fallocate -l $(( (free_kb - 16 * 1024) * 1024 )) "$mnt/filler" || fail "cannot fill the disk"
note "free after filling: $(df -h --output=avail "$mnt" | tail -1)"
failing() { curl -s "127.0.0.1:$port/readyz" | grep -q "store writes failing"; }
# (The daemon may still be consuming when the disk fills, or have caught up and only fire timers:
# either way its next commit waits.)
wait_for 300 "/readyz to report failing writes" failing
[ "$(status /healthz)" = 200 ] || fail "/healthz must stay 200 while the disk is full"
[ "$(write_errors)" -ge 1 ] || fail "approvald_store_errors_total{op=\"write\"} did not count"
grep "store commit failed; retrying" "$WORK/daemon.log" | grep -q "MiB free" || fail "the log does not say why"
stuck=$(consumed)
[ "$stuck" -lt "$total" ] || fail "the disk filled only after the whole stream was consumed"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died on a full disk"
note "freeing the space (consumed: $stuck)"
rm -f "$mnt/filler"
writes_ok() { ! failing; }
wait_for 300 "writes to succeed again" writes_ok
finish_run full
compare_runs calm full
echo "ok: $total events, the disk full after $stuck: the daemon stopped, said why, and went on by itself once space was freed; $CASES case states and $standing_n standing alerts equal an uninterrupted run"
