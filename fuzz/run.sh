#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each: fuzz/run.sh BUILD_DIR SECONDS.
# New inputs go to BUILD_DIR/corpus/<target> (the committed seeds in fuzz/corpus/<target> are read,
# never written); crashes to BUILD_DIR/artifacts/. Exits non-zero on the first target that fails.
set -euo pipefail
build=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
for target in http_request workflow_input; do
  mkdir -p "$build/corpus/$target" "$build/artifacts"
  echo "fuzz_$target: ${seconds}s"
  "$build/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=4096 \
    -artifact_prefix="$build/artifacts/$target-" "$build/corpus/$target" "$here/corpus/$target" 2>&1 |
    grep -E '^(stat::|#[0-9]+ +DONE|==|SUMMARY|INFO: (Seed|Loaded))|runtime error|ERROR' || true
  test "${PIPESTATUS[0]}" -eq 0
done
