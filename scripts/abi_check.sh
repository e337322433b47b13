#!/usr/bin/env bash
# The ABI of libsysfence.so against its committed baseline (abidiff, Debian's abigail-tools).
#
#   scripts/abi_check.sh build/release            # exit 1 on an incompatible change
#   scripts/abi_check.sh build/release --update   # rewrite abi/libsysfence.so.N.abi
#
# The baseline is abi/libsysfence.so.<SOVERSION>.abi: the exported symbols of the library (the
# declarations between SYSFENCE_API_BEGIN/END in the public headers, sysfence/export.hpp). A
# symbol removed or changed is incompatible: give the library a new SOVERSION (CMakeLists.txt,
# SYSFENCE_SOVERSION) and a new baseline. A symbol added is compatible: the check passes and
# lists it; run --update to take it into the baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/abi_check.sh BUILD_DIR [--update]}
mode=${2:-check}
command -v abidw >/dev/null || { echo "abi_check: abidw not found (apt-get install abigail-tools)" >&2; exit 1; }
so=$(find "$build" -maxdepth 1 -name 'libsysfence.so.*.*' | head -1)
[[ -n $so ]] || { echo "abi_check: no libsysfence.so.* in $build (build it first)" >&2; exit 1; }
soname=$(objdump -p "$so" | awk '/SONAME/ {print $2}')
baseline=abi/$soname.abi
current=$(mktemp)
trap 'rm -f "$current"' EXIT
# Only ELF symbols (the release build has no debug info): names, kinds and versions.
abidw --no-corpus-path --no-show-locs --no-comp-dir-path "$so" --out-file "$current" 2>/dev/null ||
  abidw --no-corpus-path "$so" --out-file "$current"
if [[ $mode == --update ]]; then
  cat "$current" > "$baseline"
  echo "abi_check: wrote $baseline ($(grep -c '<elf-symbol ' "$baseline") symbols)"
  exit 0
fi
[[ -f $baseline ]] || { echo "abi_check: no baseline $baseline for $soname: a new SOVERSION needs one (--update)" >&2; exit 1; }
set +e
report=$(abidiff --no-show-locs "$baseline" "$current" 2>&1)
rc=$?
set -e
# abidiff's status bits: 1 error, 2 usage error, 4 ABI change, 8 incompatible ABI change.
if (( rc & 3 )); then
  echo "abi_check: abidiff failed ($rc):"; echo "$report"; exit 1
fi
if (( rc & 8 )); then
  echo "abi_check: INCOMPATIBLE change of $soname against $baseline:"
  echo "$report"
  echo "abi_check: a removed or changed symbol needs a new SOVERSION (CMakeLists.txt) and baseline"
  exit 1
fi
if (( rc & 4 )); then
  echo "abi_check: compatible additions to $soname (run scripts/abi_check.sh $build --update to take them):"
  echo "$report" | head -40
fi
echo "abi_check: $soname OK against $baseline ($(grep -c '<elf-symbol ' "$baseline") symbols in the baseline)"
