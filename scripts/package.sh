#!/usr/bin/env bash
# Builds the Debian packages (CPack, from Debian's cmake) into build/package/:
#   sysfence, libsysfence0, libsysfence-dev, libsysfence-seccomp0, libsysfence-seccomp-dev
# and checks them with lintian (no errors allowed). Usage:
#   scripts/package.sh           # build + lintian
#   scripts/package.sh --test    # also: install them on this machine (root), run the installed
#                                # sysfence, man page and completion, build consumers with
#                                # pkg-config and find_package, check that libseccomp is not
#                                # shadowed, then purge them and check nothing is left
# Packaging builds only the libraries and the CLI (no tests, no benchmarks), dynamically linked
# as Debian wants it, with CMAKE_INSTALL_PREFIX=/usr (multiarch libdir).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=${SYSFENCE_PACKAGE_BUILD:-build/package}
test_install=0
[[ ${1:-} == --test ]] && test_install=1

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DSYSFENCE_BUILD_TESTS=OFF -DSYSFENCE_BUILD_BENCH=OFF -DSYSFENCE_STATIC_CLI=OFF \
  -DSYSFENCE_PACKAGING=ON >/dev/null
cmake --build "$build"
rm -f "$build"/*.deb
(cd "$build" && cpack -G DEB >cpack.log) || { cat "$build/cpack.log"; exit 1; }
mapfile -t debs < <(ls "$build"/*.deb)
echo "package: built ${#debs[@]} packages:"
for d in "${debs[@]}"; do
  printf '  %s\n' "$(basename "$d")"
done
[[ ${#debs[@]} -eq 5 ]] || { echo "package: expected 5 packages" >&2; exit 1; }

if command -v lintian >/dev/null; then
  # Errors fail; warnings are printed. --no-tag-display-limit: show every occurrence.
  lintian --no-tag-display-limit "${debs[@]}" >"$build/lintian.log" 2>&1 || true
  cat "$build/lintian.log"
  if grep -q '^E: ' "$build/lintian.log"; then
    echo "package: lintian reports errors" >&2
    exit 1
  fi
  echo "package: lintian: no errors"
else
  echo "package: lintian is not installed (apt-get install lintian): not checked" >&2
  exit 1
fi

((test_install)) || exit 0
[[ $(id -u) -eq 0 ]] || { echo "package: --test installs the packages: run as root" >&2; exit 1; }
pkgs=(sysfence libsysfence0 libsysfence-dev libsysfence-seccomp0 libsysfence-seccomp-dev)
for p in "${pkgs[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    echo "package: $p is already installed; remove it first (dpkg --purge $p)" >&2
    exit 1
  fi
done
cleanup() { dpkg --purge "${pkgs[@]}" >/dev/null 2>&1 || true; }
trap cleanup EXIT
work=$(mktemp -d)
system_libseccomp_before=$(ldconfig -p | grep 'libseccomp.so.2 ' | head -1 || true)

echo "== dpkg -i"
dpkg -i "${debs[@]}" >"$work/dpkg.log" || { cat "$work/dpkg.log"; exit 1; }
version=$(sed -n 's/^project(sysfence VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[[ $(/usr/bin/sysfence --version) == "sysfence $version" ]] || { echo "sysfence --version is not $version"; exit 1; }
/usr/bin/sysfence --version
/usr/bin/sysfence run -- true
/usr/bin/sysfence emu --default unshare CLONE_NEWUSER | grep -q 'errno(1)'
for page in sysfence sysfence.policy sysfence-seccomp; do
  man -w "$page" >/dev/null || { echo "man $page: not found"; exit 1; }
done
MANWIDTH=80 man sysfence 2>/dev/null | grep -q 'confine Linux processes' || { echo "man sysfence does not render"; exit 1; }
[[ -f /usr/share/bash-completion/completions/sysfence ]] || { echo "no bash completion"; exit 1; }
[[ -f /usr/share/zsh/vendor-completions/_sysfence ]] || { echo "no zsh completion"; exit 1; }
bash -c 'source /usr/share/bash-completion/completions/sysfence; COMP_WORDS=(sysfence ch); COMP_CWORD=1; _sysfence; [[ ${COMPREPLY[*]} == check ]]' ||
  { echo "installed bash completion does not complete"; exit 1; }
echo "installed: sysfence, man pages, completions OK"

echo "== consumers against /usr: pkg-config and find_package"
pkg-config --exists sysfence sysfence-seccomp
[[ $(pkg-config --modversion sysfence) == "$version" ]]
# shellcheck disable=SC2046
c++ -o "$work/pc-consumer" tests/install/consumer/main.cpp $(pkg-config --cflags --libs sysfence)
"$work/pc-consumer" | grep -x "libsysfence $version"
cmake -S tests/install/consumer -B "$work/cmake-consumer" -G Ninja >"$work/cmake.log" ||
  { cat "$work/cmake.log"; exit 1; }
cmake --build "$work/cmake-consumer" >"$work/cmake-build.log" || { cat "$work/cmake-build.log"; exit 1; }
"$work/cmake-consumer/consumer" | grep -x "libsysfence $version"
"$work/cmake-consumer/consumer_static" | grep -x "libsysfence $version"
# The C API through pkg-config: a libseccomp tutorial program, built against sysfence's header.
# shellcheck disable=SC2046
cc -o "$work/seccomp-consumer" tests/compat/c/tutorial_allow.c $(pkg-config --cflags --libs sysfence-seccomp)
ldd "$work/seccomp-consumer" | grep -q 'libsysfence-seccomp.so.0 => /usr/lib' ||
  { ldd "$work/seccomp-consumer"; echo "seccomp consumer does not use libsysfence-seccomp"; exit 1; }
# Debian's libseccomp stays what the loader finds for libseccomp.so.2.
after=$(ldconfig -p | grep 'libseccomp.so.2 ' | head -1 || true)
[[ $after == "$system_libseccomp_before" ]] || { echo "libseccomp.so.2 is shadowed: $after"; exit 1; }
ldconfig -p | grep 'libseccomp.so.2 ' | grep -qv sysfence || [[ -z $after ]] ||
  { echo "the loader would pick sysfence's libseccomp.so.2"; exit 1; }
echo "consumers OK; libseccomp.so.2 still resolves to: ${after:-<none installed>}"

echo "== dpkg --purge"
files=$(dpkg -L "${pkgs[@]}" | sort -u)
dpkg --purge "${pkgs[@]}" >"$work/purge.log" || { cat "$work/purge.log"; exit 1; }
trap - EXIT
left=0
while read -r f; do
  [[ -z $f || -d $f ]] && continue
  if [[ -e $f || -L $f ]]; then echo "left after purge: $f"; left=1; fi
done <<<"$files"
((left == 0)) || exit 1
! command -v sysfence >/dev/null || [[ $(command -v sysfence) != /usr/bin/sysfence ]] ||
  { echo "/usr/bin/sysfence still there"; exit 1; }
rm -rf "$work"
echo "package: installed, used and purged cleanly"
