#!/usr/bin/env bash
# `make bench`: runs every benchmark of bench/ from BUILD_DIR (bench/run_all.sh BUILD_DIR), each
# printing its figures and its ratios against the baseline it measures in the same run.
# BENCH_SECONDS (default 3) sets each phase's length.
set -euo pipefail
build=${1:-build}
seconds=${BENCH_SECONDS:-3}
echo "== journal_bench (store vs autocommit and hand-batched SQLite)"
"$build/bench/journal_bench" --seconds "$seconds" --rounds 3
echo "== engine_bench (5-step runs vs the hand-batched ceiling)"
"$build/bench/engine_bench" --seconds "$seconds"
echo "== http_bench (bench.steps over HTTP vs /healthz)"
"$build/bench/http_bench" --seconds "$seconds" --cairn "$build/cli/cairn"
