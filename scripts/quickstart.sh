#!/usr/bin/env bash
# sysfence quick start, for a fresh Debian 12 machine, as root, from the source tree:
#   1. install what is missing (scripts/setup.sh, safe to run twice),
#   2. configure and build the release preset,
#   3. run a real program confined by the embedded default policy, and show a denial.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Installing the Debian packages sysfence needs (only the missing ones)"
./scripts/setup.sh

say "Building the release preset (build/release)"
cmake --preset release >/dev/null
cmake --build --preset release

sysfence=build/release/src/cli/sysfence
[[ -x $sysfence ]] || { echo "quickstart: $sysfence was not built" >&2; exit 1; }

say "Running 'ls -l /' confined by the embedded default policy"
echo "(the filter goes in right before execve; ls runs unmodified)"
echo "\$ $sysfence run -- ls -l /"
"$sysfence" run -- ls -l /

say "Checking the seccomp state of a confined process"
echo "\$ $sysfence run -- $sysfence status self"
"$sysfence" run -- "$sysfence" status self

say "A denied syscall: creating a user namespace"
echo "The default policy denies namespace creation with EPERM. --report shows each denial"
echo "(name and decoded arguments) on stderr, and a summary at the end."
echo "\$ $sysfence run --report -- unshare -U true"
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
echo "\$ $sysfence emu --default unshare CLONE_NEWUSER"
"$sysfence" emu --default unshare CLONE_NEWUSER

say "Done"
echo "Next: '$sysfence --help', docs/cli.md, and ./scripts/test.sh to build and run every test."
