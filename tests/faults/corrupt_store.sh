#!/usr/bin/env bash
# A damaged store: bytes flipped inside the table files that hold the case states. The daemon
# detects it (RocksDB's block checksums), refuses to go on with a clear message and exit code 1,
# and never writes over the damaged files; `store dump` reports the damage too.
TEST_NAME=corrupt
source "$(dirname "$0")/lib.sh"
if [ "$SANITIZED" = 1 ]; then CASES=${CORRUPT_CASES:-1000}; else CASES=${CORRUPT_CASES:-5000}; fi
make_stream "$CASES"
new_run damaged
head -n $((total / 2)) "$WORK/events.tsv" | kcat -b "$BROKER" -t "$EVENTS" -P -K $'\t' -z lz4
half=$((total / 2))
start_daemon
reached() { [ "$(consumed)" -ge "$half" ]; }
wait_for 600 "the first half of the stream" reached
stop_daemon
# A start flushes what the log recovered into table files; stop again before damaging them.
# (A fresh log: the HTTP port is read from it, and a stop before the daemon listens would find
# it without its signal handlers.)
mv "$WORK/daemon.log" "$WORK/daemon.first.log"
start_daemon
http_port >/dev/null
stop_daemon
store="$WORK/data/store"
ls "$store"/*.sst >/dev/null 2>&1 || fail "no table files to damage"
for f in "$store"/*.sst; do
  size=$(stat -c %s "$f")
  # 64 bytes of noise a quarter into each file: inside its data blocks, before index and footer.
  printf '%064d' 0 | tr 0 '\377' | dd of="$f" bs=1 seek=$((size / 4)) conv=notrunc 2>/dev/null
done
sha256sum "$store"/*.sst > "$WORK/damaged.sums"

# The second half touches the same cases: every batch has to read damaged blocks.
tail -n +$((half + 1)) "$WORK/events.tsv" | kcat -b "$BROKER" -t "$EVENTS" -P -K $'\t' -z lz4
start_daemon
pid=$DAEMON_PID
exited() { ! kill -0 "$pid" 2>/dev/null; }
wait_for 300 "the daemon to stop on the damaged store" exited
rc=0; wait "$pid" || rc=$?
DAEMON_PID=""
[ "$rc" -eq 1 ] || { tail -5 "$WORK/daemon.log" >&2; fail "exit code $rc, not 1"; }
grep -q "the store is damaged" "$WORK/daemon.log" || { tail -5 "$WORK/daemon.log" >&2; fail "no clear message"; }
grep "the store is damaged" "$WORK/daemon.log" | head -1 | jq -r .error | grep -qi corruption \
  || fail "the message does not name the corruption"
# Every damaged file is still there, byte for byte (compaction may add files, never rewrite these).
sha256sum -c --quiet "$WORK/damaged.sums" || fail "damaged table files were changed"
if "$APPROVALD" store dump --data-dir "$WORK/data" > /dev/null 2> "$WORK/dump.err"; then
  fail "store dump read the damaged store without a word"
fi
grep -qi corrupt "$WORK/dump.err" || fail "store dump does not report the damage"
echo "ok: damaged table files detected; the daemon stopped with exit 1 and '$(grep -m1 'the store is damaged' "$WORK/daemon.log" | jq -r .msg)'; nothing was written over them"
