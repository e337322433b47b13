// The lexer alone (src/frontend/text/lexer.hpp): token kinds, numbers, positions, where
// newlines end statements, sandbox arguments kept raw, and lexical errors with their lines.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "frontend/text/lexer.hpp"

namespace {

using sysfence::frontend::text::Diag;
using sysfence::frontend::text::lex;
using sysfence::frontend::text::split_lines;
using sysfence::frontend::text::Tok;
using sysfence::frontend::text::Token;

struct Lexed {
  Diag d;
  std::vector<Token> toks;
};

Lexed run(const std::string& src) {
  Lexed l;
  l.d.files.push_back({"t.policy", src, split_lines(src)});
  l.toks = lex(0, src, l.d);
  return l;
}

std::vector<Tok> kinds(const std::vector<Token>& toks) {
  std::vector<Tok> out;
  for (const Token& t : toks) out.push_back(t.kind);
  return out;
}

TEST(TextLexer, RuleTokensAndPositions) {
  Lexed l = run("write: fd == 1 -> errno EPERM\n");
  ASSERT_TRUE(l.d.errors.empty());
  EXPECT_EQ(kinds(l.toks),
            (std::vector<Tok>{Tok::Ident, Tok::Colon, Tok::Ident, Tok::EqEq, Tok::Number,
                              Tok::Arrow, Tok::Ident, Tok::Ident, Tok::Newline, Tok::End}));
  EXPECT_EQ(l.toks[0].text, "write");
  EXPECT_EQ(l.toks[2].pos.line, 1);
  EXPECT_EQ(l.toks[2].pos.col, 8);
  EXPECT_EQ(l.toks[4].num, 1u);
  EXPECT_EQ(l.toks[7].text, "EPERM");
}

TEST(TextLexer, AllOperators) {
  Lexed l = run("( ) { } , : -> == != <= >= < > && || ! & | ~ = -\n");
  ASSERT_TRUE(l.d.errors.empty());
  EXPECT_EQ(
      kinds(l.toks),
      (std::vector<Tok>{Tok::LParen, Tok::RParen, Tok::LBrace, Tok::RBrace,  Tok::Comma, Tok::Colon,
                        Tok::Arrow,  Tok::EqEq,   Tok::NotEq,  Tok::Le,      Tok::Ge,    Tok::Lt,
                        Tok::Gt,     Tok::AndAnd, Tok::OrOr,   Tok::Bang,    Tok::Amp,   Tok::Pipe,
                        Tok::Tilde,  Tok::Assign, Tok::Minus,  Tok::Newline, Tok::End}));
}

TEST(TextLexer, NumbersInEveryBase) {
  Lexed l = run("10 0x1F 0b101 017 0 18446744073709551615\n");
  ASSERT_TRUE(l.d.errors.empty());
  ASSERT_GE(l.toks.size(), 6u);
  EXPECT_EQ(l.toks[0].num, 10u);
  EXPECT_EQ(l.toks[1].num, 0x1fu);
  EXPECT_EQ(l.toks[2].num, 5u);
  EXPECT_EQ(l.toks[3].num, 017u);
  EXPECT_EQ(l.toks[4].num, 0u);
  EXPECT_EQ(l.toks[5].num, ~0ULL);
}

TEST(TextLexer, BadNumbersAreLocatedErrors) {
  Lexed l = run("read: arg0 == 0x\nwrite: arg0 == 18446744073709551616\nclose: arg0 == 09\n");
  ASSERT_EQ(l.d.errors.size(), 3u);
  EXPECT_EQ(l.d.errors[0].message, "invalid number \"0x\"");
  EXPECT_EQ(l.d.errors[0].where.line, 1);
  EXPECT_EQ(l.d.errors[1].message, "number 18446744073709551616 does not fit in 64 bits");
  EXPECT_EQ(l.d.errors[2].message, "invalid number \"09\"");
  EXPECT_EQ(l.d.bad_lines.size(), 3u);
}

TEST(TextLexer, NewlinesContinueInsideParensSetsAndAfterOperators) {
  // One statement: the newlines after `,`, `||`, `&&`, inside ( ) and inside `in { }` do not end it.
  Lexed l = run("read,\nwrite: (arg0 ==\n1) ||\narg1 in {1,\n2} &&\narg2 == 3\n");
  ASSERT_TRUE(l.d.errors.empty());
  size_t newlines = 0;
  for (const Token& t : l.toks) newlines += t.kind == Tok::Newline;
  EXPECT_EQ(newlines, 1u);
  // A brace that is not a set (an arch section) does not swallow newlines.
  Lexed s = run("arch x86_64 {\nread: allow\n}\n");
  newlines = 0;
  for (const Token& t : s.toks) newlines += t.kind == Tok::Newline;
  EXPECT_EQ(newlines, 3u);
}

TEST(TextLexer, SandboxArgumentsAreOneRawString) {
  Lexed l = run("fs read /usr/lib:/x  # comment\nfs: allow\n");
  ASSERT_TRUE(l.d.errors.empty());
  ASSERT_GE(l.toks.size(), 3u);
  EXPECT_EQ(l.toks[0].kind, Tok::Ident);
  EXPECT_EQ(l.toks[1].kind, Tok::String);
  EXPECT_EQ(l.toks[1].text, "read /usr/lib:/x");
  EXPECT_EQ(l.toks[1].pos.col, 4);
  // `fs:` is a rule for a syscall named fs, not a statement.
  EXPECT_EQ(l.toks[3].kind, Tok::Ident);
  EXPECT_EQ(l.toks[4].kind, Tok::Colon);
}

TEST(TextLexer, IdentifiersWithDashesGroupsAndComments) {
  Lexed l = run("@basic-io, kill-process # x - y\n");
  ASSERT_TRUE(l.d.errors.empty());
  EXPECT_EQ(kinds(l.toks),
            (std::vector<Tok>{Tok::AtIdent, Tok::Comma, Tok::Ident, Tok::Newline, Tok::End}));
  EXPECT_EQ(l.toks[0].text, "@basic-io");
  EXPECT_EQ(l.toks[2].text, "kill-process");
}

TEST(TextLexer, StringsAndUnterminatedStrings) {
  Lexed l = run("@include \"a b.policy\"\n@include \"open\n");
  ASSERT_EQ(l.d.errors.size(), 1u);
  EXPECT_EQ(l.d.errors[0].message, "unterminated string");
  EXPECT_EQ(l.d.errors[0].where.line, 2);
  EXPECT_EQ(l.toks[1].text, "a b.policy");
}

TEST(TextLexer, StrayBytesAreNamedAndTheLineMarked) {
  Lexed l = run("read: $\nwrite: \x01\n");
  ASSERT_EQ(l.d.errors.size(), 2u);
  EXPECT_EQ(l.d.errors[0].message, "unexpected character '$'");
  EXPECT_EQ(l.d.errors[1].message, "unexpected byte 0x01");
  EXPECT_TRUE(l.d.bad_lines.count({0, 1}));
  EXPECT_TRUE(l.d.bad_lines.count({0, 2}));
}

TEST(TextLexer, EndWithoutNewlineGetsOne) {
  Lexed l = run("read: allow");
  EXPECT_EQ(kinds(l.toks),
            (std::vector<Tok>{Tok::Ident, Tok::Colon, Tok::Ident, Tok::Newline, Tok::End}));
  EXPECT_EQ(l.toks.back().pos.col, 12);  // the end of the last line, where a caret helps
}

TEST(TextLexer, GarbageIsCountedPastTheErrorCap) {
  std::string junk(5000, '$');
  Lexed l = run(junk);
  EXPECT_EQ(l.d.errors.size(), Diag::kMaxErrors);
  EXPECT_EQ(l.d.error_count(), 5000u);
}

}  // namespace
