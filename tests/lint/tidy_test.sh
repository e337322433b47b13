#!/usr/bin/env bash
# scripts/lint.sh --tidy fails on a finding and names it as file:line:col: message [check], and
# passes a clean file (a silenced finding, a compiler warning). Two tiny translation units under
# WORK/src with their own compile_commands.json (a "build directory" for the script).
#   tidy_test.sh SOURCE_DIR WORK
set -euo pipefail
src=$1 work=$2
command -v clang-tidy-14 >/dev/null || command -v clang-tidy >/dev/null ||
  { echo "SKIP: no clang-tidy (scripts/setup.sh installs it)"; exit 77; }
rm -rf "$work" && mkdir -p "$work/src"
cp "$src/tests/lint/fixture/finding.cpp" "$src/tests/lint/fixture/clean.cpp" "$work/src/"
db() {  # the compile commands of the named fixtures, as CMake writes them
  echo "["
  local sep=""
  for f in "$@"; do
    printf '%s{\n  "directory": "%s",\n  "command": "/usr/bin/c++ -std=c++20 -Wall -Wextra -Wconversion -Werror -c %s",\n  "file": "%s"\n}\n' \
      "$sep" "$work" "$work/src/$f" "$work/src/$f"
    sep=","
  done
  echo "]"
}
fail() { echo "FAIL: $*"; echo "--- output:"; cat "$work/out"; exit 1; }

db finding.cpp clean.cpp > "$work/compile_commands.json"
status=0
"$src/scripts/lint.sh" --tidy-only "$work" > "$work/out" 2>&1 || status=$?
((status == 1)) || fail "a finding: exit $status, not 1"
grep -qE '(^|/)src/finding\.cpp:7:14: error: .s. used after it was moved \[bugprone-use-after-move\]$' "$work/out" ||
  fail "the finding is not named as file:line:col: message [check]"
[[ $(grep -c '\[' "$work/out") == 1 ]] || fail "more than the one finding (clean.cpp must not show)"

db clean.cpp > "$work/compile_commands.json"
status=0
"$src/scripts/lint.sh" --tidy-only "$work" > "$work/out" 2>&1 || status=$?
((status == 0)) || fail "clean.cpp: exit $status, not 0"
grep -q 'clang-tidy OK (1 translation units)' "$work/out" || fail "clean.cpp: no OK line"
echo "PASS"
