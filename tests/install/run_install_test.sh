#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then builds and runs a tiny consumer against it
# with find_package(sysfence) (shared and static imported targets) and with pkg-config.
# usage: run_install_test.sh BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR [EXTRA_CXXFLAGS]
# EXTRA_CXXFLAGS: e.g. the sanitizer flags the library was built with (a consumer of an
# ASan-instrumented library must link the ASan runtime too).
set -euo pipefail
build=$1 consumer=$2 work=$3 extra=${4:-}
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix

echo "== cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
libdir=
for pc in "$prefix"/lib/pkgconfig/sysfence.pc "$prefix"/lib64/pkgconfig/sysfence.pc \
          "$prefix"/lib/*/pkgconfig/sysfence.pc; do
  if [[ -f $pc ]]; then libdir=$(dirname "$(dirname "$pc")"); break; fi
done
[[ -n $libdir ]] || { echo "no sysfence.pc under $prefix"; cat "$work/install.log"; exit 1; }
for f in "$prefix/bin/sysfence" "$libdir/libsysfence.a" "$prefix/include/sysfence/result.hpp" \
         "$libdir/cmake/sysfence/sysfenceConfig.cmake"; do
  [[ -e $f ]] || { echo "missing installed file: $f"; exit 1; }
done
ls "$libdir"/libsysfence.so* >/dev/null || { echo "missing libsysfence.so"; exit 1; }
cli_version=$("$prefix/bin/sysfence" --version)
echo "$cli_version"
version=${cli_version#sysfence }
# The one version (CMakeLists.txt project VERSION) everywhere it shows.
want=$(sed -n 's/^project(sysfence VERSION \([0-9.]*\).*/\1/p' "$(dirname "$0")/../../CMakeLists.txt")
[[ $version == "$want" ]] || { echo "sysfence --version says $version, CMakeLists.txt $want"; exit 1; }

# The README's C++ example, taken from README.md itself (the first ```cpp block), so that the
# document cannot drift from what is tested: the consumer's child installs exactly that filter.
src_dir=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$work/readme"
awk '/^```cpp$/ {inside = 1; next} inside && /^```$/ {exit} inside {print}' "$src_dir/README.md" \
  >"$work/readme/readme_example.inc"
[[ -s $work/readme/readme_example.inc ]] || { echo "no \`\`\`cpp block in README.md"; exit 1; }

echo "== the public headers: each compiles on its own, and nothing else is installed"
cxx=${CXX:-c++}
headers=$(cd "$prefix/include" && find sysfence -name '*.hpp' | sort)
want_headers=$(sed -n '/^set(SYSFENCE_PUBLIC_HEADERS/,/)/p' "$(dirname "$0")/../../cmake/install.cmake" |
  tr ' ' '\n' | grep '\.hpp' | sed 's|)$||; s|^|sysfence/|' | sort)
[[ $headers == "$want_headers" ]] ||
  { echo "installed headers differ from SYSFENCE_PUBLIC_HEADERS:"; diff <(echo "$want_headers") <(echo "$headers"); exit 1; }
for h in $headers; do
  echo "#include <$h>" | $cxx $extra -std=c++20 -fsyntax-only -Wall -Wextra -Werror -I"$prefix/include" -x c++ - ||
    { echo "$h does not compile on its own against the installed headers"; exit 1; }
done

echo "== the shared library exports only sysfence's public API"
so=$(ls "$libdir"/libsysfence.so.* | head -1)
# Defined dynamic symbols, demangled; every one must be in namespace sysfence (or be a
# template instantiation or typeinfo of one of its types), and hidden helpers must not show.
outside=$(nm -D --defined-only -C "$so" | awk '{ $1=""; $2=""; sub(/^  /, ""); print }' |
  grep -v -E '^(sysfence::|typeinfo (name )?for sysfence::|vtable for sysfence::|VTT for sysfence::)' |
  grep -v -E '^(std::|void std::|bool std::|__gnu_cxx::|guard variable for |typeinfo|vtable for std::)' |
  grep -v -E '^(_init|_fini|_edata|_end|__bss_start)$' | grep -v -E '^(sysfence::|.* sysfence::)' || true)
[[ -z $outside ]] || { echo "exported symbols outside namespace sysfence:"; echo "$outside" | head -20; exit 1; }
for internal in 'sysfence::compiler::detail' 'sysfence::learn::' 'sysfence::diff::' 'sysfence::report::'; do
  if nm -D --defined-only -C "$so" | grep -q " $internal"; then
    echo "libsysfence exports internal symbols ($internal...):"; nm -D --defined-only -C "$so" | grep " $internal" | head -5
    exit 1
  fi
done
echo "$(nm -D --defined-only "$so" | wc -l) exported symbols"

echo "== find_package(sysfence)"
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S "$consumer" -B "$work/cmake-build" "${gen[@]}" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="$extra -I$work/readme" -DCMAKE_EXE_LINKER_FLAGS="$extra" \
  >"$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/cmake-build" >"$work/build.log" || { cat "$work/build.log"; exit 1; }
grep -q "sysfence package version: $version\$" "$work/configure.log" ||
  { echo "find_package(sysfence) version is not $version"; cat "$work/configure.log"; exit 1; }
LD_LIBRARY_PATH=$libdir "$work/cmake-build/consumer" | tee "$work/consumer.out"
grep -qx "libsysfence $version" "$work/consumer.out" || { echo "sysfence::version() is not $version"; exit 1; }
"$work/cmake-build/consumer_static" | grep -qx "libsysfence $version"

echo "== pkg-config sysfence"
export PKG_CONFIG_PATH=$libdir/pkgconfig
# shellcheck disable=SC2046
$cxx $extra -I"$work/readme" -o "$work/pc-consumer" "$consumer/main.cpp" $(pkg-config --cflags --libs sysfence)
LD_LIBRARY_PATH=$libdir "$work/pc-consumer" | grep -x "libsysfence $version"
[[ $(pkg-config --modversion sysfence) == "$version" ]] || { echo "sysfence.pc version differs"; exit 1; }
# The installed .pc must point at the prefix it was installed into, not the build's default.
pc_prefix=$(pkg-config --variable=prefix sysfence)
[[ $pc_prefix -ef $prefix ]] || { echo "sysfence.pc prefix is $pc_prefix, expected $prefix"; exit 1; }
echo "install test: OK"
