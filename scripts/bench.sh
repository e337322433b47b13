#!/usr/bin/env bash
# Runs every benchmark of docs/benchmarks.md and writes the results to $OUT (default
# build/bench/results). Usage:
#   scripts/bench.sh [--quick] [--jobs N] [--build-dir DIR] [--out DIR] [--profile PATH]
# Needs: libseccomp-dev, libbenchmark-dev, nlohmann-json3-dev (scripts/setup.sh installs them);
# the live syscall timings need seccomp (any Linux >= 3.17; the cache needs >= 5.11).
# Timings are noisy on a loaded machine: run it on an idle one; the instruction counts are exact.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
jobs=$(nproc)
build=build/bench
out=
profile=tests/data/docker-default.json
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1 ;;
    --jobs) jobs=$2; shift ;;
    --build-dir) build=$2; shift ;;
    --out) out=$2; shift ;;
    --profile) profile=$2; shift ;;
    *) echo "usage: $0 [--quick] [--jobs N] [--build-dir DIR] [--out DIR] [--profile PATH]" >&2; exit 2 ;;
  esac
  shift
done
out=${out:-$build/results}
mkdir -p "$out"

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSYSFENCE_BUILD_BENCH=ON \
  -DSYSFENCE_BUILD_TESTS=OFF -DSYSFENCE_WERROR=ON >/dev/null
targets=(sysfence_bench_compare sysfence_bench_timing sysfence_bench_startup)
if ninja -C "$build" -t targets all 2>/dev/null | grep -q '^sysfence_bench_capi:'; then
  targets+=(sysfence_bench_capi)
fi
cmake --build "$build" -j"$jobs" --target "${targets[@]}"
bin=$build/bench

q=(); gb_reps=11; gb_min=0.5
if [[ $quick == 1 ]]; then q=(--quick); gb_reps=3; gb_min=0.1; fi

echo "== 1. side-by-side driver (instructions, length, compile time, live syscalls)"
"$bin/sysfence_bench_compare" --profile "$profile" --fifo "${q[@]}" | tee "$out/compare.md"

echo "== 1b. Docker's profile with Docker's default container capabilities (no live part)"
"$bin/sysfence_bench_compare" --profile "$profile" --caps docker --no-live "${q[@]}" \
  | tee "$out/compare-container-caps.md"

echo "== 2. Google Benchmark: compile / export times"
"$bin/sysfence_bench_timing" --policy-profile "$profile" --benchmark_repetitions="$gb_reps" \
  --benchmark_report_aggregates_only=true --benchmark_min_time="$gb_min" \
  | tee "$out/timing-compile.txt"

echo "== 3. Google Benchmark: syscall cost under each filter (one process per filter, $gb_reps repetitions)"
: >"$out/timing-syscalls.txt"
for under in none sysfence libseccomp-default libseccomp-tree; do
  "$bin/sysfence_bench_timing" --under "$under" --benchmark_repetitions="$gb_reps" \
    --benchmark_report_aggregates_only=true --benchmark_min_time="$gb_min" \
    | tee -a "$out/timing-syscalls.txt"
done

if [[ -x $bin/sysfence_bench_capi ]]; then
  echo "== 4. C API: sysfence-seccomp vs libseccomp"
  "$bin/sysfence_bench_capi" --profile "$profile" "${q[@]}" | tee "$out/capi.md"
else
  echo "== 4. C API: SKIPPED (src/compat not built)" | tee "$out/capi.md"
fi
echo "== 5. start-up: whole processes (sysfence run / compile vs bwrap and a libseccomp C program)"
"$bin/sysfence_bench_startup" "${q[@]}" --dat "$out/startup.dat" | tee "$out/startup.md"

echo "== 6. argument-heavy policies (issue 11): length, executed instructions, compile time vs K"
"$bin/sysfence_bench_compare" --synthetic --dat-dir "$out" "${q[@]}" | tee "$out/synthetic.md"

echo "== 7. dispatch weighting: the trade-off curve (Docker's profile, both capability sets; Podman's)"
"$bin/sysfence_bench_compare" --profile "$profile" --tradeoff --dat-dir "$out" | tee "$out/tradeoff.md"

if command -v gnuplot >/dev/null; then
  echo "== charts: docs/chart-*.png"
  gnuplot -e "dat='$out'; out='docs'" scripts/plots/charts.gp
else
  echo "== charts: SKIPPED (gnuplot missing: apt-get install gnuplot-nox)"
fi

echo "results in $out"
