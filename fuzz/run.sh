#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each: fuzz/run.sh BUILD_DIR SECONDS.
# New inputs go to BUILD_DIR/corpus/<target> (the committed seeds in fuzz/corpus/<target> are read,
# never written); crashes to BUILD_DIR/artifacts/. Exits non-zero on the first target that fails,
# after printing the end of its log (the failing input and the stack).
set -euo pipefail
build=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
for target in http_request workflow_input; do
  mkdir -p "$build/corpus/$target" "$build/artifacts"
  log="$build/fuzz_$target.log"
  echo "fuzz_$target: ${seconds}s"
  status=0
  "$build/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=4096 \
    -artifact_prefix="$build/artifacts/$target-" "$build/corpus/$target" "$here/corpus/$target" \
    >"$log" 2>&1 || status=$?
  grep -E '^(stat::|#[0-9]+ +DONE|==|SUMMARY|INFO: (Seed|Loaded))|runtime error|ERROR' "$log" || true
  if [ "$status" -ne 0 ]; then
    echo "fuzz_$target failed (exit $status); the input is in $build/artifacts/. End of its log:"
    tail -n 60 "$log"
    exit 1
  fi
done
