#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/) with clang + ASan in build/fuzz and runs each one for a
# bounded time, starting from the committed seed corpus (fuzz/corpus/<harness>). New inputs go to
# build/fuzz/corpus-<harness>; a crash, leak or sanitizer report fails the script and leaves the
# reproducer (crash-*, leak-*) in build/fuzz.
#
#   scripts/fuzz.sh            # 60 s per harness
#   scripts/fuzz.sh 600        # longer
#   scripts/fuzz.sh 30 oci_import
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(policy_parser oci_import)

cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DSYSFENCE_FUZZ=ON -DSYSFENCE_BUILD_TESTS=OFF -DSYSFENCE_BUILD_BENCH=OFF >/dev/null
targets=()
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
cmake --build build/fuzz --target "${targets[@]}"

dict_for() { case "$1" in policy_parser) echo fuzz/policy.dict ;; oci_import) echo fuzz/oci.dict ;; esac; }
for h in "${harnesses[@]}"; do
  work="build/fuzz/corpus-$h"
  mkdir -p "$work"
  echo "== fuzz_$h for ${secs}s"
  (cd build/fuzz && "./fuzz/fuzz_$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
     -max_len=8192 -print_final_stats=1 -dict="../../$(dict_for "$h")" \
     "corpus-$h" "../../fuzz/corpus/$h")
done
echo "fuzzing finished: no crash, no leak"
