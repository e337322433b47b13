// The parser alone (src/frontend/text/parser.hpp): the statements and the syntax tree it builds,
// without lowering to IR, and its recovery at the next line.
#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <string>

#include "frontend/text/parser.hpp"
#include "helpers.hpp"

namespace {

using namespace sysfence::frontend::text;
using sysfence::arch::Arch;
using sysfence::ir::Action;

struct Parsed {
  Diag d;
  ParseState st;
};

std::unique_ptr<Parsed> run(const std::string& src, const sftest::Files& files = {}) {
  auto p = std::make_unique<Parsed>();
  p->d.files.push_back({"/p/t.policy", src, split_lines(src)});
  auto opt = sftest::mem_fs(files);
  parse(p->d, p->st, opt);
  return p;
}

TEST(TextParser, SettingsAndArches) {
  auto p =
      run("default errno EPERM\nbad-arch kill-thread\nunknown-syscall errno ENOSYS\n"
          "missing-syscall error\narch x86_64, i386\n");
  ASSERT_TRUE(p->d.errors.empty()) << p->d.errors[0].render();
  EXPECT_EQ(*p->st.default_action.value, Action::errno_(EPERM));
  EXPECT_EQ(*p->st.bad_arch.value, Action::kill_thread());
  EXPECT_EQ(*p->st.unknown_syscall.value, Action::errno_(ENOSYS));
  EXPECT_EQ(*p->st.missing.value, sysfence::ir::MissingSyscall::Error);
  EXPECT_EQ(*p->st.arches.value, (std::vector<Arch>{Arch::X86_64, Arch::I386}));
  EXPECT_EQ(p->st.default_action.pos.line, 1);
  EXPECT_EQ(p->st.arches.pos.line, 5);
}

TEST(TextParser, RuleTree) {
  auto p = run(
      "define STDERR = 2\nwrite, @basic-io: fd == 1 || !(fd == STDERR) && (arg1 & 3) -> trap 7\n");
  ASSERT_TRUE(p->d.errors.empty()) << p->d.errors[0].render();
  ASSERT_EQ(p->st.rules.size(), 1u);
  const RuleStmt& r = p->st.rules[0];
  ASSERT_EQ(r.names.size(), 2u);
  EXPECT_EQ(r.names[1].name, "@basic-io");
  EXPECT_EQ(r.action, Action::trap(7));
  ASSERT_TRUE(r.cond);
  // || binds looser than &&: Or{Cmp, And{Not{Cmp}, Test}}
  ASSERT_EQ(r.cond->kind, BExpr::Or);
  ASSERT_EQ(r.cond->kids.size(), 2u);
  EXPECT_EQ(r.cond->kids[0]->kind, BExpr::Cmp);
  EXPECT_EQ(r.cond->kids[0]->lhs.name, "fd");
  const BExpr& conj = *r.cond->kids[1];
  ASSERT_EQ(conj.kind, BExpr::And);
  ASSERT_EQ(conj.kids[0]->kind, BExpr::Not);
  const BExpr& inner = *conj.kids[0]->a;
  EXPECT_EQ(inner.kind, BExpr::Cmp);
  EXPECT_EQ(inner.values[0]->kind, VExpr::DefineRef);
  EXPECT_EQ(inner.values[0]->def, p->st.defines[0].get());
  EXPECT_EQ(conj.kids[1]->kind, BExpr::Test);
  EXPECT_EQ(conj.kids[1]->lhs.arg, 1);
  ASSERT_TRUE(conj.kids[1]->lhs.mask);
  EXPECT_EQ(conj.kids[1]->lhs.mask->num, 3u);
}

TEST(TextParser, ChainsAreFlatLists) {
  std::string chain = "read: arg0 == 0";
  for (int i = 1; i < 1000; ++i) chain += " || arg0 == " + std::to_string(i);
  auto p = run(chain + "\n");
  ASSERT_TRUE(p->d.errors.empty());
  EXPECT_EQ(p->st.rules[0].cond->kids.size(), 1000u);
}

TEST(TextParser, MaskedComparisonAndSets) {
  auto p = run("openat: (u32(flags) & O_CREAT|O_TMPFILE) != 0\nioctl: request not in {1, 2, ~3}\n");
  ASSERT_TRUE(p->d.errors.empty()) << p->d.errors[0].render();
  const BExpr& m = *p->st.rules[0].cond;
  EXPECT_EQ(m.kind, BExpr::Cmp);
  EXPECT_EQ(m.op, CmpOp::Ne);
  EXPECT_TRUE(m.lhs.w32);
  ASSERT_TRUE(m.lhs.mask);
  EXPECT_EQ(m.lhs.mask->kind, VExpr::Or);
  const BExpr& s = *p->st.rules[1].cond;
  EXPECT_EQ(s.kind, BExpr::In);
  EXPECT_TRUE(s.negated_in);
  ASSERT_EQ(s.values.size(), 3u);
  EXPECT_EQ(s.values[2]->kind, VExpr::Not);
}

TEST(TextParser, ArchSectionsAndSandboxStatements) {
  auto p = run("arch x86_64, i386\narch i386 {\n  socketcall: allow\n}\nfs read /usr\n");
  ASSERT_TRUE(p->d.errors.empty()) << p->d.errors[0].render();
  ASSERT_EQ(p->st.rules.size(), 1u);
  EXPECT_EQ(p->st.rules[0].section, std::vector<Arch>{Arch::I386});
  EXPECT_EQ(p->st.rules[0].section_pos.line, 2);
  ASSERT_EQ(p->st.sandbox.size(), 1u);
  EXPECT_EQ(p->st.sandbox[0].keyword, "fs");
  EXPECT_EQ(p->st.sandbox[0].args, "read /usr");
}

TEST(TextParser, IncludesAreReadOnceAndAppendedToTheFiles) {
  auto p = run("@include \"a.policy\"\n@include \"a.policy\"\nread: allow\n",
               {{"/p/a.policy", "write: allow\n"}});
  ASSERT_TRUE(p->d.errors.empty()) << p->d.errors[0].render();
  ASSERT_EQ(p->d.files.size(), 2u);
  EXPECT_EQ(p->d.files[1].path, "/p/a.policy");
  ASSERT_EQ(p->st.rules.size(), 2u);
  EXPECT_EQ(p->st.rules[0].names[0].name, "write");
  EXPECT_EQ(p->st.rules[0].pos.file, 1);
}

TEST(TextParser, RecoversAtTheNextLine) {
  auto p = run("read allow\nwrite: allow\nclose: fd == -> allow\nopenat: allow\n");
  ASSERT_EQ(p->d.errors.size(), 2u);
  EXPECT_EQ(p->d.errors[0].where.line, 1);
  EXPECT_EQ(p->d.errors[0].message, "expected ':' after the syscall name, found \"allow\"");
  EXPECT_EQ(p->d.errors[1].where.line, 3);
  ASSERT_EQ(p->st.rules.size(), 2u);
  EXPECT_EQ(p->st.rules[0].names[0].name, "write");
  EXPECT_EQ(p->st.rules[1].names[0].name, "openat");
}

TEST(TextParser, NestingIsBounded) {
  std::string deep = "read: " + std::string(kMaxDepth + 5, '!') + "arg0 == 1\n";
  auto p = run(deep);
  ASSERT_EQ(p->d.errors.size(), 1u);
  EXPECT_EQ(p->d.errors[0].message, "expression nested more than 100 deep");
  std::string parens = "read: arg0 == " + std::string(kMaxDepth + 5, '(') + "1" +
                       std::string(kMaxDepth + 5, ')') + "\n";
  auto q = run(parens);
  ASSERT_EQ(q->d.errors.size(), 1u);
  EXPECT_EQ(q->d.errors[0].message, "expression nested more than 100 deep");
}

TEST(TextParser, SettingTwiceNamesTheFirst) {
  auto p = run("default allow\ndefault log\n");
  ASSERT_EQ(p->d.errors.size(), 1u);
  EXPECT_EQ(p->d.errors[0].message, "the default action is set twice");
  ASSERT_EQ(p->d.errors[0].notes.size(), 1u);
  EXPECT_EQ(p->d.errors[0].notes[0].where.line, 1);
}

// Every diagnostic of the language carries a code: programs branch on it, not on the text.
TEST(TextDiagnostics, CodesSayWhatKind) {
  using sysfence::ErrorCode;
  auto codes = [](const std::string& src) {
    auto r = sysfence::frontend::parse_policy_text(src, "p.policy", sftest::mem_fs({}));
    std::vector<ErrorCode> out;
    for (const auto& e : r.errors) out.push_back(e.code);
    for (const auto& w : r.warnings) {
      EXPECT_TRUE(w.is_warning());
      out.push_back(w.code);
    }
    return out;
  };
  EXPECT_EQ(codes("read allow\n"), std::vector<ErrorCode>{ErrorCode::Syntax});
  EXPECT_EQ(codes("opnat: allow\n"), std::vector<ErrorCode>{ErrorCode::UnknownName});
  EXPECT_EQ(codes("read: arg0 == NOPE_NOT_A_CONSTANT\n"),
            std::vector<ErrorCode>{ErrorCode::UnknownName});
  EXPECT_EQ(codes("read: arg0 > 5 && arg0 < 3\n"), std::vector<ErrorCode>{ErrorCode::NeverMatches});
  EXPECT_EQ(codes("read: u32(arg0) == 0x100000000\n"),
            std::vector<ErrorCode>{ErrorCode::InvalidPolicy});
  EXPECT_EQ(codes("@include \"missing.policy\"\n"), std::vector<ErrorCode>{ErrorCode::Io});
  EXPECT_EQ(codes("arch x86_64, aarch64\nopen: allow\n"), std::vector<ErrorCode>{ErrorCode::Lint});
}

}  // namespace
