#!/usr/bin/env bash
# Builds the fuzz preset (clang, libFuzzer, ASan+UBSan) and runs every fuzz target of tests/fuzz
# for a bounded time each, starting from its seed corpus (corpus/<name>/). Inputs it finds that
# add coverage are kept in build/fuzz/fuzz-run/<name>/corpus between runs, never in the repo.
#   tests/fuzz/run.sh [SECONDS_PER_TARGET [TARGET...]]   (default 15 s, every target; CI: scripts/test)
# Any crash, leak, timeout or out-of-memory fails the script after all targets ran, and the
# reproducer's path is printed. Per target: <name>.dict (a libFuzzer dictionary) and <name>.options
# (extra libFuzzer flags on one line, e.g. -max_len=16384) are used when present.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds="${1:-15}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: tests/fuzz/run.sh [SECONDS_PER_TARGET [TARGET...]]  (whole seconds, at least 1)" >&2
  exit 2
fi
shift $(($# > 0 ? 1 : 0))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for src in tests/fuzz/*_fuzz.cc; do targets+=("$(basename "$src" _fuzz.cc)"); done
fi
for t in "${targets[@]}"; do
  [ -f "tests/fuzz/${t}_fuzz.cc" ] || { echo "run.sh: no fuzz target '$t' (tests/fuzz/${t}_fuzz.cc)" >&2; exit 2; }
done

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
# The seeds and every crash ever found first: a regression is reported as one, not as a finding.
ctest --preset fuzz

bin=build/fuzz/tests/fuzz
work=build/fuzz/fuzz-run
mkdir -p "$work"

failed=()
for t in "${targets[@]}"; do
  dir="$work/$t"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  rm -f "$dir"/artifacts/*
  flags=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=1024
         -max_len=4096 -print_final_stats=1 -artifact_prefix="$dir/artifacts/")
  [ -f "tests/fuzz/$t.dict" ] && flags+=(-dict="tests/fuzz/$t.dict")
  if [ -f "tests/fuzz/$t.options" ]; then
    read -ra extra <"tests/fuzz/$t.options"
    flags+=("${extra[@]}")  # libFuzzer takes the last of a repeated flag
  fi
  echo "== fuzz: $t for ${seconds}s"
  rc=0
  "$bin/fuzz_$t" "${flags[@]}" "$dir/corpus" "tests/fuzz/corpus/$t" >"$dir/log" 2>&1 || rc=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)"
  found=()
  for a in "$dir"/artifacts/*; do
    [ -e "$a" ] || continue
    case "$(basename "$a")" in slow-unit-*) continue ;; esac
    found+=("$a")
  done
  if [ "$rc" -ne 0 ] || [ ${#found[@]} -gt 0 ]; then
    failed+=("$t")
    grep -E 'fuzz invariant broken|^==[0-9]+==|SUMMARY|ERROR: libFuzzer|^ *#[0-9] ' "$dir/log" | head -20 || true
    echo "fuzz: $t FAILED (exit $rc); log: $dir/log"
    for a in "${found[@]}"; do
      echo "fuzz: reproducer: $a   (rerun: $bin/fuzz_$t $a)"
    done
    echo "| $t | ${execs:-?} | $seconds | ${#found[@]}: $(basename -a "${found[@]}" 2>/dev/null | tr '\n' ' ') |" >"$dir/result"
  else
    echo "fuzz: $t ok, ${execs:-?} executions"
    echo "| $t | ${execs:-?} | $seconds | none |" >"$dir/result"
  fi
done

echo "| target | executions | seconds | findings |"
echo "|---|---:|---:|---|"
for t in "${targets[@]}"; do cat "$work/$t/result"; done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]}: keep each reproducer under tests/fuzz/crashes/<target>/ until fixed" >&2
  exit 1
fi
