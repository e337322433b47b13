#!/usr/bin/env bash
# Uses the installed Debian packages (scripts/package.sh --test runs this after `dpkg -i`, with
# /usr/local hidden behind an empty tmpfs and a loader cache made without it, so that an earlier
# `cmake --install` into /usr/local cannot stand in for the packages):
#   the installed sysfence (version, run, emu), its man pages and completions; C++ consumers
#   built with pkg-config and with find_package(sysfence); a libseccomp program built with
#   pkg-config sysfence-seccomp; a program linked with Debian's libseccomp, which keeps using
#   Debian's libseccomp.so.2 unless pointed at sysfence's private copy (LD_LIBRARY_PATH, rpath).
# usage: check_installed.sh WORK_DIR VERSION SOVERSION
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$1 version=$2 sover=$3
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
libdir=/usr/lib/$multiarch
compat=$libdir/sysfence/compat
fail() { echo "check_installed: $*" >&2; exit 1; }
# The path the loader opens, /lib or /usr/lib (merged /usr): compare real paths.
loaded() { realpath "$(ldd "$1" | sed -n "s/^\s*$2 => \(\S*\) .*/\1/p")"; }
provider() { realpath "$("$@" 2>&1 >/dev/null | sed -n 's/^seccomp_init from //p')"; }

echo "== the installed sysfence"
[[ $(/usr/bin/sysfence --version) == "sysfence $version" ]] ||
  fail "/usr/bin/sysfence --version is '$(/usr/bin/sysfence --version)', not 'sysfence $version'"
/usr/bin/sysfence --version
/usr/bin/sysfence run -- /bin/true || fail "sysfence run -- /bin/true failed"
echo "sysfence run -- /bin/true: exit 0"
/usr/bin/sysfence emu --default unshare CLONE_NEWUSER | grep -q 'errno(1)' ||
  fail "emu --default unshare CLONE_NEWUSER is not errno(1)"
# A denial, and its positive control: the same program runs unconfined.
/bin/sh -c 'exit 0' || fail "positive control failed"
if /usr/bin/sysfence run -- unshare -U true 2>/dev/null; then
  fail "the installed sysfence let unshare -U through"
fi
echo "sysfence run -- unshare -U true: denied (as emu predicts)"

echo "== man pages and completions"
for page in 1:sysfence 5:sysfence.policy 3:sysfence-seccomp; do
  section=${page%%:*} name=${page#*:}
  where=$(man -w "$section" "$name") || fail "man -w $section $name: not found"
  [[ $where == /usr/share/man/man$section/$name.$section.gz ]] || fail "man $name is $where"
  echo "man -w $section $name: $where"
done
MANWIDTH=80 man sysfence 2>/dev/null | grep -q 'confine Linux processes' || fail "man sysfence does not render"
bash -c 'source /usr/share/bash-completion/completions/sysfence; COMP_WORDS=(sysfence ch); COMP_CWORD=1
         _sysfence; [[ ${COMPREPLY[*]} == check ]]' || fail "the installed bash completion does not complete"
[[ -f /usr/share/zsh/vendor-completions/_sysfence ]] || fail "no zsh completion"
zsh -fc 'fpath=(/usr/share/zsh/vendor-completions $fpath); autoload -Uz _sysfence' ||
  fail "the zsh completion does not load"
echo "bash and zsh completions: OK"

echo "== a C++ consumer with pkg-config sysfence"
# The consumer installs the README's C++ example, taken from README.md itself (the first ```cpp
# block), as tests/install/run_install_test.sh does.
mkdir -p "$work/readme"
awk '/^```cpp$/ {inside = 1; next} inside && /^```$/ {exit} inside {print}' README.md \
  >"$work/readme/readme_example.inc"
[[ -s $work/readme/readme_example.inc ]] || fail "no \`\`\`cpp block in README.md"
[[ $(pkg-config --modversion sysfence) == "$version" ]] || fail "pkg-config sysfence is not $version"
[[ $(pkg-config --variable=libdir sysfence) == "$libdir" ]] ||
  fail "pkg-config found sysfence.pc with libdir $(pkg-config --variable=libdir sysfence)"
# shellcheck disable=SC2046
c++ -std=c++20 -I"$work/readme" -o "$work/pc-consumer" tests/install/consumer/main.cpp $(pkg-config --cflags --libs sysfence)
[[ $(loaded "$work/pc-consumer" libsysfence.so.$sover) == "$(realpath $libdir/libsysfence.so.$sover)" ]] ||
  { ldd "$work/pc-consumer"; fail "the pkg-config consumer does not load $libdir/libsysfence.so.$sover"; }
"$work/pc-consumer" | tee "$work/pc-consumer.out"
grep -qx "libsysfence $version" "$work/pc-consumer.out" || fail "the pkg-config consumer reports another version"

echo "== a C++ consumer with find_package(sysfence)"
cmake -S tests/install/consumer -B "$work/cmake-consumer" -G Ninja -DCMAKE_CXX_FLAGS="-I$work/readme" >"$work/cmake.log" ||
  { cat "$work/cmake.log"; fail "find_package(sysfence) consumer: configure failed"; }
grep -q "sysfence package version: $version\$" "$work/cmake.log" || fail "find_package(sysfence) is not $version"
[[ $(sed -n 's/^sysfence_DIR:PATH=//p' "$work/cmake-consumer/CMakeCache.txt") == "$libdir/cmake/sysfence" ]] ||
  fail "find_package found $(grep sysfence_DIR "$work/cmake-consumer/CMakeCache.txt")"
cmake --build "$work/cmake-consumer" >"$work/cmake-build.log" ||
  { cat "$work/cmake-build.log"; fail "find_package(sysfence) consumer: build failed"; }
"$work/cmake-consumer/consumer" | grep -x "libsysfence $version"
"$work/cmake-consumer/consumer_static" | grep -x "libsysfence $version"

echo "== a libseccomp program with pkg-config sysfence-seccomp"
# shellcheck disable=SC2046
cc -o "$work/seccomp-consumer" -Itests/compat/c tests/compat/c/tutorial_allow.c \
  $(pkg-config --cflags --libs sysfence-seccomp)
"$work/seccomp-consumer" 0 >"$work/sc.out" 2>"$work/sc.err" || fail "seccomp consumer failed: $(cat "$work/sc.err")"
[[ $(provider "$work/seccomp-consumer" 0) == "$(realpath $libdir/libsysfence-seccomp.so.0)" ]] ||
  fail "seccomp consumer: $(cat "$work/sc.err")"
grep -qx "write returned 8" "$work/sc.out" || fail "seccomp consumer: the allowed write failed"
status=0
sh -c '"$1" 1; exit $?' _ "$work/seccomp-consumer" >/dev/null 2>&1 || status=$?
[[ $status -eq $((128 + 31)) ]] || fail "seccomp consumer: write to fd 2 was not killed by SIGSYS (status $status)"
echo "libsysfence-seccomp.so.0: allowed write passes, write to fd 2 killed (SIGSYS)"

echo "== a program linked with Debian's libseccomp keeps Debian's, unless asked"
if [[ -f /usr/include/seccomp.h ]]; then
  cc -o "$work/debian-seccomp" -Itests/compat/c tests/compat/c/tutorial_allow.c -lseccomp
  debian=$(realpath "$(ldconfig -p | sed -n 's/^\s*libseccomp.so.2 (.*) => //p' | head -1)")
  [[ $debian != */sysfence/* ]] || fail "the loader cache's libseccomp.so.2 is sysfence's"
  [[ $(provider "$work/debian-seccomp" 0) == "$debian" ]] ||
    fail "without LD_LIBRARY_PATH the program does not use Debian's libseccomp.so.2 ($debian)"
  [[ $(LD_LIBRARY_PATH=$compat provider "$work/debian-seccomp" 0) == "$(realpath $compat/libseccomp.so.2)" ]] ||
    fail "LD_LIBRARY_PATH=$compat does not select sysfence's libseccomp.so.2"
  cc -o "$work/rpath-seccomp" -Itests/compat/c tests/compat/c/tutorial_allow.c -L"$compat" \
    -l:libseccomp.so.2 -Wl,-rpath,"$compat"
  [[ $(provider "$work/rpath-seccomp" 0) == "$(realpath $compat/libseccomp.so.2)" ]] ||
    fail "a program linked with -Wl,-rpath,$compat does not use sysfence's libseccomp.so.2"
  echo "default: Debian's libseccomp.so.2; LD_LIBRARY_PATH=$compat or -Wl,-rpath,$compat: sysfence's"
else
  echo "libseccomp-dev is not installed: not checked (scripts/setup.sh installs it)" >&2
  exit 1
fi
echo "check_installed: all OK"
