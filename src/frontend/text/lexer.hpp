// Internal to the text frontend: the lexer of the policy language (docs/policy-language.md).
//
//   text::Diag d;
//   d.files.push_back({"p.policy", src, text::split_lines(src)});
//   std::vector<text::Token> toks = text::lex(0, src, d);   // ends with Newline, End
//   // "write: fd == 1\n" -> Ident(write) Colon Ident(fd) EqEq Number(1) Newline End
//
// Newlines end statements, except inside parentheses, inside `in { }`, and after `,`, `&&`,
// `||` and `|`. A sandbox statement's arguments (`fs read /usr`) are one String token: the rest
// of the line, raw. Lexical errors go to `d` (and their line to d.bad_lines); the lexer never
// stops early except at kMaxTokens tokens over all files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/text/source.hpp"

namespace sysfence::frontend::text {

enum class Tok {
  End,
  Newline,
  Ident,
  AtIdent,
  Number,
  String,
  Colon,
  Comma,
  LParen,
  RParen,
  LBrace,
  RBrace,
  Arrow,
  EqEq,
  NotEq,
  Le,
  Ge,
  Lt,
  Gt,
  AndAnd,
  OrOr,
  Bang,
  Amp,
  Pipe,
  Tilde,
  Assign,
  Minus,
};

// How a token kind is named in "expected X, found Y".
const char* tok_name(Tok t);

struct Token {
  Tok kind = Tok::End;
  std::string text;
  uint64_t num = 0;
  Pos pos;
};

// The first words of the sandbox statements (docs/sandbox.md).
bool is_sandbox_keyword(std::string_view s);

// A token as diagnostics show it: a name, number or string quoted, else its kind.
std::string describe(const Token& t);

// Lexes file number `file` (an index into d.files) whose text is `text`.
std::vector<Token> lex(int file, const std::string& text, Diag& d);

}  // namespace sysfence::frontend::text
