#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/) with clang + ASan in build/fuzz and runs each one for a
# bounded time, starting from the committed seed corpus (fuzz/corpus/<harness>). New inputs go to
# build/fuzz/corpus-<harness>; a crash, leak, sanitizer report or an input that takes longer
# than the timeout fails the script and leaves the reproducer (crash-*, leak-*, timeout-*) in
# build/fuzz.
#
#   scripts/fuzz.sh            # 60 s per harness, all harnesses (as many at once as cores)
#   scripts/fuzz.sh 600        # longer
#   scripts/fuzz.sh 30 oci_import capi
#
# Inputs may be up to 1 MiB (SYSFENCE_FUZZ_MAX_LEN), so the fuzzer can reach the sizes where
# chains, nesting and rule counts used to crash or hang (issue 8); each input must finish within
# SYSFENCE_FUZZ_TIMEOUT seconds (default 10, under ASan).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(policy_parser oci_import capi asm bpf_raw)
max_len=${SYSFENCE_FUZZ_MAX_LEN:-1048576}
timeout=${SYSFENCE_FUZZ_TIMEOUT:-10}

cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DSYSFENCE_FUZZ=ON -DSYSFENCE_BUILD_TESTS=OFF -DSYSFENCE_BUILD_BENCH=OFF -DSYSFENCE_WERROR=ON >/dev/null
targets=()
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
cmake --build build/fuzz --target "${targets[@]}"

# The harnesses run side by side, as many at once as there are cores (SYSFENCE_FUZZ_JOBS): each
# gets its full time, the whole run takes about ceil(harnesses / jobs) x secs. Each one's output
# goes to build/fuzz/fuzz_<harness>.log and is printed when it ends.
jobs=${SYSFENCE_FUZZ_JOBS:-$(nproc)}
run_one() {
  local h=$1 work="build/fuzz/corpus-$1" dict=()
  mkdir -p "$work"
  case "$h" in
    policy_parser) dict=(-dict=../../fuzz/policy.dict) ;;
    oci_import) dict=(-dict=../../fuzz/oci.dict) ;;
    asm) dict=(-dict=../../fuzz/asm.dict) ;;
  esac
  (cd build/fuzz && "./fuzz/fuzz_$h" -max_total_time="$secs" -timeout="$timeout" -rss_limit_mb=2048 \
     -max_len="$max_len" -print_final_stats=1 "${dict[@]}" \
     "corpus-$h" "../../fuzz/corpus/$h") >"build/fuzz/fuzz_$h.log" 2>&1
}
declare -A running=()  # pid -> harness
failed=()
reap() {  # waits for one harness to end, prints its log, records a failure
  local pid
  wait -n -p pid "${!running[@]}" && rc=0 || rc=$?
  local h=${running[$pid]}
  unset "running[$pid]"
  echo "== fuzz_$h for ${secs}s: $([[ $rc -eq 0 ]] && echo ok || echo "FAILED (exit $rc)")"
  tail -n 40 "build/fuzz/fuzz_$h.log"
  [[ $rc -eq 0 ]] || failed+=("$h")
}
for h in "${harnesses[@]}"; do
  while ((${#running[@]} >= jobs)); do reap; done
  run_one "$h" &
  running[$!]=$h
done
while ((${#running[@]} > 0)); do reap; done
if ((${#failed[@]})); then
  echo "fuzzing found a problem in: ${failed[*]} (reproducers in build/fuzz; full logs build/fuzz/fuzz_<harness>.log)" >&2
  exit 1
fi
echo "fuzzing finished: no crash, no leak, no timeout"
