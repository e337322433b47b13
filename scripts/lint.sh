#!/usr/bin/env bash
# The code's shape: clang-format (.clang-format), checked in CI, and clang-tidy (.clang-tidy:
# checks that find bugs, no style noise), on request.
#
#   scripts/lint.sh                 # the format check (seconds; CI runs this)
#   scripts/lint.sh --tidy [BUILD]  # and clang-tidy (CI runs this; BUILD: a configured build
#                                   # directory, default build/release; a few minutes)
#   scripts/lint.sh --tidy-only [BUILD]   # clang-tidy alone
#   scripts/lint.sh --fix-format    # reformat the files the check covers
#
# The format check covers every C++ file of the tree except vendored/test data (skip below).
# clang-tidy runs the checks of .clang-tidy over the product's translation units as BUILD's
# compile_commands.json lists them: every source under src/ (library modules, compat, the C++
# API, the default policy's precompiler) and the CLI's unity batches (BUILD/src/cli/...; a batch
# includes the CLI's .cpp files), not tests, benchmarks or generated code; findings in the
# project's headers count too. Any finding fails (exit 1), printed as file:line:col: message
# [check]. tests/lint checks that a known finding fails it.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-check}
fmt=$(command -v clang-format-14 || command -v clang-format || true)
tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
[[ -n $fmt && -n $tidy ]] || { echo "lint: needs clang-format and clang-tidy (scripts/setup.sh)" >&2; exit 1; }

cxx_filter='\.(cpp|hpp|h|c)$'
skip='^(tests/data|tests/compat/c|include/sysfence/compat|fuzz/corpus)/|\.inc$'
mapfile -t files < <(git ls-files | grep -E "$cxx_filter" | grep -v -E "$skip")

if [[ $mode == --tidy-only ]]; then
  files=()
elif [[ $mode == --fix-format ]]; then
  ((${#files[@]})) && "$fmt" -i "${files[@]}"
  echo "lint: formatted ${#files[@]} file(s)"
  exit 0
fi
bad=()
[[ $mode == --tidy-only ]] || for f in "${files[@]}"; do
  "$fmt" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  echo "lint: ${#bad[@]} file(s) not formatted as .clang-format says (fix: scripts/lint.sh --fix-format):"
  printf '  %s\n' "${bad[@]}"
  "$fmt" --dry-run "${bad[0]}" 2>&1 | head -20
  exit 1
fi
[[ $mode == --tidy-only ]] || echo "lint: clang-format OK (${#files[@]} files)"
[[ $mode == --tidy || $mode == --tidy-only ]] || exit 0

root=$PWD
build=$(cd "${2:-build/release}" 2>/dev/null && pwd) || { echo "lint: no build directory ${2:-build/release}" >&2; exit 1; }
db=$build/compile_commands.json
[[ -f $db ]] || { echo "lint: configure $build first (cmake --preset release)" >&2; exit 1; }
re() { sed 's/[]\\[*^$()+?{}|.]/\\&/g' <<<"$1"; }  # $1 as an extended regex
# The product's translation units, the CLI's batches first (the largest: they go first so that
# the two jobs end together).
mapfile -t sources < <(grep -oE '"file": *"[^"]*"' "$db" | sed -E 's/^"file": *"(.*)"$/\1/' |
  grep -E "^($(re "$root")|$(re "$build"))/src/.*\.(cpp|cxx|cc)$" | sort -u |
  awk -v b="$build/src/" 'index($0, b) == 1 { print; next } { rest[++n] = $0 }
                          END { for (i = 1; i <= n; ++i) print rest[i] }')
((${#sources[@]})) || { echo "lint: $db lists no source under src/" >&2; exit 1; }
# The project's headers: src/ and include/sysfence/ as such, or through BUILD/modinc (how the
# modules include them; the report names the real file). Not include/sysfence/compat: a mirror
# of libseccomp's C headers, whose names (__SNR_*) and macros are libseccomp's.
dirs=$(find include/sysfence -mindepth 1 -maxdepth 1 -type d ! -name compat -printf '%f|' | sed 's/|$//')
header_filter="^($(re "$root")/src/|($(re "$root")/include|$(re "$build")/modinc/[^/]+/public)/sysfence/([^/]+$|($dirs)/)|$(re "$build")/modinc/[^/]+/private/)"
# GCC-only options that clang's driver rejects: left out of a copy of the compile commands.
gcc_only='-fno-tree-loop-distribute-patterns'
mkdir -p "$build/tidy"
sed -E "s/ ($gcc_only)( |\")/\2/g" "$db" > "$build/tidy/compile_commands.json"
args=(-p "$build/tidy" --quiet "--config-file=$root/.clang-tidy" "--header-filter=$header_filter"
  # The compile commands are GCC's: clang does not know some of its warning options, and its
  # -Wconversion also means -Wsign-conversion (GCC's does not, for C++). The compiler's warnings
  # are the build's job (GCC, -Werror): without -Werror clang-tidy does not report them (the
  # Checks of .clang-tidy leave clang-diagnostic-* out).
  --extra-arg=-Wno-unknown-warning-option --extra-arg=-Wno-error
  # clang-tidy 14 with libstdc++ 12 has no std::source_location (src/api needs it).
  "--extra-arg=-include$root/scripts/tidy/source_location.hpp")
log=$build/clang-tidy.log
status=0
printf '%s\n' "${sources[@]}" |
  xargs -d '\n' -P "${SYSFENCE_LINT_JOBS:-$(nproc)}" -n 1 "$tidy" "${args[@]}" > "$log" 2>&1 || status=$?
findings=$(grep -E '^[^ ]+:[0-9]+:[0-9]+: (error|warning): ' "$log" |
  sed -E "s#^$(re "$build")/modinc/[^/]+/public/#$root/include/#; s#^$(re "$build")/modinc/[^/]+/private/#$root/src/#" |
  sed -E "s#^$(re "$root")/##; s#^$(re "$build")/#$(basename "$build")/#; s/,-warnings-as-errors\]/]/" |
  sort -u || true)
if [[ -n $findings ]]; then
  echo "lint: clang-tidy found $(wc -l <<<"$findings") problem(s) (fix them, or see .clang-tidy for how to silence one):"
  printf '%s\n' "$findings"
  exit 1
fi
if ((status)); then
  echo "lint: clang-tidy failed (exit $status) without a finding; its errors ($log):"
  grep -E 'error' "$log" | sort -u | head -30
  exit 1
fi
echo "lint: clang-tidy OK (${#sources[@]} translation units)"

