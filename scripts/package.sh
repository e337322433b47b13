#!/usr/bin/env bash
# Builds the Debian packages (CPack, from Debian's cmake) into build/debs/:
#   sysfence, libsysfenceN (N: SYSFENCE_SOVERSION), libsysfence-dev, libsysfence-seccomp0, libsysfence-seccomp-dev
# and checks them with lintian (errors, and warnings not justified in docs/packaging.md, fail).
#   scripts/package.sh                    # build (own tree build/package: library and CLI) + lintian
#   scripts/package.sh --reuse DIR        # from an existing Release tree (CI: build/release): only
#                                         # the CLI is relinked; DIR's settings are put back after
#   scripts/package.sh --test [...]       # also, as root: dpkg -i, use them with /usr/local hidden
#                                         # (tests/package/check_installed.sh), dpkg --purge, check
#                                         # that nothing is left
# Details: docs/packaging.md.
set -euo pipefail
cd "$(dirname "$0")/.."
test_install=0
reuse=
while (($#)); do
  case $1 in
    --test) test_install=1 ;;
    --reuse) reuse=${2:?--reuse needs a build directory}; shift ;;
    *) echo "usage: scripts/package.sh [--test] [--reuse BUILD_DIR]" >&2; exit 2 ;;
  esac
  shift
done
out=build/debs
packaging=(-DCMAKE_INSTALL_PREFIX=/usr -DSYSFENCE_STATIC_CLI=OFF -DSYSFENCE_PACKAGING=ON)

cache_value() {  # cache_value BUILD_DIR NAME DEFAULT
  local v
  v=$(sed -n "s/^$2:[A-Z]*=//p" "$1/CMakeCache.txt")
  echo "${v:-$3}"
}
if [[ -n $reuse ]]; then
  # Package from an existing release tree (CI: build/release, after its tests): same objects,
  # only the CLI is relinked (dynamically) and the install layout changes. Its settings are put
  # back afterwards (and the CLI relinked again), also on failure.
  build=$reuse
  [[ -f $build/CMakeCache.txt ]] || { echo "package: $build is not a configured build tree" >&2; exit 2; }
  [[ $(cache_value "$build" CMAKE_BUILD_TYPE "") == Release ]] ||
    { echo "package: $build is not a Release tree" >&2; exit 2; }
  [[ $(cache_value "$build" SYSFENCE_SANITIZE OFF) == OFF ]] ||
    { echo "package: $build is built with the sanitizers" >&2; exit 2; }
  restore=(-DCMAKE_INSTALL_PREFIX="$(cache_value "$build" CMAKE_INSTALL_PREFIX /usr/local)"
           -DSYSFENCE_STATIC_CLI="$(cache_value "$build" SYSFENCE_STATIC_CLI ON)"
           -DSYSFENCE_PACKAGING="$(cache_value "$build" SYSFENCE_PACKAGING OFF)")
  restore_tree() {
    echo "package: restoring the settings of $build"
    cmake -S . -B "$build" "${restore[@]}" >/dev/null && cmake --build "$build" >/dev/null
  }
  trap restore_tree EXIT
  cmake -S . -B "$build" "${packaging[@]}" >/dev/null
else
  build=${SYSFENCE_PACKAGE_BUILD:-build/package}
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSYSFENCE_BUILD_TESTS=OFF \
    -DSYSFENCE_BUILD_BENCH=OFF "${packaging[@]}" >/dev/null
fi
cmake --build "$build"
rm -rf "$out"
mkdir -p "$out"
cpack --config "$build/CPackConfig.cmake" -B "$out" >"$out/cpack.log" || { cat "$out/cpack.log"; exit 1; }
if [[ -n $reuse ]]; then
  trap - EXIT
  restore_tree
fi
mapfile -t debs < <(ls "$out"/*.deb)
[[ ${#debs[@]} -eq 5 ]] || { echo "package: expected 5 packages, got ${#debs[@]}" >&2; exit 1; }

# The shared-library packages carry an ldconfig trigger (cmake/package.cmake); CPack still adds
# a postinst/postrm that runs ldconfig by hand. Rebuild those packages without them (dpkg-deb).
cpack_ldconfig_script=$'#!/bin/sh\n\nset -e\n\nif [ "$1" = "configure" ]; then\n\tldconfig\nfi'
cpack_ldconfig_postrm=${cpack_ldconfig_script//configure/remove}
for d in "${debs[@]}"; do
  tree=$(mktemp -d)
  dpkg-deb -R "$d" "$tree/pkg"
  if [[ -f $tree/pkg/DEBIAN/triggers ]]; then
    for script in postinst postrm; do
      f=$tree/pkg/DEBIAN/$script
      [[ -f $f ]] || continue
      if [[ $(<"$f") == "$cpack_ldconfig_script" || $(<"$f") == "$cpack_ldconfig_postrm" ]]; then
        rm "$f"
      else
        echo "package: unexpected $script in $(basename "$d"):"; cat "$f"; exit 1
      fi
    done
    dpkg-deb --root-owner-group -b "$tree/pkg" "$d" >/dev/null
  fi
  rm -rf "$tree"
done
echo "package: built ${#debs[@]} packages in $out:"
for d in "${debs[@]}"; do
  printf '  %s\n' "$(basename "$d")"
done

# lintian: errors fail; so does any warning not in this list, each justified in docs/packaging.md.
justified_warnings=(initial-upload-closes-no-bugs)
command -v lintian >/dev/null ||
  { echo "package: lintian is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
lintian --tag-display-limit 0 "${debs[@]}" >"$out/lintian.log" 2>&1 || true
grep -v '^running with root privileges' "$out/lintian.log" || true
if grep -q '^E: ' "$out/lintian.log"; then
  echo "package: lintian reports errors" >&2
  exit 1
fi
while read -r tag; do
  [[ " ${justified_warnings[*]} " == *" $tag "* ]] ||
    { echo "package: lintian warning $tag is not justified in docs/packaging.md" >&2; exit 1; }
done < <(sed -n 's/^W: [^:]*: \([a-z0-9-]*\).*/\1/p' "$out/lintian.log" | sort -u)
for tag in "${justified_warnings[@]}"; do
  grep -q "\`$tag\`" docs/packaging.md || { echo "package: docs/packaging.md does not justify $tag" >&2; exit 1; }
done
echo "package: lintian: no errors; warnings: only the justified ones (${justified_warnings[*]})"

((test_install)) || exit 0
[[ $(id -u) -eq 0 ]] || { echo "package: --test installs the packages: run as root" >&2; exit 1; }
sover=$(sed -n 's/^set(SYSFENCE_SOVERSION \([0-9]*\)).*/\1/p' CMakeLists.txt)
[[ -n $sover ]] || { echo "package: no SYSFENCE_SOVERSION in CMakeLists.txt" >&2; exit 1; }
pkgs=(sysfence "libsysfence$sover" libsysfence-dev libsysfence-seccomp0 libsysfence-seccomp-dev)
for p in "${pkgs[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    echo "package: $p is already installed; remove it first (dpkg --purge $p)" >&2
    exit 1
  fi
done
cleanup() { dpkg --purge "${pkgs[@]}" >/dev/null 2>&1 || true; }
trap cleanup EXIT
work=$(mktemp -d)
version=$(sed -n 's/^project(sysfence VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
libseccomp_before=$(ldconfig -p | grep 'libseccomp.so.2 ' || true)

echo "== dpkg -i"
cache_before=$(date -r /etc/ld.so.cache +%s%N 2>/dev/null || echo 0)
# dpkg does not wait for its lock (apt-get or a quick start may be running): retry for 10 min.
dpkg_locked() {
  local log=$1; shift
  for _ in $(seq 120); do
    "$@" >"$log" 2>&1 && return 0
    grep -q "dpkg frontend lock\|dpkg status database is locked" "$log" || return 1
    sleep 5
  done
  return 1
}
dpkg_locked "$work/dpkg.log" dpkg -i "${debs[@]}" || { cat "$work/dpkg.log"; exit 1; }
# The ldconfig trigger ran: the loader's cache was rebuilt. That it lists the libraries at
# /usr/lib/<multiarch> is checked below in a cache made without /usr/local: a copy there (an
# earlier quick start, or one running right now) is searched first and would shadow them.
# libseccomp.so.2 resolves exactly as before (sysfence's copy is in a directory the loader
# does not search).
[[ $(date -r /etc/ld.so.cache +%s%N) != "$cache_before" ]] || { echo "package: the ldconfig trigger did not run"; exit 1; }
[[ $(ldconfig -p | grep 'libseccomp.so.2 ' || true) == "$libseccomp_before" ]] ||
  { echo "package: libseccomp.so.2 is shadowed: $(ldconfig -p | grep 'libseccomp.so.2 ')"; exit 1; }
if ldconfig -p | grep 'libseccomp.so.2 ' | grep -q sysfence; then
  echo "package: the loader would find sysfence's libseccomp.so.2"; exit 1
fi
echo "loader cache: libseccomp.so.2 unchanged:"
echo "  ${libseccomp_before:-<none>}"

# Hide /usr/local (an earlier quick start may have installed sysfence there, ahead of /usr in
# every search path) behind an empty tmpfs, with a loader cache made without it.
if unshare --mount --propagation private true 2>/dev/null; then
  unshare --mount --propagation private bash -c '
    set -e
    mount -t tmpfs tmpfs /usr/local
    ldconfig -X -C "$1/ld.so.cache"
    mount --bind "$1/ld.so.cache" /etc/ld.so.cache
    for so in libsysfence.so.$4 libsysfence-seccomp.so.0; do
      ldconfig -p | grep -Eq "$so .*=> (/usr)?/lib/$3/$so\$" ||
        { echo "package: $so is not in the loader cache (built without /usr/local)"; exit 1; }
    done
    echo "loader cache without /usr/local: libsysfence.so.$4 and libsysfence-seccomp.so.0 in (/usr)/lib/$3"
    exec bash tests/package/check_installed.sh "$1" "$2" "$4"' _ "$work" "$version" "$multiarch" "$sover"
elif [[ -e /usr/local/bin/sysfence || -n $(compgen -G '/usr/local/lib/libsysfence.so.*') ]]; then
  echo "package: cannot hide /usr/local (no mount namespace), which has a sysfence install" >&2
  exit 1
else
  for so in libsysfence.so.$sover libsysfence-seccomp.so.0; do
    ldconfig -p | grep -Eq "$so .*=> (/usr)?/lib/$multiarch/$so\$" || { echo "package: $so is not in the loader cache"; exit 1; }
  done
  bash tests/package/check_installed.sh "$work" "$version" "$sover"
fi

echo "== dpkg --purge"
files=$(dpkg -L "${pkgs[@]}" | sort -u)
dpkg_locked "$work/purge.log" dpkg --purge "${pkgs[@]}" || { cat "$work/purge.log"; exit 1; }
trap - EXIT
left=0
while read -r f; do
  [[ -z $f || -d $f ]] && continue
  if [[ -e $f || -L $f ]]; then echo "left after purge: $f"; left=1; fi
done <<<"$files"
for p in "${pkgs[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ -z $st || $st == *" not-installed" ]] || { echo "package: after purge, $p is '$st'"; left=1; }
done
[[ ! -d /usr/lib/$multiarch/sysfence && ! -d /usr/include/sysfence && ! -d /usr/lib/$multiarch/cmake/sysfence ]] ||
  { echo "package: a sysfence directory is left after purge"; left=1; }
if ldconfig -p | grep "libsysfence" | grep -v "=> /usr/local/"; then
  echo "package: the loader cache still lists the libraries above"; left=1
fi
((left == 0)) || exit 1
rm -rf "$work"
echo "package: installed, used and purged cleanly"
