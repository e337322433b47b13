#!/usr/bin/env python3
"""Generate src/arch/constants_table.inc: named constants (O_*, AF_*, CLONE_*, errno, ...) per arch.

Usage (from the repository root; needs cpp, gcc, Debian's linux-libc-dev and the
linux-libc-dev-{arm64,armhf,riscv64}-cross packages):

    python3 scripts/gen_constants.py            # writes src/arch/constants_table.inc
    python3 scripts/gen_constants.py --check    # exit 1 if the committed file is stale
    python3 scripts/gen_constants.py --stdout   # print instead of writing

Where the values come from:
  * Kernel uapi headers, per ABI: the host C preprocessor reads each ABI's own <asm/...> and
    <linux/...> headers with that ABI's predefined macros (as gen_syscalls.py does), lists the
    macros with -dM, expands them, and this script evaluates the integer expressions, _IOC()
    ioctl numbers included (sizeof is known for scalar types; an ioctl whose size is a struct is
    skipped). This is how O_DIRECTORY gets 040000 on arm/aarch64 and 0200000 on x86.
  * glibc headers for what only libc defines (AF_*, PF_*, SOCK_*, MSG_*, SOL_* other than
    SOL_SOCKET, IPPROTO_*): a small C program built and run on the host prints them. Debian only
    ships glibc headers for the host, so these apply to every ABI; for the six ABIs sysfence
    supports they are the same (they differ on mips, alpha, sparc, parisc).
  * NEWER below: constants added to Linux after the 6.1 headers.

Negative values (AT_FDCWD = -100) are stored as two's complement in the ABI's register width:
64 bits on x86_64, x32, aarch64 and riscv64, 32 bits on i386 and arm. The output is sorted and
deterministic.
"""
import atexit
import genlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_syscalls import ABIS, ROOT, cname  # noqa: E402

OUT = os.path.join(ROOT, "src", "arch", "constants_table.inc")

UAPI_HEADERS = [
    "linux/fcntl.h", "linux/openat2.h", "linux/stat.h", "linux/fs.h", "linux/mount.h",
    "asm/mman.h", "linux/mman.h", "linux/memfd.h", "linux/sched.h", "linux/prctl.h",
    "asm/ioctls.h", "asm/termbits.h", "asm/signal.h", "asm/errno.h", "linux/seccomp.h",
    "linux/ipc.h", "linux/shm.h", "linux/sem.h", "linux/msg.h", "linux/futex.h", "asm/socket.h",
    "linux/wait.h", "linux/time.h", "linux/ptrace.h", "asm/resource.h", "linux/random.h",
"linux/close_range.h", "linux/falloc.h", "linux/xattr.h", "linux/poll.h",
    "linux/capability.h", "linux/keyctl.h", "linux/netlink.h", "linux/inotify.h",
    "linux/personality.h", "linux/reboot.h", "linux/landlock.h", "linux/kexec.h",
    "linux/userfaultfd.h", "linux/io_uring.h", "linux/bpf.h", "linux/perf_event.h",
]

# Families taken from the uapi headers (a macro is kept when its name starts with one of these).
UAPI_PREFIXES = (
    "O_", "F_", "FD_", "AT_", "RESOLVE_", "S_I", "RENAME_", "MS_", "MNT_", "MOUNT_ATTR_",
    "OPEN_TREE_", "MOVE_MOUNT_", "FSOPEN_", "FSMOUNT_", "FSPICK_", "UMOUNT_", "PROT_", "MAP_",
    "MADV_", "MREMAP_", "MCL_", "MLOCK_", "MFD_", "CLONE_", "CSIGNAL", "SCHED_", "PR_", "TIOC",
    "FIO", "TCGETS", "TCSETS", "TCFLSH", "TCXONC", "TCSBRK", "TCIFLUSH", "TCOFLUSH", "TCIOFLUSH",
    "TCOOFF", "TCOON", "TCIOFF", "TCION", "TCSANOW", "TCSADRAIN", "TCSAFLUSH", "SIG", "SA_",
    "SS_", "SECCOMP_", "IPC_", "SHM_", "SEM_", "GETPID", "GETVAL", "GETALL", "GETNCNT", "GETZCNT",
    "SETVAL", "SETALL", "MSG_STAT", "MSG_INFO", "MSG_STAT_ANY", "MSG_NOERROR", "MSG_EXCEPT",
    "MSG_COPY", "FUTEX_", "FUTEX2_", "SOL_SOCKET", "SO_", "SCM_", "W", "P_ALL", "P_PID",
    "P_PGID", "P_PIDFD", "CLOCK_", "TIMER_ABSTIME", "PTRACE_", "RLIMIT_", "GRND_", "EFD_",
    "CLOSE_RANGE_", "FALLOC_FL_", "XATTR_", "POLL", "CAP_", "KEYCTL_", "KEY_SPEC_", "NETLINK_",
    "IN_", "PER_", "ADDR_", "READ_IMPLIES_EXEC", "STICKY_TIMEOUTS", "SHORT_INODE",
    "WHOLE_SECONDS", "MMAP_PAGE_ZERO", "FDPIC_FUNCPTRS", "UNAME26", "LINUX_REBOOT_",
    "LANDLOCK_", "KEXEC_", "UFFD_", "UFFDIO_", "IORING_", "BPF_", "PERF_", "STATX_",
    "SPLICE_F_", "SYNC_FILE_RANGE_",
)
# From glibc (host headers, the same on the six supported ABIs).
LIBC_PREFIXES = ("EFD_", "AF_", "PF_", "SOCK_", "MSG_", "SOL_", "IPPROTO_", "SHUT_", "SPLICE_F_",
                 "SYNC_FILE_RANGE_", "IP_", "IPV6_", "TCP_", "SCM_")
LIBC_HEADERS = ["sys/socket.h", "netinet/in.h", "netinet/tcp.h", "fcntl.h", "sys/eventfd.h"]

# Names with these prefixes that are not constants a policy would compare against.
SKIP = re.compile(r"^(SIGSTKSZ|MINSIGSTKSZ|SIG_(DFL|IGN|ERR)|SA_RESTORER|"
                  r"CAP_(TO_INDEX|TO_MASK|LAST_CAP)|.*_H|.*_H_)$|__")

ERRNO_ALIASES = {"ENOTSUP": "EOPNOTSUPP"}  # glibc-only spelling
# Second names for a number; errno_name()/signal_name() give the other one.
NOT_CANONICAL = {"EWOULDBLOCK", "EDEADLOCK", "ENOTSUP", "SIGIOT", "SIGPOLL", "SIGUNUSED", "SIGCLD"}

# Constants added after the 6.1 headers, the same on every supported ABI.
NEWER = {
    "PR_SET_MDWE": 65, "PR_GET_MDWE": 66, "PR_MDWE_REFUSE_EXEC_GAIN": 1,
    "PR_MDWE_NO_INHERIT": 2,
    "PR_SET_MEMORY_MERGE": 67, "PR_GET_MEMORY_MERGE": 68,
    "PR_RISCV_V_SET_CONTROL": 69, "PR_RISCV_V_GET_CONTROL": 70,
    "PR_GET_SHADOW_STACK_STATUS": 74, "PR_SET_SHADOW_STACK_STATUS": 75,
    "PR_LOCK_SHADOW_STACK_STATUS": 76,
    "PR_GET_AUXV": 0x41555856,
    "MAP_DROPPABLE": 0x08,
    "MADV_GUARD_INSTALL": 102, "MADV_GUARD_REMOVE": 103,
    "F_DUPFD_QUERY": 1027, "F_CREATED_QUERY": 1028,
    "FUTEX2_SIZE_U8": 0x00, "FUTEX2_SIZE_U16": 0x01, "FUTEX2_SIZE_U32": 0x02,
    "FUTEX2_SIZE_U64": 0x03, "FUTEX2_NUMA": 0x04, "FUTEX2_PRIVATE": 128,
    "AT_EXECVE_CHECK": 0x10000,
}

# A few uapi headers include libc headers (linux/shm.h includes <unistd.h>); empty stand-ins
# keep glibc out, so the same headers read the same way for every ABI.
STUB_DIR = tempfile.mkdtemp(prefix="sysfence-stubs-")
atexit.register(shutil.rmtree, STUB_DIR, True)
for _h in ("unistd.h", "stddef.h", "stdint.h", "stdlib.h", "string.h", "time.h", "sys/types.h",
           "sys/time.h", "sys/ioctl.h", "sys/socket.h", "limits.h"):
    os.makedirs(os.path.dirname(os.path.join(STUB_DIR, _h)), exist_ok=True)
    open(os.path.join(STUB_DIR, _h), "w", encoding="utf-8").close()


# clang target per ABI: clang evaluates every constant for its ABI (sizeof of ioctl structs,
# enums, casts), so nothing is hand-evaluated.
TRIPLES = {
    "x86_64": "x86_64-linux-gnu", "i386": "i386-linux-gnu", "x32": "x86_64-linux-gnux32",
    "aarch64": "aarch64-linux-gnu", "arm": "armv7a-linux-gnueabihf",
    "riscv64": "riscv64-linux-gnu",
}
# Enumerators (not macros) worth having: bpf(2) commands, personality(2) values, ...
ENUM_PREFIXES = ("BPF_", "PER_", "ADDR_", "MEMBARRIER_CMD_", "KCMP_", "IORING_OP_",
                 "IORING_REGISTER_", "LANDLOCK_RULE_", "IPPROTO_", "MPOL_")


def run(cmd, text):
    res = subprocess.run(cmd, input=text, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{res.stderr}")
    return res.stdout


def clang_cmd(abi, include):
    cmd = ["clang", "--target=" + TRIPLES[abi], "-nostdinc", "-I", STUB_DIR, "-I", include]
    if include == "/usr/include/x86_64-linux-gnu":
        cmd += ["-I", "/usr/include"]
    return cmd


def clang_values(abi, include, src, names):
    """Evaluate each name as an integer constant for this ABI; returns {name: int}."""
    names = list(names)
    first = src.count("\n")
    with tempfile.TemporaryDirectory() as d:
        c = os.path.join(d, "v.c")
        while True:
            body = src + "".join(f"const long long sf_{n} = (long long)({n});\n" for n in names)
            with open(c, "w", encoding="utf-8") as f:
                f.write(body)
            res = subprocess.run(clang_cmd(abi, include) + ["-w", "-ferror-limit=0", "-S",
                                                            "-emit-llvm", "-o", "-", c],
                                 capture_output=True, text=True, check=False)
            if res.returncode == 0:
                break
            # A name that is not an integer constant (a string, a struct size the headers
            # cannot give) fails to compile: drop it and try again.
            bad = {int(x) - first - 1 for x in re.findall(r"v\.c:(\d+):\d+: error", res.stderr)}
            bad = {i for i in bad if 0 <= i < len(names)}
            if not bad:
                sys.exit(f"clang failed for {abi}:\n{res.stderr[:3000]}")
            names = [n for i, n in enumerate(names) if i not in bad]
    vals = {}
    for line in res.stdout.splitlines():
        m = re.match(r"@sf_(\w+) = .*constant i64 (-?\d+)", line)
        if m:
            vals[m.group(1)] = int(m.group(2))
    return vals


def uapi_constants(abi, include):
    src = "".join(f"#include <{h}>\n" for h in UAPI_HEADERS)
    defs = set()
    for line in run(clang_cmd(abi, include) + ["-E", "-dM", "-"], src).splitlines():
        m = re.match(r"#define ([A-Z][A-Z0-9_]*)\s+\S", line)
        if m:
            defs.add(m.group(1))
    pre = run(clang_cmd(abi, include) + ["-E", "-P", "-"], src)
    for body in re.findall(r"\benum\b[^{;]*\{([^}]*)\}", pre):
        for item in body.split(","):
            m = re.match(r"\s*([A-Z][A-Z0-9_]*)\s*(=|$)", item)
            if m and m.group(1).startswith(ENUM_PREFIXES):
                defs.add(m.group(1))
    errnos = set()
    for line in run(clang_cmd(abi, include) + ["-E", "-dM", "-"],
                    "#include <asm/errno.h>\n").splitlines():
        m = re.match(r"#define (E[A-Z0-9]+)\s", line)
        if m:
            errnos.add(m.group(1))
    names = sorted(n for n in defs
                   if (n in errnos or n.startswith(UAPI_PREFIXES + ENUM_PREFIXES))
                   and not SKIP.search(n) and not (n.startswith("E") and n not in errnos))
    values = clang_values(abi, include, src, names)
    skipped = [n for n in names if n not in values]
    return values, errnos, skipped


def libc_constants():
    src = "".join(f"#include <{h}>\n" for h in LIBC_HEADERS)
    names = []
    for line in run(["cpp", "-dM", "-"], src).splitlines():
        m = re.match(r"#define ([A-Z][A-Z0-9_]*)\s+\S", line)
        if m and m.group(1).startswith(LIBC_PREFIXES) and not SKIP.search(m.group(1)):
            names.append(m.group(1))
    names.sort()
    prog = src + "#include <stdio.h>\nint main(void) {\n"
    prog += "".join(f'  printf("{n} %lld\\n", (long long)({n}));\n' for n in names)
    prog += "  return 0;\n}\n"
    with tempfile.TemporaryDirectory() as d:
        c, exe = os.path.join(d, "c.c"), os.path.join(d, "c")
        with open(c, "w", encoding="utf-8") as f:
            f.write(prog)
        # A name that is not an integer (a struct, a function) fails to compile: drop it and retry.
        while True:
            res = subprocess.run(["gcc", "-w", "-o", exe, c], capture_output=True, text=True,
                                 check=False)
            if res.returncode == 0:
                break
            bad = set(re.findall(r"c\.c:(\d+):\d+: error", res.stderr))
            if not bad:
                sys.exit(res.stderr)
            lines = prog.splitlines(keepends=True)
            prog = "".join(l for i, l in enumerate(lines, 1) if str(i) not in bad)
            with open(c, "w", encoding="utf-8") as f:
                f.write(prog)
        out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    return {n: int(v) for n, v in (l.split() for l in out.splitlines())}


def build():
    libc = libc_constants()
    per_abi, errno_names = {}, None
    for abi, include, defines in ABIS:
        vals, errnos, _ = uapi_constants(abi, include)
        bits = 64 if "__LP64__" in defines or abi == "x32" else 32
        merged = dict(libc)
        for k, v in NEWER.items():
            merged[k] = v
        merged.update(vals)  # the ABI's own headers win
        for alias, target in ERRNO_ALIASES.items():
            merged[alias] = merged[target]
            errnos = errnos | {alias}
        # Register width for negative values: x32 passes 64-bit registers.
        mask = (1 << bits) - 1
        per_abi[abi] = {k: (v & mask if v < 0 else v) for k, v in merged.items()
                        if -(1 << 63) <= v < (1 << 64)}
        per_abi[abi + "#neg"] = {k for k, v in merged.items() if v < 0}
        if errno_names is None:
            errno_names = errnos
    return per_abi, errno_names


def render(per_abi, errno_names):
    out = ["// Generated by scripts/gen_constants.py -- do not edit. See docs/syscall-tables.md.",
           "// Included by src/arch/constants.cpp inside namespace sysfence::arch::detail.", ""]
    for abi, _, _ in ABIS:
        vals, neg = per_abi[abi], per_abi[abi + "#neg"]
        n = cname(abi)
        out.append(f"// {abi}: {len(vals)} constants, sorted by name.")
        out.append(f"inline constexpr NamedConstant {n}Constants[] = {{")
        for k in sorted(vals):
            v = vals[k]
            out.append(f'    {{"{k}", 0x{v:x}u, {"true" if k in neg else "false"}}},')
        out.append("};")
        out.append("")
    out.append("inline constexpr std::span<const NamedConstant> kConstantTables[] = {")
    out += [f"    {cname(abi)}Constants,  // {abi}" for abi, _, _ in ABIS]
    out.append("};")
    # errno and signals: the same on the six ABIs (checked by build()).
    first = per_abi[ABIS[0][0]]
    out.append("")
    out.append("// errno names, sorted by name (aliases included: EWOULDBLOCK, EDEADLOCK, ENOTSUP).")
    out.append("inline constexpr NamedConstant kErrnoNames[] = {")
    for k in sorted(errno_names):
        out.append(f'    {{"{k}", {first[k]}u, false}},')
    out.append("};")
    sigs = sorted(k for k in first if re.fullmatch(r"SIG[A-Z0-9]+", k) and k not in
                  ("SIGRTMIN", "SIGRTMAX", "SIGSTKSZ") and first[k] < 65)
    out.append("")
    out.append("// Signal names, sorted by name (aliases included: SIGIOT, SIGPOLL, ...).")
    out.append("inline constexpr NamedConstant kSignalNames[] = {")
    for k in sigs:
        out.append(f'    {{"{k}", {first[k]}u, false}},')
    out.append("};")
    for what, names in (("Errno", errno_names), ("Signal", sigs)):
        by_value = {}
        for k in sorted(names):
            if k not in NOT_CANONICAL:
                if first[k] in by_value:
                    sys.exit(f"{k} and {by_value[first[k]]} share {first[k]}: add one to NOT_CANONICAL")
                by_value[first[k]] = k
        top = max(by_value)
        out.append("")
        out.append(f"// The canonical {what.lower()} name per value (index), \"\" for none.")
        out.append(f"inline constexpr std::string_view k{what}ByValue[] = {{")
        row = [f'"{by_value.get(v, "")}"' for v in range(top + 1)]
        for i in range(0, len(row), 8):
            out.append("    " + ", ".join(row[i:i + 8]) + ",")
        out.append("};")
    return "\n".join(out) + "\n"


def check_same(per_abi, names, what):
    base = ABIS[0][0]
    for abi, _, _ in ABIS[1:]:
        for k in names:
            if per_abi[abi].get(k) != per_abi[base].get(k):
                sys.exit(f"{what} {k} differs between {base} and {abi}: the tables assume not")


def outputs(args):
    per_abi, errno_names = build()
    check_same(per_abi, errno_names, "errno")
    base = per_abi[ABIS[0][0]]
    check_same(per_abi, [k for k in base if re.fullmatch(r"SIG[A-Z0-9]+", k)], "signal")
    return {os.path.relpath(OUT, genlib.ROOT): render(per_abi, errno_names)}


def list_skipped(args):
    if not args.skipped:
        return False
    for abi, include, defines in ABIS:
        _, _, skipped = uapi_constants(abi, include)
        print(abi, len(skipped), " ".join(skipped))
    return True


def main():
    ap = genlib.parser(__doc__)
    ap.add_argument("--skipped", action="store_true", help="list macros that did not evaluate")
    genlib.main(__doc__, outputs, ap=ap, before=list_skipped)


if __name__ == "__main__":
    main()
