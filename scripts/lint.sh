#!/usr/bin/env bash
# The code's shape: clang-format (.clang-format), checked in CI, and clang-tidy (.clang-tidy:
# checks that find bugs, no style noise), on request.
#
#   scripts/lint.sh                 # the format check (seconds; CI runs this)
#   scripts/lint.sh --tidy          # and clang-tidy (needs a configured build/release; minutes)
#   scripts/lint.sh --fix-format    # reformat the files the check covers
#
# Which files the format check covers: every C++ file changed since the commit named in
# .clang-format-base (git diff), so a file is formatted whole the first time it is touched and
# stays formatted. The tree predates the style; formatting it in one commit while several
# branches are in flight would conflict with all of them, so it is formatted file by file until a
# quiet moment lets one commit do the rest (then .clang-format-base becomes that commit).
# clang-tidy runs on the library's sources (src/), except src/api (clang-tidy 14 cannot parse
# libstdc++ 12's <source_location>, which the builder API uses) and src/cli (a unity build: its
# files have no compile commands of their own). Not yet in CI: it takes about 8 CPU-minutes here,
# and its first run listed ~20 findings to triage (mostly performance hints, one use-after-move
# that is a false positive in src/diff/diff.cpp).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-check}
fmt=$(command -v clang-format-14 || command -v clang-format || true)
tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
[[ -n $fmt && -n $tidy ]] || { echo "lint: needs clang-format and clang-tidy (scripts/setup.sh)" >&2; exit 1; }

cxx_filter='\.(cpp|hpp|h|c)$'
skip='^(tests/data|tests/compat/c|include/sysfence/compat|fuzz/corpus)/|\.inc$'
base=$(sed -n 's/^\([0-9a-f]\{7,40\}\).*/\1/p' .clang-format-base | head -1)
if git cat-file -e "$base^{commit}" 2>/dev/null; then
  mapfile -t files < <(git diff --name-only --diff-filter=d "$base" HEAD -- | grep -E "$cxx_filter" | grep -v -E "$skip" || true)
else
  echo "lint: .clang-format-base names no commit of this clone; checking every file" >&2
  mapfile -t files < <(git ls-files | grep -E "$cxx_filter" | grep -v -E "$skip")
fi

if [[ $mode == --fix-format ]]; then
  ((${#files[@]})) && "$fmt" -i "${files[@]}"
  echo "lint: formatted ${#files[@]} file(s)"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  "$fmt" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  echo "lint: ${#bad[@]} file(s) not formatted as .clang-format says (fix: scripts/lint.sh --fix-format):"
  printf '  %s\n' "${bad[@]}"
  "$fmt" --dry-run "${bad[0]}" 2>&1 | head -20
  exit 1
fi
echo "lint: clang-format OK (${#files[@]} file(s) changed since $(cut -c1-12 <<<"$base"))"
[[ $mode == --tidy ]] || exit 0

db=build/release/compile_commands.json
[[ -f $db ]] || { echo "lint: configure build/release first (cmake --preset release)" >&2; exit 1; }
mapfile -t sources < <(git ls-files 'src/*.cpp' | grep -v -E '^src/(api|cli)/')
log=build/release/clang-tidy.log
printf '%s\n' "${sources[@]}" |
  xargs -P "$(nproc)" -n 4 "$tidy" -p build/release --quiet --extra-arg=-Wno-unknown-warning-option 2>&1 |
  grep -E '(error|warning): ' | sort -u > "$log" || true
if [[ -s $log ]]; then
  echo "lint: clang-tidy found:"
  cat "$log"
  exit 1
fi
echo "lint: clang-tidy OK (${#sources[@]} files)"
