// What the text language means: the IR rules each construct lowers to.
#include <gtest/gtest.h>

#include <cerrno>

#include "helpers.hpp"
#include "sysfence/arch/constants.hpp"
#include "sysfence/frontend/groups.hpp"
#include "sysfence/frontend/policy_text.hpp"

namespace {

using namespace sysfence;
using arch::Arch;
using ir::Action;
using ir::CmpOp;

ir::PolicySpec parse_ok(const std::string& text, const sftest::Files& files = {},
                        std::vector<Arch> arches = {Arch::X86_64}) {
  auto r = frontend::parse_policy_text(text, "p.policy", sftest::mem_fs(files, std::move(arches)));
  EXPECT_TRUE(r.ok()) << r.render();
  return r.value.value_or(ir::PolicySpec{});
}

// "name [arch] action: conds" per rule, for compact comparisons.
std::string show(const ir::PolicySpec& s) {
  std::string out;
  for (const ir::Rule& r : s.rules) {
    out += r.syscall;
    if (r.only_arch) out += "@" + std::string(arch::info(*r.only_arch).name);
    out += " " + r.action.to_string() + ":";
    for (const ir::ArgCmp& c : r.conds) {
      char buf[96];
      static const char* ops[] = {"==", "!=", "<", "<=", ">", ">=", "&"};
      if (c.op == CmpOp::MaskedEq)
        std::snprintf(buf, sizeof buf, " a%d&%#llx==%#llx", c.arg, (unsigned long long)c.mask,
                      (unsigned long long)c.value);
      else
        std::snprintf(buf, sizeof buf, " a%d%s%#llx", c.arg, ops[static_cast<int>(c.op)],
                      (unsigned long long)c.value);
      out += buf;
      if (c.width == ir::Width::Bits32) out += "/32";
    }
    out += "\n";
  }
  return out;
}

TEST(PolicyText, SettingsAndDefaults) {
  auto s = parse_ok(
      "# comment\n"
      "default errno EPERM   # trailing comment\n"
      "bad-arch kill-thread\n"
      "unknown-syscall errno 38\n"
      "arch x86_64, i386\n");
  EXPECT_EQ(s.default_action, Action::errno_(EPERM));
  EXPECT_EQ(s.bad_arch_action, Action::kill_thread());
  ASSERT_TRUE(s.unknown_syscall_action);
  EXPECT_EQ(*s.unknown_syscall_action, Action::errno_(ENOSYS));
  EXPECT_EQ(s.arches, (std::vector<Arch>{Arch::X86_64, Arch::I386}));
  auto none = parse_ok("read: allow\n");
  EXPECT_EQ(none.default_action, Action::kill_process());
  EXPECT_EQ(none.bad_arch_action, Action::kill_process());
  EXPECT_FALSE(none.unknown_syscall_action);
  EXPECT_EQ(none.arches, std::vector<Arch>{Arch::X86_64});
}

TEST(PolicyText, Actions) {
  EXPECT_EQ(show(parse_ok("read: allow\nwrite: log\nopenat: errno EACCES\nclose: errno 38\n"
                          "getpid: trap\ngettid: trap 3\nkill: trace 7\ntkill: trace\n"
                          "tgkill: notify\nexit: kill-thread\nptrace: kill-process\n")),
            "read allow:\nwrite log:\nopenat errno(13):\nclose errno(38):\ngetpid trap(0):\n"
            "gettid trap(3):\nkill trace(7):\ntkill trace(0):\ntgkill user_notif:\n"
            "exit kill_thread:\nptrace kill_process:\n");
  auto a = frontend::parse_action("errno ENOSYS");
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, Action::errno_(ENOSYS));
  EXPECT_FALSE(frontend::parse_action("errno"));
  EXPECT_EQ(frontend::action_to_text(Action::errno_(EPERM)), "errno EPERM");
  EXPECT_EQ(frontend::action_to_text(Action::trace(7)), "trace 7");
  EXPECT_EQ(frontend::action_to_text(Action::kill_process()), "kill-process");
}

TEST(PolicyText, ConditionDefaultsToAllowAndArrowGivesAction) {
  EXPECT_EQ(show(parse_ok("write: fd == 1 || fd == 2\nopenat: flags & O_CREAT -> errno EPERM\n")),
            "write allow: a0==0x1\nwrite allow: a0==0x2\n"
            "openat errno(1): a2&0x40==0x40\n");
}

TEST(PolicyText, DnfOfAndOverOr) {
  EXPECT_EQ(show(parse_ok("read: arg0 == 1 && (arg1 == 2 || arg2 == 3)\n")),
            "read allow: a0==0x1 a1==0x2\nread allow: a0==0x1 a2==0x3\n");
}

TEST(PolicyText, NegationByDeMorgan) {
  EXPECT_EQ(show(parse_ok("read: !(arg0 == 1 || arg1 < 2)\n")), "read allow: a0!=0x1 a1>=0x2\n");
  EXPECT_EQ(show(parse_ok("read: !(arg0 <= 1 && arg1 > 2)\n")),
            "read allow: a0>0x1\nread allow: a1<=0x2\n");
  EXPECT_EQ(show(parse_ok("read: !!(arg0 >= 4)\n")), "read allow: a0>=0x4\n");
}

TEST(PolicyText, InSets) {
  EXPECT_EQ(show(parse_ok("read: arg0 in {1, 2,\n  3}\n")),
            "read allow: a0==0x1\nread allow: a0==0x2\nread allow: a0==0x3\n");
  EXPECT_EQ(show(parse_ok("read: arg0 not in {1, 2}\n")), "read allow: a0!=0x1 a0!=0x2\n");
  EXPECT_EQ(show(parse_ok("read: !(arg0 not in {1, 2})\n")),
            "read allow: a0==0x1\nread allow: a0==0x2\n");
  EXPECT_EQ(show(parse_ok("read: (arg0 & 3) in {1, 2}\n")),
            "read allow: a0&0x3==0x1\nread allow: a0&0x3==0x2\n");
}

TEST(PolicyText, Masks) {
  // (x & m) == v is one masked comparison; != expands into one rule per bit of the mask.
  EXPECT_EQ(show(parse_ok("read: (arg2 & 0x6) == 0x2\n")), "read allow: a2&0x6==0x2\n");
  EXPECT_EQ(show(parse_ok("read: (arg2 & 0x6) != 0x2\n")),
            "read allow: a2&0x2==0\nread allow: a2&0x4==0x4\n");
  EXPECT_EQ(show(parse_ok("read: arg2 & 0x6|0x1\n")),
            "read allow: a2&0x1==0x1\nread allow: a2&0x2==0x2\nread allow: a2&0x4==0x4\n");
  EXPECT_EQ(show(parse_ok("read: !(arg2 & 0x1)\n")), "read allow: a2&0x1==0\n");
  // Bits outside the mask: == can never hold (an error: the rule would do nothing); != always
  // holds.
  auto r = frontend::parse_policy_text("read: (arg0 & 1) == 2\n", "p.policy", sftest::mem_fs({}));
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(show(parse_ok("read: (arg0 & 1) != 2\n")), "read allow:\n");
}

TEST(PolicyText, ValuesConstantsDefinesNegatives) {
  EXPECT_EQ(show(parse_ok("define RW = O_WRONLY | O_RDWR\ndefine MASK = ~RW\n"
                          "read: arg0 == RW && arg1 == 0x10 && arg2 == 010 && arg3 == 0b101\n"
                          "write: arg0 == -1 && arg1 == MASK\n")),
            "read allow: a0==0x3 a1==0x10 a2==0x8 a3==0x5\n"
            "write allow: a0==0xffffffffffffffff a1==0xfffffffffffffffc\n");
}

TEST(PolicyText, ConstantFamilies) {
  // One of each family the language promises, with its x86_64 value.
  EXPECT_EQ(show(parse_ok(
                "kill: arg1 in {SIGKILL, SIGTERM}\n"
                "socket: arg0 == AF_UNIX && arg1 == SOCK_STREAM\n"
                "mmap: arg2 == PROT_EXEC && arg3 == MAP_SHARED\n"
                "fcntl: arg1 == F_SETFL\nprctl: arg0 == PR_SET_NAME\nioctl: arg1 == FIONREAD\n"
                "clone: arg0 == CLONE_NEWUSER\nopenat: arg2 == O_RDWR\nclose: arg0 == EPERM\n")),
            "kill allow: a1==0x9\nkill allow: a1==0xf\nsocket allow: a0==0x1 a1==0x1\n"
            "mmap allow: a2==0x4 a3==0x1\nfcntl allow: a1==0x4\nprctl allow: a0==0xf\n"
            "ioctl allow: a1==0x541b\nclone allow: a0==0x10000000\nopenat allow: a2==0x2\n"
            "close allow: a0==0x1\n");
}

TEST(PolicyText, ThirtyTwoBitForm) {
  EXPECT_EQ(show(parse_ok("read: u32(fd) == 3 && u32(arg1) != -1\n")),
            "read allow: a0==0x3/32 a1!=0xffffffffffffffff/32\n");
}

TEST(PolicyText, NamedArgumentsPerSyscall) {
  // `fd` is arg0 of write and arg0 of close; `flags` is arg2 of openat and arg1 of open... per name.
  EXPECT_EQ(show(parse_ok("write, close: fd == 2\nopenat: flags == 0\n")),
            "write allow: a0==0x2\nclose allow: a0==0x2\nopenat allow: a2==0\n");
}

TEST(PolicyText, ConstantsThatDifferPerArchGiveOneRulePerArch) {
  auto s =
      parse_ok("arch x86_64, aarch64\nopenat: (flags & O_DIRECTORY) == 0\nread: arg0 == O_CREAT\n");
  // O_DIRECTORY is 0200000 on x86_64, 040000 on aarch64; O_CREAT is 0100 on both.
  EXPECT_EQ(show(s),
            "openat@x86_64 allow: a2&0x10000==0\nopenat@aarch64 allow: a2&0x4000==0\n"
            "read allow: a0==0x40\n");
}

TEST(PolicyText, ArchSections) {
  auto s = parse_ok(
      "arch x86_64, i386\narch x86_64 { arch_prctl: allow }\narch i386 {\n  socketcall: "
      "allow\n}\nread: allow\n");
  EXPECT_EQ(show(s), "arch_prctl@x86_64 allow:\nsocketcall@i386 allow:\nread allow:\n");
}

TEST(PolicyText, SyscallAbsentOnOneArchWarnsAndAppliesElsewhere) {
  auto r = frontend::parse_policy_text("arch x86_64, aarch64\nopen: allow\n", "p.policy",
                                       sftest::mem_fs({}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(show(*r.value), "open@x86_64 allow:\n");
  ASSERT_EQ(r.warnings.size(), 1u);
  auto quiet =
      frontend::parse_policy_text("missing-syscall ignore\narch x86_64, aarch64\nopen: allow\n",
                                  "p.policy", sftest::mem_fs({}));
  EXPECT_TRUE(quiet.warnings.empty());
}

TEST(PolicyText, GroupsExpandPerArchWithoutWarnings) {
  auto r = frontend::parse_policy_text("arch x86_64, aarch64\n@basic-io: allow\n", "p.policy",
                                       sftest::mem_fs({}));
  ASSERT_TRUE(r.ok()) << r.render();
  EXPECT_TRUE(r.warnings.empty()) << r.render();
  bool read_shared = false, pipe_x86_only = false;
  for (const auto& rule : r.value->rules) {
    if (rule.syscall == "read" && !rule.only_arch) read_shared = true;
    if (rule.syscall == "pipe" && rule.only_arch == Arch::X86_64)
      pipe_x86_only = true;              // aarch64 has pipe2 only
    EXPECT_NE(rule.syscall, "_llseek");  // i386/arm only
  }
  EXPECT_TRUE(read_shared);
  EXPECT_TRUE(pipe_x86_only);
}

TEST(PolicyText, GroupTableIsSound) {
  // Every member of every group is a real syscall name on some arch; groups are listable.
  std::set<std::string_view> all(arch::all_syscall_names().begin(),
                                 arch::all_syscall_names().end());
  ASSERT_GE(frontend::syscall_groups().size(), 13u);
  for (const auto& g : frontend::syscall_groups()) {
    EXPECT_EQ(g.name[0], '@');
    EXPECT_FALSE(g.description.empty());
    EXPECT_FALSE(g.syscalls.empty()) << g.name;
    for (auto n : g.syscalls) EXPECT_TRUE(all.count(n)) << g.name << ": " << n;
  }
  for (const char* required :
       {"@basic-io", "@file-system", "@network", "@process", "@signal", "@time", "@memory", "@ipc",
        "@privileged", "@mount", "@module", "@obsolete", "@debug"})
    EXPECT_NE(frontend::find_group(required), nullptr) << required;
  EXPECT_EQ(frontend::find_group("network"), frontend::find_group("@network"));
  EXPECT_EQ(frontend::nearest_group_name("@netwrk"), "@network");
  auto priv = frontend::find_group("@privileged");
  EXPECT_TRUE(std::count(priv->syscalls.begin(), priv->syscalls.end(), "mount"));  // via @mount
  auto x86 = frontend::expand_group("@basic-io", Arch::X86_64);
  EXPECT_TRUE(std::count(x86.begin(), x86.end(), "pipe"));
  auto a64 = frontend::expand_group("@basic-io", Arch::AArch64);
  EXPECT_FALSE(std::count(a64.begin(), a64.end(), "pipe"));
}

TEST(PolicyText, IncludesResolveRelativelyAndOnlyOnce) {
  sftest::Files files = {
      {"inc/common.policy", "@include \"more.policy\"\ndefine STDERR = 2\nread: allow\n"},
      {"inc/more.policy", "close: allow\n"},
      {"inc/diamond.policy", "@include \"more.policy\"\n"},
  };
  auto s = parse_ok(
      "@include \"inc/common.policy\"\n@include \"inc/diamond.policy\"\nwrite: fd == STDERR\n",
      files);
  EXPECT_EQ(show(s), "close allow:\nread allow:\nwrite allow: a0==0x2\n");
  EXPECT_EQ(s.rules[0].loc.file, "inc/more.policy");
  EXPECT_EQ(s.rules[0].loc.line, 1);
}

TEST(PolicyText, IncludeDirsAreSearched) {
  auto opt = sftest::mem_fs({{"/etc/sysfence/base.policy", "read: allow\n"}});
  opt.include_dirs = {"/etc/sysfence"};
  auto r = frontend::parse_policy_text("@include \"base.policy\"\n", "p.policy", opt);
  ASSERT_TRUE(r.ok()) << r.render();
  EXPECT_EQ(r.value->rules.size(), 1u);
}

TEST(PolicyText, IncludeDepthIsBounded) {
  sftest::Files files;
  for (int i = 0; i < 20; ++i)
    files["f" + std::to_string(i) + ".policy"] =
        "@include \"f" + std::to_string(i + 1) + ".policy\"\n";
  files["f20.policy"] = "read: allow\n";
  auto r =
      frontend::parse_policy_text("@include \"f0.policy\"\n", "p.policy", sftest::mem_fs(files));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].render(),
            "f15.policy(1:10): includes nested more than 16 deep\n"
            "  @include \"f16.policy\"\n"
            "           ^\n");
}

TEST(PolicyText, LocationsPointAtTheName) {
  auto s = parse_ok("\n  read, write: arg0 == 1\n");
  ASSERT_EQ(s.rules.size(), 2u);
  EXPECT_EQ(s.rules[1].loc.line, 2);
  EXPECT_EQ(s.rules[1].loc.col, 9);
  EXPECT_EQ(s.rules[1].loc.source_line, "  read, write: arg0 == 1");
  EXPECT_EQ(s.rules[1].conds[0].loc.col, 16);
}

TEST(PolicyText, ForceArchesOverridesTheArchLine) {
  auto opt = sftest::mem_fs({});
  opt.force_arches = {Arch::AArch64};
  auto r = frontend::parse_policy_text("arch x86_64\nopenat: allow\n", "p.policy", opt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value->arches, std::vector<Arch>{Arch::AArch64});
}

TEST(PolicyText, WarningsAsErrors) {
  auto opt = sftest::mem_fs({});
  opt.warnings_are_errors = true;
  auto r = frontend::parse_policy_text("arch x86_64, aarch64\nopen: allow\n", "p.policy", opt);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.errors.size(), 1u);
}

TEST(PolicyText, LoadBuildsThePolicy) {
  auto p = frontend::load_policy_text("default errno EPERM\nread, write: allow\n", "p.policy",
                                      sftest::mem_fs({}));
  ASSERT_TRUE(p.ok()) << p.render();
  EXPECT_EQ(p.value->rules_for(Arch::X86_64).size(), 2u);
}

TEST(PolicyText, ReadingAMissingFileIsAnError) {
  auto r = frontend::parse_policy_file("/nonexistent/x.policy");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.render(),
            "cannot read policy file \"/nonexistent/x.policy\": No such file or directory\n");
}

}  // namespace

namespace {

TEST(PolicyTextLimits, DefineChainsAreBounded) {
  std::string text = "define D0 = 1\n";
  for (int i = 1; i <= 300; ++i)
    text += "define D" + std::to_string(i) + " = D" + std::to_string(i - 1) + "\n";
  text += "read: arg0 == D300\n";
  auto r = sysfence::frontend::parse_policy_text(text, "p.policy", sftest::mem_fs({}));
  // Defines are evaluated once each, in order, without recursion: any chain length works
  // (tests/frontend/hostile_input_test.cpp has 100,000).
  ASSERT_TRUE(r.ok()) << r.render();
  EXPECT_EQ(r.value->rules.at(0).conds.at(0).value, 1u);
  auto ok = sysfence::frontend::parse_policy_text(
      "define A = 1\ndefine B = A | 2\nread: arg0 == B\n", "p.policy", sftest::mem_fs({}));
  EXPECT_TRUE(ok.ok()) << ok.render();
}

TEST(PolicyTextLimits, RecoversAfterManyErrors) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "bogus" + std::to_string(i) + ": allow\nread: arg0 == \n";
  text += "write: allow\n";
  auto r = sysfence::frontend::parse_policy_text(text, "p.policy", sftest::mem_fs({}));
  EXPECT_EQ(r.errors.size(), 100u);
  EXPECT_FALSE(r.value);
}

// Names sit at their real register on every arch: 64-bit arguments take two registers on
// 32-bit ABIs (arm pairs them on even registers), clone's tls moves, preadv2's flags is arg5.
TEST(PolicyText, ArgumentNamesAreTheirRealRegisters) {
  auto conds_of = [](const std::string& text, std::vector<sysfence::arch::Arch> arches) {
    auto r = frontend::parse_policy_text(text, "p.policy", sftest::mem_fs({}, arches));
    EXPECT_TRUE(r.ok()) << r.render();
    std::string out;
    if (r.ok())
      for (const auto& rule : r.value->rules)
        for (const auto& c : rule.conds) out += "a" + std::to_string(c.arg) + " ";
    return out;
  };
  using A = sysfence::arch::Arch;
  EXPECT_EQ(conds_of("fanotify_mark: dirfd == 3\n", {A::X86_64}), "a3 ");
  EXPECT_EQ(conds_of("fanotify_mark: dirfd == 3\n", {A::I386}), "a4 ");  // mask: arg2, arg3
  EXPECT_EQ(conds_of("fanotify_mark: dirfd == 3\n", {A::Arm}), "a4 ");
  EXPECT_EQ(conds_of("fadvise64_64: advice == 4\n", {A::I386}), "a5 ");
  EXPECT_EQ(conds_of("pread64: count == 4\n", {A::Arm}), "a2 ");
  EXPECT_EQ(conds_of("readahead: count == 4\n", {A::I386}), "a3 ");
  EXPECT_EQ(conds_of("readahead: count == 4\n", {A::Arm}), "a4 ");  // r1 is padding
  EXPECT_EQ(conds_of("preadv2: flags == 1\n", {A::X86_64}), "a5 ");
  EXPECT_EQ(conds_of("clone: tls == 1\n", {A::I386}), "a3 ");
  EXPECT_EQ(conds_of("clone: tls == 1\n", {A::X86_64}), "a4 ");
  EXPECT_EQ(conds_of("prctl: option == 1 && arg1 == 2\n", {A::X86_64}), "a0 a1 ");
  EXPECT_EQ(conds_of("prctl: arg0 == 1\n", {A::X86_64}), "a0 ");
  // keyctl's page names its arguments arg2..arg5 too; every such name is an error.
  for (const char* t : {"keyctl: arg2 == 1\n", "keyctl: arg5 == 1\n", "prctl: arg3 == 1\n",
                        "arch arm\nreadahead: offset == 0\n", "preadv: offset == 0\n"}) {
    auto r = frontend::parse_policy_text(t, "p.policy", sftest::mem_fs({}));
    EXPECT_FALSE(r.ok()) << t;
  }
}

}  // namespace
