#!/usr/bin/env python3
"""Generate src/arch/syscall_args.inc: argument names per syscall, from man section 2.

Usage (from the repository root; needs Debian's manpages-dev):

    python3 scripts/gen_syscall_args.py            # writes src/arch/syscall_args.inc
    python3 scripts/gen_syscall_args.py --check    # exit 1 if the committed file is stale
    python3 scripts/gen_syscall_args.py --missing  # list syscalls left without names

How it works: for every syscall name in the tables (gen_syscalls.build()), the SYNOPSIS of its
man page (/usr/share/man/man2/NAME.2.gz, links and .so followed) is turned from roff back into C,
the prototypes are found, and each parameter's name is taken (the identifier after the type;
for `int (*fn)(void *)` it is `fn`; a `... /* mode_t mode */` tail supplies the names in the
comment). A page documenting the glibc wrapper rather than the kernel entry point is mapped by
ALIASES (pread64 -> pread, _newselect -> select, chown32 -> chown, ...). KERNEL holds the
parameter lists, in the kernel's order, for syscalls whose wrapper differs from the kernel entry
(rt_sig*, clone) and for syscalls without a man page here (manpages-dev 6.03 predates them).
"""
import genlib
import glob
import gzip
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_syscalls import ROOT, build  # noqa: E402

OUT = os.path.join(ROOT, "src", "arch", "syscall_args.inc")
MAN2 = "/usr/share/man/man2"

ALIASES = {
    "_newselect": "select", "_llseek": "_llseek", "newfstatat": "fstatat", "fadvise64": None,
    "umount": "umount", "sendfile64": "sendfile", "getdents64": "getdents",
    "oldfstat": "fstat", "oldlstat": "lstat", "oldstat": "stat", "olduname": "uname",
    "oldolduname": "uname", "sgetmask": "sgetmask", "ssetmask": "ssetmask",
    "signalfd4": "signalfd", "eventfd2": "eventfd", "inotify_init1": "inotify_init1",
    "exit": "_exit", "pipe2": "pipe2", "accept4": "accept4", "epoll_create1": "epoll_create1",
    "ugetrlimit": "getrlimit", "vm86old": "vm86old", "waitid": "waitid",
}

# Kernel parameter lists (SYSCALL_DEFINE names, simplified) where the man page does not give
# the kernel's own entry point. clone is given in x86_64's order (on i386, arm and aarch64 the
# last two are swapped: tls before child_tid).
KERNEL = {
    "rt_sigaction": "signum act oldact sigsetsize",
    "rt_sigprocmask": "how set oldset sigsetsize",
    "rt_sigpending": "set sigsetsize",
    "rt_sigsuspend": "mask sigsetsize",
    "rt_sigtimedwait": "set info timeout sigsetsize",
    "rt_sigtimedwait_time64": "set info timeout sigsetsize",
    "rt_sigqueueinfo": "tgid sig info",
    "rt_tgsigqueueinfo": "tgid tid sig info",
    "ppoll": "fds nfds tmo_p sigmask sigsetsize",
    "ppoll_time64": "fds nfds tmo_p sigmask sigsetsize",
    "pselect6": "nfds readfds writefds exceptfds timeout sigmask",
    "pselect6_time64": "nfds readfds writefds exceptfds timeout sigmask",
    "clone": "flags stack parent_tid child_tid tls",
    "fadvise64": "fd offset len advice",
    "fadvise64_64": "fd offset len advice",
    "arm_fadvise64_64": "fd advice offset len",
    "arm_sync_file_range": "fd flags offset nbytes",
    "sync_file_range": "fd offset nbytes flags",
    "epoll_pwait": "epfd events maxevents timeout sigmask sigsetsize",
    "epoll_pwait2": "epfd events maxevents timeout sigmask sigsetsize",
    "signalfd": "fd mask sizemask",
    "signalfd4": "fd mask sizemask flags",
    "io_uring_setup": "entries params",
    "io_uring_enter": "fd to_submit min_complete flags argp argsz",
    "io_uring_register": "fd opcode arg nr_args",
    "open_tree": "dfd filename flags",
    "move_mount": "from_dfd from_pathname to_dfd to_pathname flags",
    "fsopen": "fs_name flags",
    "fsconfig": "fd cmd key value aux",
    "fsmount": "fs_fd flags attr_flags",
    "fspick": "dfd path flags",
    "quotactl_fd": "fd cmd id addr",
    "process_mrelease": "pidfd flags",
    "set_mempolicy_home_node": "start len home_node flags",
    "futex_waitv": "waiters nr_futexes flags timeout clockid",
    "memfd_secret": "flags",
    "cachestat": "fd cstat_range cstat flags",
    "fchmodat2": "dirfd pathname mode flags",
    "map_shadow_stack": "addr size flags",
    "futex_wake": "uaddr mask nr flags",
    "futex_wait": "uaddr val mask flags timeout clockid",
    "futex_requeue": "waiters flags nr_wake nr_requeue",
    "statmount": "req buf bufsize flags",
    "listmount": "req mnt_ids nr_mnt_ids flags",
    "lsm_get_self_attr": "attr ctx size flags",
    "lsm_set_self_attr": "attr ctx size flags",
    "lsm_list_modules": "ids size flags",
    "mseal": "addr len flags",
    "setxattrat": "dirfd pathname at_flags name args size",
    "getxattrat": "dirfd pathname at_flags name args size",
    "listxattrat": "dirfd pathname at_flags list size",
    "removexattrat": "dirfd pathname at_flags name",
    "open_tree_attr": "dirfd pathname flags attr size",
    "file_getattr": "dirfd pathname fattr usize at_flags",
    "file_setattr": "dirfd pathname fattr usize at_flags",
    "listns": "req ns_ids nr_ns_ids flags",
    "riscv_hwprobe": "pairs pair_count cpusetsize cpus flags",
    "riscv_flush_icache": "start end flags",
    "breakpoint": "", "usr26": "", "usr32": "", "get_tls": "", "uretprobe": "", "uprobe": "",
    "set_tls": "tls",
    "ioctl": "fd request arg",
    "semctl": "semid semnum cmd arg",
    "io_pgetevents": "ctx_id min_nr nr events timeout usig",
    "io_pgetevents_time64": "ctx_id min_nr nr events timeout usig",
    "rseq": "rseq rseq_len flags sig",
    "cacheflush": "start end flags",
    # The kernel passes the offset as two registers on every arch (pos_l, pos_h; on 64-bit
    # arches pos_l holds it all), so the page's `offset` is not one register: flags is arg5.
    "preadv": "fd iov iovcnt pos_l pos_h",
    "pwritev": "fd iov iovcnt pos_l pos_h",
    "preadv2": "fd iov iovcnt pos_l pos_h flags",
    "pwritev2": "fd iov iovcnt pos_l pos_h flags",
    # The glibc page documents statfs(path, buf); the *64 entry points take the size first.
    "statfs64": "path sz buf",
    "fstatfs64": "fd sz buf",
    "sync_file_range2": "fd flags offset nbytes",
}

# Parameters that are 64-bit (loff_t, u64) in the kernel's entry point. On a 32-bit ABI each
# takes two registers (on arm EABI an even/odd pair, with a padding register before it when
# needed), so the registers of the names after it shift; arch.cpp computes the layout.
WIDE64 = {
    "pread64": "offset", "pwrite64": "offset", "readahead": "offset",
    "truncate64": "length", "ftruncate64": "length", "fallocate": "offset len",
    "sync_file_range": "offset nbytes", "sync_file_range2": "offset nbytes",
    "arm_sync_file_range": "offset nbytes", "fadvise64": "offset",
    "fadvise64_64": "offset len", "arm_fadvise64_64": "offset len",
    "lookup_dcookie": "cookie", "fanotify_mark": "mask",
}

INTS = {}  # function name -> names of its 32-bit integer parameters (filled by prototypes())

C_WORDS = {"void", "int", "char", "long", "short", "unsigned", "signed", "const", "struct",
           "restrict", "_Nullable", "_Nonnull", "volatile", "union", "enum"}


def read_page(name, seen=None):
    path = os.path.join(MAN2, name + ".2.gz")
    if not os.path.exists(path):
        return None
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        text = f.read()
    m = re.match(r"\s*\.so\s+man2/(\S+)\.2\s*$", text)
    if m:
        seen = seen or set()
        if m.group(1) in seen:
            return None
        seen.add(m.group(1))
        return read_page(m.group(1), seen)
    return text


def roff_args(rest):
    """Split a roff macro's arguments: "quoted strings" and bare words."""
    return [a[1:-1] if a.startswith('"') else a for a in re.findall(r'"[^"]*"?|\S+', rest)]


def synopsis_c(page):
    m = re.search(r"^\.SH SYNOPSIS\n(.*?)^\.SH ", page, re.S | re.M)
    if not m:
        return ""
    lines = m.group(1).replace("\\\n", " ").splitlines()
    out = []
    for line in lines:
        if line.startswith('.\\"'):
            continue
        mm = re.match(r"\.(B|I|BI|IB|BR|RB|IR|RI)\s+(.*)$", line)
        if mm:
            args = roff_args(mm.group(2))
            out.append((" " if mm.group(1) in ("B", "I") else "").join(args))
        elif line.startswith("."):
            out.append("")
        else:
            out.append(line)
    c = "\n".join(out)
    c = re.sub(r"\\f[BIRP]", "", c).replace("\\-", "-").replace("\\~", " ").replace("\\ ", " ")
    c = re.sub(r"^\s*#.*$", "", c, flags=re.M)
    # "... /* pid_t *parent_tid, void *tls */": the comment names the variadic arguments.
    c = re.sub(r"\.\.\.\s*/\*(.*?)\*/",
               lambda m: ", ".join("__va " + x for x in m.group(1).split(",")), c, flags=re.S)
    c = re.sub(r"/\*.*?\*/", "", c, flags=re.S)
    return c


# C types that are 32-bit integers (int, unsigned int and their typedefs) on every Linux ABI: the
# kernel reads only the low half of the register for them.
INT_TYPES = {"int", "unsigned int", "unsigned", "signed int", "uid_t", "gid_t", "pid_t", "mode_t",
             "clockid_t", "key_serial_t", "mqd_t", "idtype_t", "socklen_t", "key_t", "id_t",
             "umode_t", "qid_t", "timer_t"}

# 32-bit integer parameters of the entries in KERNEL, and corrections where the page's type is
# not the kernel's (personality(2) documents `unsigned long persona`, the kernel takes an
# unsigned int; mmap's prot and flags are unsigned long in the kernel).
KERNEL_INT = {
    "rt_sigaction": "signum", "rt_sigprocmask": "how", "rt_sigqueueinfo": "tgid sig",
    "rt_tgsigqueueinfo": "tgid tid sig", "clone": "", "ioctl": "fd request",
    "signalfd": "fd", "signalfd4": "fd flags", "semctl": "semid semnum cmd",
    "io_uring_enter": "fd to_submit min_complete flags", "io_uring_register": "fd opcode nr_args",
    "io_uring_setup": "entries", "open_tree": "dfd flags", "move_mount": "from_dfd to_dfd flags",
    "fsopen": "flags", "fsconfig": "fd cmd aux", "fsmount": "fs_fd flags attr_flags",
    "fspick": "dfd flags", "quotactl_fd": "fd cmd id", "process_mrelease": "pidfd flags",
    "memfd_secret": "flags", "fchmodat2": "dirfd mode flags", "rseq": "rseq_len flags sig",
    "epoll_pwait": "epfd maxevents timeout", "epoll_pwait2": "epfd maxevents",
    "personality": "persona", "mmap": "fd", "mprotect": "", "pkey_mprotect": "pkey", "statfs64": "", "fstatfs64": "fd",
    "preadv": "", "pwritev": "", "preadv2": "flags", "pwritev2": "flags",
    "sync_file_range": "fd flags", "sync_file_range2": "fd flags", "arm_sync_file_range": "fd flags",
    "fadvise64": "fd advice", "fadvise64_64": "fd advice", "arm_fadvise64_64": "fd advice",
}


def is_int_param(p):
    p = re.sub(r"\b(const|volatile|restrict|_Nullable|_Nonnull)\b", " ", p.strip())
    if "*" in p or "[" in p or "(" in p:
        return False
    ids = re.findall(r"[A-Za-z_]\w*", p)
    return len(ids) >= 2 and " ".join(ids[:-1]) in INT_TYPES


def param_name(p):
    p = p.strip()
    if not p or p == "void" or p == "...":
        return None
    fn = re.search(r"\(\s*\*\s*(\w+)\s*\)", p)  # int (*fn)(void *)
    if fn:
        return fn.group(1)
    p = re.sub(r"\[[^\]]*\]", "", p)  # buf[.count], envp[]
    ids = re.findall(r"[A-Za-z_]\w*", p)
    if len(ids) < 2 and not p.endswith("*"):
        return None  # a type without a name
    name = ids[-1] if ids else None
    return None if name in C_WORDS else name


def split_params(s):
    depth, cur, parts = 0, "", []
    for ch in s:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def prototypes(c):
    """{function name: [parameter names]} for every prototype in the C text."""
    found = {}
    for m in re.finditer(r"\b(\w+)\s*\(", c):
        name, i, depth = m.group(1), m.end(), 1
        j = i
        while j < len(c) and depth:
            depth += {"(": 1, ")": -1}.get(c[j], 0)
            j += 1
        if depth or not re.match(r"\s*;", c[j:]):
            continue
        params = split_params(c[i:j - 1])
        if name == "syscall":
            first = params[0].strip()
            if not first.startswith("SYS_"):
                continue
            name, params = first[4:], params[1:]
        named = [(param_name(p), p) for p in params]
        names = [n for n, _ in named if n]
        ints = {n for n, p in named if n and is_int_param(p)}
        if name not in found or len(names) > len(found[name]):
            found[name] = names
            INTS[name] = ints
    return found


INT_RESULT = {}  # syscall -> names of its 32-bit integer arguments


def arg_names(all_names):
    global_protos, global_ints = {}, {}
    for path in sorted(glob.glob(os.path.join(MAN2, "*.2.gz"))):
        page = read_page(os.path.basename(path)[:-5])
        if page:
            INTS.clear()
            for k, v in prototypes(synopsis_c(page)).items():
                if k not in global_protos:
                    global_protos[k] = v
                    global_ints[k] = INTS.get(k, set())
    result, missing = {}, []
    for name in sorted(all_names):
        if name in KERNEL:
            result[name] = KERNEL[name].split()
            INT_RESULT[name] = set(KERNEL_INT.get(name, "").split())
            continue
        page = read_page(name)
        cands = [name, ALIASES.get(name)]
        base = re.sub(r"(_time64|64|32)$", "", name)
        cands += [base, re.sub(r"^(new|old|rt_)", "", base), re.sub(r"\d+$", "", name)]
        got = None
        INTS.clear()
        local = prototypes(synopsis_c(page)) if page else {}
        local_ints = dict(INTS)
        for cand in cands:
            if cand and cand in local:
                got = local[cand]
                INT_RESULT[name] = local_ints.get(cand, set())
                break
        if got is None:
            for cand in cands:
                if cand and cand in global_protos:
                    got = global_protos[cand]
                    INT_RESULT[name] = global_ints.get(cand, set())
                    break
        if name in KERNEL_INT:
            INT_RESULT[name] = set(KERNEL_INT[name].split())
        if got is None:
            missing.append(name)
            continue
        if len(got) > 6:
            sys.exit(f"{name}: more than 6 arguments parsed: {got}")
        result[name] = got
    return result, missing


def render(result):
    out = ["// Generated by scripts/gen_syscall_args.py -- do not edit. See docs/syscall-tables.md.",
           "// Argument names from the SYNOPSIS of man section 2 (manpages-dev), plus the kernel's",
           "// own parameter names where the page documents a wrapper or is missing.",
           "// Included by src/arch/arch.cpp inside namespace sysfence::arch::detail.", "",
           "struct ArgNames {", "  std::string_view name;",
           "  std::array<std::string_view, 6> args;", "  size_t count;", "};", "",
           f"inline constexpr ArgNames kArgNames[] = {{  // {len(result)} syscalls, by name"]
    for name in sorted(result):
        args = result[name]
        out.append(f'    {{"{name}", {{' + ", ".join(f'"{a}"' for a in args) +
                   f"}}, {len(args)}}},")
    out.append("};")
    out += ["", "// Which arguments are 32-bit integers (int, unsigned int, pid_t, ...; bit i: argument i):",
            "// the kernel ignores the upper half of their register on 64-bit ABIs.",
            "struct IntArgs {", "  std::string_view name;", "  uint8_t bits;", "};", "",
            "inline constexpr IntArgs kIntArgs[] = {  // by name"]
    for name in sorted(result):
        bits = 0
        for i, a in enumerate(result[name]):
            if a in INT_RESULT.get(name, set()):
                bits |= 1 << i
        if bits:
            out.append(f'    {{"{name}", {bits:#04x}}},')
    out.append("};")
    out += ["", "// Which arguments are 64-bit in the kernel (bit i: argument i); see WIDE64.",
            "struct WideArgs {", "  std::string_view name;", "  uint8_t bits;", "};", "",
            "inline constexpr WideArgs kWideArgs[] = {  // by name"]
    for name in sorted(WIDE64):
        if name not in result:
            continue
        bits = 0
        for w in WIDE64[name].split():
            if w not in result[name]:
                sys.exit(f"WIDE64: {name} has no argument {w}")
            bits |= 1 << result[name].index(w)
        out.append(f'    {{"{name}", {bits:#04x}}},')
    out.append("};")
    return "\n".join(out) + "\n"


def found_names():
    names = set()
    for t in build().values():
        names.update(t)
    return arg_names(names)


def outputs(args):
    result, _ = found_names()
    return {os.path.relpath(OUT, genlib.ROOT): render(result)}


def list_missing(args):
    if not args.missing:
        return False
    result, missing = found_names()
    print(f"{len(result)} with names, {len(missing)} without:", " ".join(missing))
    return True


def main():
    ap = genlib.parser(__doc__)
    ap.add_argument("--missing", action="store_true", help="list syscalls without names")
    genlib.main(__doc__, outputs, ap=ap, before=list_missing)


if __name__ == "__main__":
    main()
