#!/usr/bin/env bash
# sysfence quick start, for a fresh Debian 12 machine, from the source tree:
#   1. install what is missing (scripts/setup.sh, safe to run twice; needs root if anything is),
#   2. build only the library and the CLI (preset `quickstart`: tests and benchmarks off),
#   3. install them into a prefix (root: /usr/local; others: ~/.local; or PREFIX=DIR),
#   4. run a real program confined by the embedded default policy, and show a denial.
# It prints each step and, at the end, what it installed where.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
start=$SECONDS

if [[ -n ${PREFIX:-} ]]; then
  prefix=$PREFIX
elif [[ $(id -u) -eq 0 ]]; then
  prefix=/usr/local
else
  prefix=$HOME/.local
fi

say "Installing the Debian packages sysfence needs (only the missing ones)"
./scripts/setup.sh

say "Building the library and the CLI (preset quickstart: build/quickstart, no tests, no benchmarks)"
cmake --preset quickstart >/dev/null
cmake --build --preset quickstart
echo "built in $((SECONDS - start)) s"

say "Installing into $prefix"
cmake --install build/quickstart --prefix "$prefix" >build/quickstart/install.log
[[ $(id -u) -eq 0 ]] && command -v ldconfig >/dev/null && ldconfig 2>/dev/null || true
sed -n 's|^-- Installing: ||p' build/quickstart/install.log | sed 's|^|  |'

sysfence=$prefix/bin/sysfence
[[ -x $sysfence ]] || { echo "quickstart: $sysfence was not installed" >&2; exit 1; }
on_path=0
case ":$PATH:" in *":$prefix/bin:"*) on_path=1 ;; esac
# The rest of this script calls the installed binary by its full path, so it works either way.

say "Running 'ls -l /' confined by the embedded default policy"
echo "(the filter goes in right before execve; ls runs unmodified)"
echo "\$ sysfence run -- ls -l /"
"$sysfence" run -- ls -l /

say "Checking the seccomp state of a confined process"
echo "\$ sysfence run -- sysfence status self"
"$sysfence" run -- "$sysfence" status self

say "A denied syscall: creating a user namespace"
echo "The default policy denies namespace creation with EPERM. --report shows each denial"
echo "(name and decoded arguments) on stderr, and a summary at the end."
echo "\$ sysfence run --report -- unshare -U true"
set +e
"$sysfence" run --report -- unshare -U true
status=$?
set -e
echo "exit status: $status (unshare failed: the kernel never ran the syscall)"
if [[ $status -eq 0 ]]; then
  echo "quickstart: expected unshare -U to be denied" >&2
  exit 1
fi

say "What the filter does with that syscall, without running anything"
echo "\$ sysfence emu --default unshare CLONE_NEWUSER"
"$sysfence" emu --default unshare CLONE_NEWUSER

say "Done in $((SECONDS - start)) s"
echo "Installed: $sysfence, the library, headers, CMake package and pkg-config files under $prefix"
echo "           (the list is in build/quickstart/install.log)."
if ((on_path)); then
  echo "$prefix/bin is on your PATH: run 'sysfence --help'."
else
  echo "$prefix/bin is NOT on your PATH. Add it, e.g. to ~/.profile:"
  echo "  export PATH=\"$prefix/bin:\$PATH\""
fi
if [[ -d $prefix/share/man ]] && ! manpath 2>/dev/null | tr : '\n' | grep -qx "$prefix/share/man"; then
  echo "Man pages are in $prefix/share/man: export MANPATH=\"$prefix/share/man:\$(manpath)\""
fi
echo "Next: docs/cli.md, and ./scripts/test.sh to build and run every test (a larger build)."
