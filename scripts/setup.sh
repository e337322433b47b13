#!/usr/bin/env bash
# Installs what sysfence needs to build, test and benchmark on Debian 12. Safe to run twice:
# it installs only the packages that are missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git python3
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev
  libseccomp-dev          # test-only oracle for differential tests; never linked into the product
  manpages-dev            # seccomp(2), prctl(2): also the source of syscall argument names
  clang libclang-rt-14-dev  # libFuzzer harnesses
  # uapi headers of the other arches: inputs of scripts/gen_*.py, so the tests can check that
  # the committed tables are what the generators make (the build itself never needs them)
  linux-libc-dev linux-libc-dev-arm64-cross linux-libc-dev-armhf-cross linux-libc-dev-riscv64-cross
  linux-libc-dev-mips-cross linux-libc-dev-powerpc-cross linux-libc-dev-s390x-cross
  linux-libc-dev-hppa-cross linux-libc-dev-m68k-cross linux-libc-dev-sh4-cross  # (no loong64 in Debian 12)
  coreutils bash perl sqlite3 git tar gzip findutils util-linux  # real programs the e2e tests run
  bubblewrap gnuplot-nox   # bench only: the start-up comparison (bwrap) and the charts (bench.sh)
  make gcc                # the `make` workload `learn` is proven on (tests/learn)
  strace                  # bench/learn: `learn` against `strace -f -c`
  scdoc man-db zsh        # man pages (docs/man, scdoc), `man` and zsh for the man/completion tests
  runc crun busybox-static  # tests/runtime: exported OCI profiles in real container runtimes
  golang-github-opencontainers-specs-dev python3-jsonschema  # the runtime-spec JSON schema, a validator
  lintian                 # scripts/package.sh: the Debian packages are checked with lintian
  abigail-tools           # scripts/abi_check.sh: libsysfence.so's ABI against its baseline
  clang-format clang-tidy  # scripts/lint.sh: .clang-format (checked in CI) and .clang-tidy
  lld valgrind            # the static sysfence's start-up layout: lld links it with hot_functions.txt
                          # (src/cli/CMakeLists.txt); valgrind: scripts/gen_hot_functions.sh, callgrind
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing packages: ${missing[*]}" >&2
    echo "setup: run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi
