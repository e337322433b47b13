#!/usr/bin/env python3
"""Generate src/arch/syscalls_table.inc: the per-arch syscall tables of sysfence.

Usage (from the repository root; needs Debian's linux-libc-dev and the
linux-libc-dev-{arm64,armhf,riscv64}-cross packages, and cpp):

    python3 scripts/gen_syscalls.py            # writes src/arch/syscalls_table.inc
    python3 scripts/gen_syscalls.py --check    # exit 1 if the committed file is stale
    python3 scripts/gen_syscalls.py --stdout   # print instead of writing

How it works. For each ABI the host C preprocessor reads that ABI's <asm/unistd.h> with the
predefined macros a compiler for that target would set (-undef -nostdinc plus e.g. __aarch64__,
__ARM_EABI__, __ILP32__), first with -dM to list the __NR_* / __ARM_NR_* macros, then a second time
to expand each of them to an integer expression, which this script evaluates. The syscalls added
to Linux after those headers (6.1) are kept in NEWER below, each with its number per ABI. The output
is sorted and deterministic: running the script twice gives the same bytes.
"""
import genlib
import os
import re
import subprocess
import sys
import tempfile

ROOT = genlib.ROOT
OUT = os.path.join(ROOT, "src", "arch", "syscalls_table.inc")

X32_BIT = 0x40000000

# ABI -> (include dir, predefined macros). Order is the order of sysfence::arch::Arch.
ABIS = [
    ("x86_64", "/usr/include/x86_64-linux-gnu",
     ["__x86_64__", "__LP64__", "__SIZEOF_POINTER__=8", "__SIZEOF_LONG__=8", "__CHAR_BIT__=8"]),
    ("i386", "/usr/include/x86_64-linux-gnu",
     ["__i386__", "__ILP32__", "__SIZEOF_POINTER__=4", "__SIZEOF_LONG__=4", "__CHAR_BIT__=8"]),
    ("x32", "/usr/include/x86_64-linux-gnu",
     ["__x86_64__", "__ILP32__", "__SIZEOF_POINTER__=4", "__SIZEOF_LONG__=4", "__CHAR_BIT__=8"]),
    ("aarch64", "/usr/aarch64-linux-gnu/include",
     ["__aarch64__", "__LP64__", "__SIZEOF_POINTER__=8", "__SIZEOF_LONG__=8", "__CHAR_BIT__=8"]),
    ("arm", "/usr/arm-linux-gnueabihf/include",
     ["__arm__", "__ARM_EABI__", "__ILP32__", "__SIZEOF_POINTER__=4", "__SIZEOF_LONG__=4",
      "__CHAR_BIT__=8"]),
    ("riscv64", "/usr/riscv64-linux-gnu/include",
     ["__riscv", "__riscv_xlen=64", "__LP64__", "__SIZEOF_POINTER__=8", "__SIZEOF_LONG__=8",
      "__CHAR_BIT__=8"]),
]
# The ABIs added for libseccomp parity (syscall tables only; gen_constants.py covers ABIS).
# Endian twins share one table: (arch, table it uses, include dir, macros). MIPS numbers include
# the ABI's base (__NR_Linux: o32 4000, n64 5000, n32 6000), as the kernel sees them.
_MIPS = "/usr/mips-linux-gnu/include"
_PPC = "/usr/powerpc-linux-gnu/include"
_S390 = "/usr/s390x-linux-gnu/include"
_HPPA = "/usr/hppa-linux-gnu/include"
_ILP32 = ["__ILP32__", "__SIZEOF_POINTER__=4", "__SIZEOF_LONG__=4", "__CHAR_BIT__=8"]
_LP64 = ["__LP64__", "__SIZEOF_POINTER__=8", "__SIZEOF_LONG__=8", "__CHAR_BIT__=8"]
EXTRA_ABIS = [
    ("mips", "mips", _MIPS, ["__mips__", "_MIPS_SIM=1"] + _ILP32),
    ("mipsel", "mips", None, None),
    ("mips64", "mips64", _MIPS, ["__mips__", "__mips64", "_MIPS_SIM=3"] + _LP64),
    ("mips64el", "mips64", None, None),
    ("mips64n32", "mips64n32", _MIPS, ["__mips__", "__mips64", "_MIPS_SIM=2"] + _ILP32),
    ("mips64n32el", "mips64n32", None, None),
    ("ppc", "ppc", _PPC, ["__powerpc__"] + _ILP32),
    ("ppc64", "ppc64", _PPC, ["__powerpc__", "__powerpc64__"] + _LP64),
    ("ppc64le", "ppc64", None, None),
    ("s390", "s390", _S390, ["__s390__"] + _ILP32),
    ("s390x", "s390x", _S390, ["__s390__", "__s390x__"] + _LP64),
    ("parisc", "parisc", _HPPA, ["__hppa__"] + _ILP32),
    ("parisc64", "parisc64", _HPPA, ["__hppa__"] + _LP64),
    # Debian 12 has no linux-libc-dev-loong64-cross: LoongArch's 6.1 <asm/unistd.h> is the two
    # lines in LOONGARCH_UNISTD over asm-generic (from linux-libc-dev), written to a temp dir.
    ("loongarch64", "loongarch64", "<loongarch>", ["__loongarch__", "__loongarch64"] + _LP64),
    ("m68k", "m68k", "/usr/m68k-linux-gnu/include", ["__m68k__"] + _ILP32),
    ("sh", "sh", "/usr/sh4-linux-gnu/include", ["__sh__"] + _ILP32),
    ("sheb", "sh", None, None),
]
LOONGARCH_UNISTD = """#define __ARCH_WANT_SYS_CLONE
#define __ARCH_WANT_SYS_CLONE3
#include <asm-generic/unistd.h>
"""
# Each ABI's syscall-number base, added to NEWER's numbers (and MIPS's in the headers).
BASE = {"mips": 4000, "mips64": 5000, "mips64n32": 6000}

TABLE_ABIS = [a for a, _, _ in ABIS] + [t for a, t, inc, _ in EXTRA_ABIS if inc]
ALL = TABLE_ABIS

# Macros that match __NR_* but are not syscalls.
NOT_SYSCALLS = {"syscalls", "arch_specific_syscall", "SYSCALL_BASE", "OABI_SYSCALL_BASE",
                "BASE", "SYSCALL_MASK", "Linux", "Linux_syscalls"}

# Syscalls newer than the 6.1 uapi headers: name -> (first release, {abi: number}).
# "generic" numbers are the same on every ABI (x32 gets the 0x40000000 bit added).
def _generic(nr, abis=ALL):
    return {a: nr for a in abis}

NEWER = {
    "riscv_hwprobe":      ("6.4",  {"riscv64": 258}),
    "cachestat":          ("6.5",  _generic(451)),
    "fchmodat2":          ("6.6",  _generic(452)),
    "map_shadow_stack":   ("6.6",  _generic(453)),
    "futex_wake":         ("6.7",  _generic(454)),
    "futex_wait":         ("6.7",  _generic(455)),
    "futex_requeue":      ("6.7",  _generic(456)),
    "statmount":          ("6.8",  _generic(457)),
    "listmount":          ("6.8",  _generic(458)),
    "lsm_get_self_attr":  ("6.8",  _generic(459)),
    "lsm_set_self_attr":  ("6.8",  _generic(460)),
    "lsm_list_modules":   ("6.8",  _generic(461)),
    "mseal":              ("6.10", _generic(462)),
    "uretprobe":          ("6.11", {"x86_64": 335, "x32": 335}),
    # LoongArch got fstat and newfstatat back in 6.11 (__ARCH_WANT_NEW_STAT).
    "newfstatat":         ("6.11", {"loongarch64": 79}),
    "fstat":              ("6.11", {"loongarch64": 80}),
    "setxattrat":         ("6.13", _generic(463)),
    "getxattrat":         ("6.13", _generic(464)),
    "listxattrat":        ("6.13", _generic(465)),
    "removexattrat":      ("6.13", _generic(466)),
    "open_tree_attr":     ("6.15", _generic(467)),
    "file_getattr":       ("6.17", _generic(468)),
    "file_setattr":       ("6.17", _generic(469)),
    "uprobe":             ("6.18", {"x86_64": 336, "x32": 336}),
    # Past 6.18; kept so policies written for newer kernels resolve. The 31-bit s390 ABI
    # (compat) left the kernel before these came.
    "listns":             ("6.19", _generic(470, [a for a in ALL if a != "s390"])),
    "rseq_slice_yield":   ("7.0",  _generic(471, [a for a in ALL if a != "s390"])),
    # Arch-specific additions since 6.1 on the ABIs of EXTRA_ABIS.
    "memfd_secret":       ("6.2",  {"s390": 447, "s390x": 447}),
    "cacheflush":         ("6.5",  {"parisc": 356, "parisc64": 356}),
    "sync_file_range2":   ("6.10", {"sh": 388}),
}


def cpp(include, defines, text, dump_macros):
    cmd = ["cpp", "-undef", "-nostdinc", "-P", "-I", include]
    cmd += ["-D" + d for d in defines]
    if dump_macros:
        cmd.append("-dM")
    cmd.append("-")
    res = subprocess.run(cmd, input=text, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        sys.exit(f"cpp failed for {include} {defines}:\n{res.stderr}")
    return res.stdout


def eval_int(expr):
    expr = re.sub(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b", r"\1", expr)
    if not re.fullmatch(r"[\s0-9a-fA-FxX()+\-*|<>]*", expr):
        return None  # still has identifiers: not a number
    expr = re.sub(r"\b0+(\d)", r"\1", expr)  # no octal in these headers; keep Python happy
    return int(eval(expr, {"__builtins__": {}}))  # noqa: S307 - digits and operators only


def header_syscalls(abi, include, defines):
    if include == "<loongarch>":
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, "asm"))
            with open(os.path.join(tmp, "asm", "unistd.h"), "w", encoding="utf-8") as f:
                f.write(LOONGARCH_UNISTD)
            with open(os.path.join(tmp, "asm", "bitsperlong.h"), "w", encoding="utf-8") as f:
                f.write("#define __BITS_PER_LONG 64\n")
            os.makedirs(os.path.join(tmp, "asm-generic"))
            with open(os.path.join(tmp, "asm-generic", "unistd.h"), "w", encoding="utf-8") as f:
                with open("/usr/include/asm-generic/unistd.h", encoding="utf-8") as g:
                    f.write(g.read())
            return header_syscalls(abi, tmp, defines)
    src = "#include <asm/unistd.h>\n"
    macros = []
    for line in cpp(include, defines, src, True).splitlines():
        m = re.match(r"#define (__NR_|__ARM_NR_)(\w+)\s+(.*)$", line)
        # An alias (arm's sync_file_range2 = arm_sync_file_range) keeps the name it aliases.
        # MIPS numbers its holes (unused18, reserved221): not syscalls.
        if m and (m.group(2) in NOT_SYSCALLS or re.fullmatch(r"(unused|reserved)\d+", m.group(2))):
            continue
        if m and not re.fullmatch(r"__NR_\w+", m.group(3)):
            macros.append((m.group(1) + m.group(2), m.group(2)))
    probe = src + "".join(f'SFNR "{name}" = {macro}\n' for macro, name in macros)
    table = {}
    for line in cpp(include, defines, probe, False).splitlines():
        m = re.match(r'SFNR "(\w+)" = (.*)$', line)
        if not m:
            continue
        nr = eval_int(m.group(2))
        if nr is None:
            continue
        name = m.group(1)
        if name in table and table[name] != nr:
            sys.exit(f"{abi}: {name} defined twice ({table[name]}, {nr})")
        table[name] = nr
    if abi == "x32":
        bad = [n for n, v in table.items() if not v & X32_BIT]
        if bad:
            sys.exit(f"x32: numbers without the x32 bit: {bad}")
    return table


def build():
    tables = {}
    sources = list(ABIS) + [(t, inc, d) for _, t, inc, d in EXTRA_ABIS if inc]
    for abi, include, defines in sources:
        t = header_syscalls(abi, include, defines)
        for name, (_, nrs) in NEWER.items():
            if abi not in nrs:
                continue
            nr = (nrs[abi] | (X32_BIT if abi == "x32" else 0)) + BASE.get(abi, 0)
            if name in t and t[name] != nr:
                sys.exit(f"{abi}: {name} is {t[name]} in the headers but {nr} in NEWER")
            t[name] = nr
        by_nr = {}
        for name, nr in t.items():
            if nr in by_nr:
                sys.exit(f"{abi}: {name} and {by_nr[nr]} share number {nr}")
            by_nr[nr] = name
        tables[abi] = t
    return tables


def cname(abi):
    return "k" + "".join(p.capitalize() for p in abi.split("_"))


def render(tables):
    out = []
    out.append("// Generated by scripts/gen_syscalls.py -- do not edit. See docs/syscall-tables.md.")
    out.append("// Sources: Debian uapi headers (linux-libc-dev, linux-libc-dev-*-cross, Linux 6.1)")
    out.append("// plus the syscalls added since, listed in the script (up to " +
               max(NEWER.values(), key=lambda v: [int(x) for x in v[0].split(".")])[0] + ").")
    out.append("// Included by src/arch/arch.cpp inside namespace sysfence::arch::detail.")
    out.append("")
    allnames = set()
    for abi in ALL:
        t = tables[abi]
        entries = sorted(t.items(), key=lambda kv: kv[1])
        allnames.update(t)
        n = cname(abi)
        out.append(f"// {abi}: {len(entries)} syscalls, sorted by number.")
        out.append(f"inline constexpr SyscallEntry {n}ByNr[] = {{")
        for name, nr in entries:
            num = f"0x{nr:x}" if nr >= 0x10000 else str(nr)
            out.append(f'    {{"{name}", {num}}},')
        out.append("};")
        pos = {name: i for i, (name, _) in enumerate(entries)}
        idx = [pos[name] for name in sorted(t)]
        out.append(f"// {abi}: indices into {n}ByNr, sorted by name.")
        out.append(f"inline constexpr uint16_t {n}ByName[] = {{")
        for i in range(0, len(idx), 16):
            out.append("    " + ", ".join(str(v) for v in idx[i:i + 16]) + ",")
        out.append("};")
        out.append("")
    out.append(f"// Every name known on any arch: {len(allnames)}, sorted.")
    out.append("inline constexpr std::string_view kAllNames[] = {")
    for name in sorted(allnames):
        out.append(f'    "{name}",')
    out.append("};")
    out.append("")
    out.append("struct ArchTable {")
    out.append("  std::span<const SyscallEntry> by_nr;")
    out.append("  std::span<const uint16_t> by_name;")
    out.append("};")
    out.append("// One per sysfence::arch::Arch, in its order; endian twins share a table.")
    out.append("inline constexpr ArchTable kTables[] = {")
    for arch, abi in [(a, a) for a, _, _ in ABIS] + [(a, t) for a, t, _, _ in EXTRA_ABIS]:
        n = cname(abi)
        out.append(f"    {{{n}ByNr, {n}ByName}},  // {arch}")
    out.append("};")
    return "\n".join(out) + "\n"


def outputs(args):
    return {os.path.relpath(OUT, genlib.ROOT): render(build())}


def main():
    genlib.main(__doc__, outputs)


if __name__ == "__main__":
    main()
