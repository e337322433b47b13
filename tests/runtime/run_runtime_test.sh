#!/usr/bin/env bash
# An OCI bundle from Debian's busybox-static, run with runc and with crun under profiles that
# `sysfence compile --format oci` exported (the embedded default policy and a small custom one).
# For each runtime and profile: a denied call fails inside the container with exactly the errno
# `sysfence emu` predicts for that call, an allowed command runs, and without the profile the
# same call succeeds (the positive control).
# usage: run_runtime_test.sh SYSFENCE WORK_DIR
set -euo pipefail
sysfence=$1 work=$2
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || skip "runc and crun run rootful containers here: run this test as root"
for tool in runc crun /bin/busybox python3 perl; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/setup.sh installs runc, crun, busybox-static)"
done
[[ -d /sys/fs/cgroup ]] || skip "no /sys/fs/cgroup: this machine cannot run containers"

rm -rf "$work"
mkdir -p "$work/rootfs/bin" "$work/rootfs/dev" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/"
for applet in sh echo true mkdir unshare cat; do ln -s busybox "$work/rootfs/bin/$applet"; done

# The profiles, and what the emulator says about the calls the container will make.
"$sysfence" compile --default --format oci -o "$work/default.json" 2>"$work/default.warn"
cat >"$work/custom.policy" <<'POLICY'
# A small custom policy: everything allowed but creating directories.
default allow
mkdir, mkdirat: errno EXDEV
POLICY
"$sysfence" compile "$work/custom.policy" --format oci -o "$work/custom.json" 2>"$work/custom.warn"

errno_of() {  # POLICY-ARGS... -- SYSCALL ARGS: the errno `emu` predicts (fails if not errno)
  local out
  out=$("$sysfence" emu "$@" --json)
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["outcome"]=="errno", d; print(d["ret"] & 0xffff)' "$out"
}
strerror() { perl -e '$! = shift; print "$!"' "$1"; }

default_errno=$(errno_of --default unshare CLONE_NEWUSER)
custom_errno=$(errno_of "$work/custom.policy" mkdir 0 0755)
[[ $(errno_of "$work/custom.policy" mkdirat AT_FDCWD 0 0755) == "$custom_errno" ]] || fail "mkdir and mkdirat differ"
"$sysfence" emu "$work/custom.policy" write 1 0 0 --json | grep -q '"outcome": "allow"' || fail "write not allowed"
echo "emu predicts: default profile, unshare(CLONE_NEWUSER) -> errno $default_errno ($(strerror "$default_errno"))"
echo "emu predicts: custom profile, mkdir -> errno $custom_errno ($(strerror "$custom_errno"))"

# config.json from the runtime's own template, with the command and (maybe) the profile.
make_config() {  # PROFILE|none COMMAND
  (cd "$work" && rm -f config.json && runc spec)
  python3 - "$work/config.json" "$1" "$2" <<'PY'
import json, sys
path, profile, command = sys.argv[1:4]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/sh", "-c", "echo alive; " + command + "; echo rc=$?"]
c["root"]["readonly"] = True
if profile != "none":
    c["linux"]["seccomp"] = json.load(open(profile))
else:
    c["linux"].pop("seccomp", None)
json.dump(c, open(path, "w"), indent=1)
PY
}

# crun refuses a cgroup "hybrid" layout whose cgroup2 hierarchy has controllers enabled (this
# machine: /sys/fs/cgroup is tmpfs with v1 controllers, and /sys/fs/cgroup/unified has
# "hugetlb"): "cgroups in hybrid mode not supported, drop all controllers from cgroupv2". Then
# crun runs in a private mount namespace without the cgroup2 mount, i.e. on plain cgroup v1.
crun_cmd=(crun)
if [[ $(stat -fc %T /sys/fs/cgroup) == tmpfs && -n $(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null) ]]; then
  echo "note: hybrid cgroups with cgroup2 controllers ($(cat /sys/fs/cgroup/unified/cgroup.controllers)): crun runs without /sys/fs/cgroup/unified (cgroup v1)"
  crun_cmd=(unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec crun "$@"' crun)
fi

run_in() {  # RUNTIME: runs the bundle, prints its output
  local id="sysfence-test-$$-$RANDOM" rc=0
  if [[ $1 == runc ]]; then
    (cd "$work" && timeout 60 runc run "$id" </dev/null >"$work/out" 2>&1) || rc=$?
    runc delete -f "$id" >/dev/null 2>&1 || true
  else
    (cd "$work" && timeout 60 "${crun_cmd[@]}" run "$id" </dev/null >"$work/out" 2>&1) || rc=$?
    crun delete -f "$id" >/dev/null 2>&1 || true
  fi
  cat "$work/out"
  return $rc
}

check() {  # RUNTIME PROFILE COMMAND ERRNO
  local rt=$1 profile=$2 command=$3 want=$4 out msg
  msg=$(strerror "$want")
  make_config none "$command"
  out=$(run_in "$rt") || fail "$rt without a profile: $out"
  [[ $out == *alive*rc=0* ]] || fail "$rt, no profile: '$command' should succeed (positive control): $out"
  make_config "$profile" "$command"
  out=$(run_in "$rt") || fail "$rt with $(basename "$profile"): $out"
  [[ $out == *alive* ]] || fail "$rt with $(basename "$profile"): the allowed echo did not run: $out"
  [[ $out == *"$msg"* && $out != *rc=0* ]] ||
    fail "$rt with $(basename "$profile"): '$command' should fail with errno $want ($msg): $out"
  echo "$rt + $(basename "$profile"): '$command' -> $msg, as emu predicts; without the profile it succeeds"
}

for rt in runc crun; do
  check "$rt" "$work/default.json" "unshare -U true" "$default_errno"
  check "$rt" "$work/custom.json" "mkdir /dev/shm/x" "$custom_errno"
done
echo "runtime test: OK"
