#!/usr/bin/env bash
# Runs every fuzz target of BUILD_DIR for FUZZ_SECONDS each, on a fresh copy of its seeds in
# fuzz/corpus/<name>/. Inputs found and crash reproducers are kept under BUILD_DIR/fuzz-runs/.
# Exits non-zero if any target crashed, naming the reproducers.
set -uo pipefail

build_dir=${BUILD_DIR:-build-fuzz}
seconds=${FUZZ_SECONDS:-60}
fuzz_dir=$(cd "$(dirname "$0")" && pwd)
runs_dir="$build_dir/fuzz-runs"
targets=(http_request manifest jwt byte_range names scope config)

failed=()
for name in "${targets[@]}"; do
  binary="$build_dir/fuzz/${name}_fuzzer"
  work="$runs_dir/$name"
  rm -rf "$work/corpus"
  mkdir -p "$work/corpus" "$work/crashes"
  cp "$fuzz_dir/corpus/$name/"* "$work/corpus/"
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
           -artifact_prefix="$work/crashes/")
  [ -f "$fuzz_dir/$name.dict" ] && options+=(-dict="$fuzz_dir/$name.dict")
  echo "== $name: ${seconds}s"
  if ! "$binary" "${options[@]}" "$work/corpus" >"$work/log" 2>&1; then
    grep -E 'ERROR|SUMMARY|property does not hold|terminate|what\(\)|Test unit written' "$work/log" | head -20
    failed+=("$name")
  else
    grep -E '^stat::number_of_executed_units|^Done' "$work/log" | tr '\n' ' '
    echo
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found crashes in: ${failed[*]}" >&2
  for name in "${failed[@]}"; do
    echo "  $name: log $runs_dir/$name/log, reproducers:" >&2
    ls "$runs_dir/$name/crashes/" | sed "s|^|    $runs_dir/$name/crashes/|" >&2
  done
  echo "reproduce with: $build_dir/fuzz/<name>_fuzzer <reproducer>" >&2
  exit 1
fi
