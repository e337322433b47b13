// The sysfence text policy language: lexer, parser (with recovery at the next line), and the
// lowering of rules to IR (names per arch, constants per arch, conditions to DNF).
#include "sysfence/frontend/policy_text.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include "frontend/names.hpp"
#include "sysfence/arch/constants.hpp"
#include "sysfence/frontend/groups.hpp"
#include "sysfence/input_file.hpp"

namespace sysfence::frontend {
namespace {

using arch::Arch;
using ir::Action;
using ir::ActionKind;
using ir::ArgCmp;
using ir::CmpOp;
using ir::Width;

// ---------------------------------------------------------------------------------------------
// Sources and diagnostics

struct Pos {
  int file = -1;
  int line = 0;
  int col = 0;
};

struct SourceFile {
  std::string path;
  std::string text;
  std::vector<uint32_t> lines;  // offset of each line's first character in `text`
};

class Diag {
 public:
  std::vector<SourceFile> files;
  std::vector<Error> errors;
  std::vector<Error> warnings;
  std::set<std::pair<int, int>> bad_lines;  // (file, line) with a lexical error
  size_t tokens = 0;                         // lexed so far, in all files (against kMaxTokens)

  SourceLoc loc(Pos p) const {
    SourceLoc l;
    if (p.file < 0) return l;
    const SourceFile& f = files[static_cast<size_t>(p.file)];
    l.file = f.path;
    l.line = p.line;
    l.col = p.col;
    if (p.line > 0 && static_cast<size_t>(p.line) <= f.lines.size()) {
      // Every IR comparison carries its location: a very long line (a minified or generated
      // policy) is not copied into each of them, and would not help under a caret anyway.
      size_t from = f.lines[static_cast<size_t>(p.line - 1)];
      // The next line's start (or the end of the text) bounds this one: no scan of the line.
      size_t to = static_cast<size_t>(p.line) < f.lines.size() ? f.lines[static_cast<size_t>(p.line)] - 1 : f.text.size();
      if (to > from && f.text[to - 1] == '\r') --to;
      if (to - from <= kMaxCaretLine) l.source_line = f.text.substr(from, to - from);
    }
    return l;
  }
  Error make(Pos p, std::string msg, std::string hint = {}) const {
    Error e;
    e.message = std::move(msg);
    e.where = loc(p);
    e.hint = std::move(hint);
    return e;
  }
  void error(Error e) {
    if (add(errors, std::move(e), kMaxErrors)) ++error_count_;
  }
  void error(Pos p, std::string msg, std::string hint = {}) { error(make(p, std::move(msg), std::move(hint))); }
  void warn(Error e) {
    e.message = "warning: " + e.message;
    add(warnings, std::move(e), kMaxWarnings);
  }
  void warn(Pos p, std::string msg, std::string hint = {}) { warn(make(p, std::move(msg), std::move(hint))); }
  // At the cap: callers in hot loops (the lexer on garbage) count instead of building messages.
  bool saturated() const { return errors.size() >= kMaxErrors; }
  void drop_error() {
    ++dropped_errors_;
    ++error_count_;
  }
  // Errors found so far (also those past the cap, which are counted but not kept).
  size_t error_count() const { return error_count_; }
  struct Mark {
    size_t kept, counted;
  };
  Mark mark() const { return {errors.size(), error_count_}; }
  // Drops errors recorded after a look-ahead that is being undone.
  void truncate_errors(Mark m) {
    while (errors.size() > m.kept) {
      seen_.erase(errors.back().render());
      errors.pop_back();
    }
    error_count_ = m.counted;
  }
  // Appends "N more errors/warnings not shown" when the caps were reached.
  void finish() {
    if (dropped_errors_) {
      Error e;
      e.message = std::to_string(dropped_errors_) + " more errors not shown";
      e.hint = "fix the first ones and run again";
      errors.push_back(std::move(e));
    }
    if (dropped_warnings_) {
      Error e;
      e.message = "warning: " + std::to_string(dropped_warnings_) + " more warnings not shown";
      warnings.push_back(std::move(e));
    }
  }

  static constexpr size_t kMaxErrors = 100;
  static constexpr size_t kMaxWarnings = 1000;
  static constexpr size_t kMaxCaretLine = 400;

 private:
  std::set<std::string> seen_;
  size_t error_count_ = 0;
  size_t dropped_errors_ = 0, dropped_warnings_ = 0;
  // Returns whether `e` is new (not a repeat).
  bool add(std::vector<Error>& to, Error e, size_t cap) {
    // The same diagnostic can arise once per arch or per group member: report it once.
    if (to.size() >= cap) {  // past the cap: counted, not rendered (16 MiB of garbage is 16M errors)
      ++(&to == &errors ? dropped_errors_ : dropped_warnings_);
      return true;
    }
    std::string key = e.render();
    if (seen_.count(key)) return false;
    seen_.insert(std::move(key));
    to.push_back(std::move(e));
    return true;
  }
};

// Where each line starts (offsets into the text), not copies of the lines: 16 MiB of newlines
// costs 16M offsets, not 16M strings.
std::vector<uint32_t> split_lines(const std::string& text) {
  std::vector<uint32_t> out{0};
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') out.push_back(static_cast<uint32_t>(i + 1));
  return out;
}

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// ---------------------------------------------------------------------------------------------
// Lexer

enum class Tok {
  End, Newline, Ident, AtIdent, Number, String, Colon, Comma, LParen, RParen, LBrace, RBrace,
  Arrow, EqEq, NotEq, Le, Ge, Lt, Gt, AndAnd, OrOr, Bang, Amp, Pipe, Tilde, Assign, Minus,
};

const char* tok_name(Tok t) {
  switch (t) {
    case Tok::End: return "end of file";
    case Tok::Newline: return "end of line";
    case Tok::Ident: return "a name";
    case Tok::AtIdent: return "a group";
    case Tok::Number: return "a number";
    case Tok::String: return "a string";
    case Tok::Colon: return "':'";
    case Tok::Comma: return "','";
    case Tok::LParen: return "'('";
    case Tok::RParen: return "')'";
    case Tok::LBrace: return "'{'";
    case Tok::RBrace: return "'}'";
    case Tok::Arrow: return "'->'";
    case Tok::EqEq: return "'=='";
    case Tok::NotEq: return "'!='";
    case Tok::Le: return "'<='";
    case Tok::Ge: return "'>='";
    case Tok::Lt: return "'<'";
    case Tok::Gt: return "'>'";
    case Tok::AndAnd: return "'&&'";
    case Tok::OrOr: return "'||'";
    case Tok::Bang: return "'!'";
    case Tok::Amp: return "'&'";
    case Tok::Pipe: return "'|'";
    case Tok::Tilde: return "'~'";
    case Tok::Assign: return "'='";
    case Tok::Minus: return "'-'";
  }
  return "?";
}

struct Token {
  Tok kind = Tok::End;
  std::string text;
  uint64_t num = 0;
  Pos pos;
};

// The first words of the sandbox statements (docs/sandbox.md).
bool is_sandbox_keyword(std::string_view s) {
  static const std::set<std::string_view> k = {"fs",  "net",     "scope", "limit", "namespace", "mount",
                                               "hostname", "cap", "env", "chdir", "keep-fd",
                                               "new-session", "landlock"};
  return k.count(s) != 0;
}

bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::Ident:
    case Tok::AtIdent:
    case Tok::Number: return quote(t.text);
    case Tok::String: return "string " + quote(t.text);
    default: return tok_name(t.kind);
  }
}

// Newlines end statements, except inside parentheses, inside `in { }`, and after `,`, `&&`,
// `||` and `|`, so long name lists and conditions may span lines.
std::vector<Token> lex(int file, const std::string& text, Diag& d) {
  std::vector<Token> out;
  int line = 1;
  int col = 1;
  size_t i = 0;
  int paren = 0;
  int set_brace = 0;
  Pos last_newline;
  std::vector<bool> brace_is_set;
  auto pos = [&] { return Pos{file, line, col}; };
  auto push = [&](Tok k, std::string s, Pos p, uint64_t n = 0) { out.push_back(Token{k, std::move(s), n, p}); };
  auto continues = [&] {
    if (out.empty()) return true;
    switch (out.back().kind) {
      case Tok::Newline: case Tok::Comma: case Tok::AndAnd: case Tok::OrOr: case Tok::Pipe:
        return true;
      default: return false;
    }
  };
  while (i < text.size()) {
    char c = text[i];
    Pos p = pos();
    if (d.tokens + out.size() >= kMaxTokens) {
      d.error(p, "the policy has more than " + std::to_string(kMaxTokens) + " tokens; reading stops here",
              "split it, or check that it is the file you meant");
      d.bad_lines.insert({file, p.line});
      break;
    }
    if (c == '\n') {
      last_newline = p;
      if (paren == 0 && set_brace == 0 && !continues()) push(Tok::Newline, "", p);
      ++i;
      ++line;
      col = 1;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') { ++i; ++col; continue; }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') { ++i; ++col; }
      continue;
    }
    if (ident_start(c) || (c == '@' && i + 1 < text.size() && ident_start(text[i + 1]))) {
      size_t b = i;
      ++i;
      // Identifiers may contain '-' between letters: kill-process, @basic-io, bad-arch.
      while (i < text.size() && (ident_char(text[i]) ||
                                 (text[i] == '-' && i + 1 < text.size() && ident_start(text[i + 1]))))
        ++i;
      std::string s = text.substr(b, i - b);
      col += static_cast<int>(i - b);
      push(c == '@' ? Tok::AtIdent : Tok::Ident, s, p);
      // A sandbox statement (`fs read /usr/lib`): its arguments are paths and words the tokens
      // do not cover, so the rest of the line is kept raw, as one String token.
      if (out.size() >= 1 && (out.size() == 1 || out[out.size() - 2].kind == Tok::Newline) &&
          paren == 0 && is_sandbox_keyword(s)) {
        size_t j = i;
        while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
        if (j >= text.size() || (text[j] != ':' && text[j] != ',')) {
          col += static_cast<int>(j - i);
          i = j;
          const Pos args_pos = pos();
          size_t end = i;
          while (end < text.size() && text[end] != '\n' && text[end] != '#') ++end;
          size_t last = end;
          while (last > i && (text[last - 1] == ' ' || text[last - 1] == '\t' || text[last - 1] == '\r')) --last;
          push(Tok::String, text.substr(i, last - i), args_pos);
          col += static_cast<int>(end - i);
          i = end;
        }
      }
      continue;
    }
    if (c >= '0' && c <= '9') {
      size_t b = i;
      while (i < text.size() && (ident_char(text[i]))) ++i;
      std::string s = text.substr(b, i - b);
      col += static_cast<int>(i - b);
      uint64_t v = 0;
      int base = 10;
      size_t k = 0;
      if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { base = 16; k = 2; }
      else if (s.size() > 1 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) { base = 2; k = 2; }
      else if (s.size() > 1 && s[0] == '0') { base = 8; k = 1; }
      bool bad = k == s.size();
      bool overflow = false;
      for (; k < s.size() && !bad; ++k) {
        char ch = s[k];
        int digit = ch >= '0' && ch <= '9' ? ch - '0'
                    : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                    : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : 99;
        if (digit >= base) { bad = true; break; }
        if (v > (~0ULL - static_cast<uint64_t>(digit)) / static_cast<uint64_t>(base)) overflow = true;
        v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(digit);
      }
      if (bad) d.error(p, "invalid number " + quote(s));
      else if (overflow) d.error(p, "number " + s + " does not fit in 64 bits");
      if (bad || overflow) d.bad_lines.insert({file, p.line});
      push(Tok::Number, s, p, v);
      continue;
    }
    if (c == '"') {
      size_t b = ++i;
      while (i < text.size() && text[i] != '"' && text[i] != '\n') ++i;
      if (i >= text.size() || text[i] != '"') {
        d.error(p, "unterminated string", "close it with '\"' on the same line");
        d.bad_lines.insert({file, p.line});
        col += static_cast<int>(i - b + 1);
        push(Tok::String, text.substr(b, i - b), p);
        continue;
      }
      push(Tok::String, text.substr(b, i - b), p);
      col += static_cast<int>(i - b + 2);
      ++i;
      continue;
    }
    auto two = [&](char a, char b2) { return c == a && i + 1 < text.size() && text[i + 1] == b2; };
    Tok k;
    int len = 2;
    if (two('-', '>')) k = Tok::Arrow;
    else if (two('=', '=')) k = Tok::EqEq;
    else if (two('!', '=')) k = Tok::NotEq;
    else if (two('<', '=')) k = Tok::Le;
    else if (two('>', '=')) k = Tok::Ge;
    else if (two('&', '&')) k = Tok::AndAnd;
    else if (two('|', '|')) k = Tok::OrOr;
    else {
      len = 1;
      switch (c) {
        case ':': k = Tok::Colon; break;
        case ',': k = Tok::Comma; break;
        case '(': k = Tok::LParen; ++paren; break;
        case ')': k = Tok::RParen; if (paren > 0) --paren; break;
        case '{': {
          k = Tok::LBrace;
          bool is_set = !out.empty() && out.back().kind == Tok::Ident && out.back().text == "in";
          brace_is_set.push_back(is_set);
          if (is_set) ++set_brace;
          break;
        }
        case '}':
          k = Tok::RBrace;
          if (!brace_is_set.empty()) {
            if (brace_is_set.back()) --set_brace;
            brace_is_set.pop_back();
          }
          break;
        case '<': k = Tok::Lt; break;
        case '>': k = Tok::Gt; break;
        case '!': k = Tok::Bang; break;
        case '&': k = Tok::Amp; break;
        case '|': k = Tok::Pipe; break;
        case '~': k = Tok::Tilde; break;
        case '=': k = Tok::Assign; break;
        case '-': k = Tok::Minus; break;
        default: {
          if (d.saturated()) {
            d.drop_error();
            d.bad_lines.insert({file, p.line});
            ++i;
            ++col;
            continue;
          }
          std::string shown = (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
                                  ? "byte 0x" + [&] { char b[8]; std::snprintf(b, sizeof b, "%02x", static_cast<unsigned char>(c)); return std::string(b); }()
                                  : "character '" + std::string(1, c) + "'";
          d.error(p, "unexpected " + shown);
          d.bad_lines.insert({file, p.line});
          ++i;
          ++col;
          continue;
        }
      }
    }
    push(k, text.substr(i, static_cast<size_t>(len)), p);
    i += static_cast<size_t>(len);
    col += len;
  }
  // Tokens at the end of the text point at the end of its last line, where a caret helps.
  Pos end = !text.empty() && text.back() == '\n' ? last_newline : pos();
  if (!out.empty() && out.back().kind != Tok::Newline) push(Tok::Newline, "", end);
  push(Tok::End, "", end);
  d.tokens += out.size();
  return out;
}

// ---------------------------------------------------------------------------------------------
// AST

// No recursion in the AST follows the input's length: `|`, `||` and `&&` chains are flat lists
// (`items`, `kids`), and what does nest (parentheses, `!`, `~`, `-`) is limited by the parser to
// Parser::kMaxDepth levels, so building, lowering and destroying the tree use bounded stack.
struct Define;

struct VExpr {
  enum Kind { Num, Name, DefineRef, Not, Neg, Or } kind = Num;
  uint64_t num = 0;
  std::string name;
  const Define* def = nullptr;
  std::shared_ptr<VExpr> a;           // Not, Neg
  std::vector<std::shared_ptr<VExpr>> items;  // Or: two or more
  Pos pos;
};
using VPtr = std::shared_ptr<VExpr>;

struct Define {
  std::string name;
  VPtr value;
  Pos pos;
  size_t index = 0;  // definition order; a define only refers to earlier ones
  // The value per arch (constants differ between arches), computed once: nullopt inside
  // means the value has an error, already reported.
  mutable std::map<Arch, std::optional<uint64_t>> value_on;
};

struct Operand {
  int arg = -1;          // argN, or -1 for a named argument
  std::string name;      // named argument ("fd")
  bool w32 = false;      // u32(...)
  VPtr mask;             // (operand & mask)
  Pos pos;
};

struct BExpr {
  enum Kind { And, Or, Not, Cmp, In, Test } kind = Cmp;
  std::shared_ptr<BExpr> a;                   // Not
  std::vector<std::shared_ptr<BExpr>> kids;   // And, Or: two or more
  std::vector<Pos> op_pos;                    // And, Or: op_pos[i] is the operator before kids[i]
  Operand lhs;
  CmpOp op = CmpOp::Eq;  // Cmp: Eq Ne Lt Le Gt Ge
  std::vector<VPtr> values;  // Cmp: one; In: the set
  bool negated_in = false;
  Pos pos;
};
using BPtr = std::shared_ptr<BExpr>;

struct NameRef {
  std::string name;  // syscall or "@group"
  Pos pos;
};

struct RuleStmt {
  std::vector<NameRef> names;
  BPtr cond;  // null: unconditional
  Action action = Action::allow();
  Pos pos;
  Pos action_pos;
  std::vector<Arch> section;  // non-empty: only these arches
  Pos section_pos;
};

template <class T>
struct Setting {
  std::optional<T> value;
  Pos pos;
};

struct ParseState {
  Setting<Action> default_action, bad_arch, unknown_syscall;
  Setting<ir::MissingSyscall> missing;
  Setting<std::vector<Arch>> arches;
  std::vector<std::unique_ptr<Define>> defines;
  std::map<std::string, const Define*> define_by_name;
  std::vector<RuleStmt> rules;
  std::set<std::string> included;  // canonical paths already read (include once)
  size_t input_bytes = 0;          // the policy and its includes, against kMaxInputBytes
  std::vector<ir::SandboxStatement> sandbox;
};

// ---------------------------------------------------------------------------------------------
// Helpers shared by parser and lowering

const std::set<std::string_view>& action_words() {
  static const std::set<std::string_view> s = {"allow", "log", "trap", "errno", "trace",
                                               "kill-thread", "kill-process", "notify", "user-notif"};
  return s;
}

const std::set<std::string_view>& reserved_words() {
  static const std::set<std::string_view> s = {
      "allow", "log", "trap", "errno", "trace", "kill-thread", "kill-process", "notify",
      "user-notif", "default", "bad-arch", "unknown-syscall", "missing-syscall", "arch",
      "define", "in", "not", "u32"};
  return s;
}

std::optional<int> arg_index(std::string_view s) {
  if (s.size() == 4 && s.substr(0, 3) == "arg" && s[3] >= '0' && s[3] <= '5') return s[3] - '0';
  return std::nullopt;
}

std::string arch_list_text(const std::vector<Arch>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ", ";
    s += std::string(arch::info(v[i]).name);
  }
  return s;
}

std::string arch_names_hint() {
  std::string s = "known arches: ";
  bool first = true;
  for (const arch::ArchInfo& a : arch::all_arches()) {
    if (!first) s += ", ";
    first = false;
    s += std::string(a.name);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Parser

class Parser {
 public:
  Parser(Diag& d, ParseState& st, const ParseOptions& opt) : d_(d), st_(st), opt_(opt) {}

  // Parses one file; `chain` holds the include sites that led here (for cycle reports).
  void parse_file(int file, std::vector<std::pair<std::string, Pos>> chain) {
    std::vector<Token> toks = lex(file, d_.files[static_cast<size_t>(file)].text, d_);
    Cursor c{&toks, 0};
    std::optional<Pos> section_open;
    std::vector<Arch> section;
    section_pos_ = {};
    while (c.peek().kind != Tok::End) {
      const Token& t = c.peek();
      if (t.kind == Tok::Newline) { c.next(); continue; }
      if (t.kind == Tok::RBrace) {
        if (!section_open) {
          d_.error(t.pos, "'}' without an open arch section");
        }
        section_open.reset();
        section.clear();
        c.next();
        continue;
      }
      size_t errors_before = d_.error_count();
      // A line with a lexical error was already reported: do not act on half of it.
      bool ok = !d_.bad_lines.count({file, t.pos.line}) && statement(c, file, chain, section_open, section);
      if (!ok || d_.error_count() != errors_before) {
        // Recover: skip the rest of the line (stop before a section's closing brace).
        while (c.peek().kind != Tok::Newline && c.peek().kind != Tok::End &&
               !(c.peek().kind == Tok::RBrace && section_open))
          c.next();
      }
    }
    if (section_open) d_.error(*section_open, "arch section is not closed", "add '}' after its last rule");
  }

 private:
  struct Cursor {
    const std::vector<Token>* toks;
    size_t i;
    const Token& peek(size_t ahead = 0) const {
      size_t k = std::min(i + ahead, toks->size() - 1);
      return (*toks)[k];
    }
    const Token& next() {
      const Token& t = peek();
      if (i < toks->size() - 1) ++i;
      return t;
    }
    bool accept(Tok k) {
      if (peek().kind != k) return false;
      next();
      return true;
    }
  };

  Diag& d_;
  ParseState& st_;
  const ParseOptions& opt_;
  Pos section_pos_;
  int depth_ = 0;  // nesting of unary()/term(), bounded so no input can exhaust the stack

  struct DepthGuard {
    int& d;
    explicit DepthGuard(int& x) : d(++x) {}
    ~DepthGuard() { --d; }
  };
  static constexpr int kMaxDepth = 100;
  bool too_deep(const Token& t) {
    if (depth_ <= kMaxDepth) return false;
    d_.error(t.pos, "expression nested more than " + std::to_string(kMaxDepth) + " deep");
    return true;
  }

  bool at_end_of_statement(const Cursor& c, bool in_section) const {
    Tok k = c.peek().kind;
    return k == Tok::Newline || k == Tok::End || (in_section && k == Tok::RBrace);
  }

  bool expect_end(Cursor& c, bool in_section, const std::string& after) {
    if (at_end_of_statement(c, in_section)) return true;
    d_.error(c.peek().pos, std::string("unexpected ") + describe(c.peek()) + " after " + after,
             "one statement per line");
    return false;
  }

  bool unexpected(const Token& t, const std::string& wanted, std::string hint = {}) {
    d_.error(t.pos, "expected " + wanted + ", found " + describe(t), std::move(hint));
    return false;
  }

  template <class T>
  bool set_once(Setting<T>& s, T v, Pos p, const std::string& what) {
    if (s.value) {
      Error e = d_.make(p, what + " is set twice");
      e.notes.push_back({"first set here", d_.loc(s.pos)});
      d_.error(std::move(e));
      return false;
    }
    s.value = std::move(v);
    s.pos = p;
    return true;
  }

  bool statement(Cursor& c, int file, const std::vector<std::pair<std::string, Pos>>& chain,
                 std::optional<Pos>& section_open, std::vector<Arch>& section) {
    const Token& t = c.peek();
    bool in_section = section_open.has_value();
    if (t.kind == Tok::Ident && c.peek(1).kind != Tok::Colon && c.peek(1).kind != Tok::Comma) {
      static const std::set<std::string_view> settings = {"default", "bad-arch", "unknown-syscall",
                                                          "missing-syscall"};
      if (settings.count(t.text)) {
        if (in_section) {
          d_.error(t.pos, "'" + t.text + "' is not allowed inside an arch section",
                   "move it before the section");
          return false;
        }
        Token kw = c.next();
        if (kw.text == "missing-syscall") {
          const Token& v = c.peek();
          ir::MissingSyscall m;
          if (v.kind == Tok::Ident && v.text == "error") m = ir::MissingSyscall::Error;
          else if (v.kind == Tok::Ident && v.text == "warn") m = ir::MissingSyscall::Warn;
          else if (v.kind == Tok::Ident && v.text == "ignore") m = ir::MissingSyscall::Ignore;
          else return unexpected(v, "error, warn or ignore");
          c.next();
          if (!expect_end(c, false, "'missing-syscall " + v.text + "'")) return false;
          return set_once(st_.missing, m, kw.pos, "'missing-syscall'");
        }
        auto a = action(c);
        if (!a) return false;
        if (!expect_end(c, false, "the action")) return false;
        if (kw.text == "default") return set_once(st_.default_action, *a, kw.pos, "the default action");
        if (kw.text == "bad-arch") return set_once(st_.bad_arch, *a, kw.pos, "the bad-arch action");
        return set_once(st_.unknown_syscall, *a, kw.pos, "the unknown-syscall action");
      }
      if (c.peek(1).kind == Tok::String && is_sandbox_keyword(t.text)) return sandbox_statement(c, in_section);
      if (t.text == "arch") return arch_statement(c, section_open, section);
      if (t.text == "define") return define_statement(c, in_section);
    }
    if (t.kind == Tok::AtIdent && t.text == "@include") {
      if (in_section) {
        d_.error(t.pos, "@include is not allowed inside an arch section");
        return false;
      }
      return include_statement(c, file, chain);
    }
    if (t.kind == Tok::Ident || t.kind == Tok::AtIdent) return rule_statement(c, in_section, section);
    return unexpected(t, "a rule or a statement",
                      "statements: default, bad-arch, unknown-syscall, missing-syscall, arch, define, "
                      "@include, or `syscall: condition -> action`");
  }

  // `fs read /usr`, `net connect tcp 443`, ...: kept with their locations; the sandbox module
  // checks and applies them (src/sandbox/statements.cpp).
  bool sandbox_statement(Cursor& c, bool in_section) {
    const Token kw = c.next();
    const Token args = c.next();
    if (in_section) {
      d_.error(kw.pos, "'" + kw.text + "' is not allowed inside an arch section", "move it before the section");
      return false;
    }
    st_.sandbox.push_back({kw.text, args.text, d_.loc(kw.pos), d_.loc(args.pos)});
    return expect_end(c, false, "the sandbox statement");
  }

  bool arch_statement(Cursor& c, std::optional<Pos>& section_open, std::vector<Arch>& section) {
    Token kw = c.next();
    std::vector<Arch> list;
    while (true) {
      const Token& a = c.peek();
      if (a.kind != Tok::Ident) return unexpected(a, "an arch name", arch_names_hint());
      auto ar = arch::arch_from_name(a.text);
      if (!ar) {
        d_.error(a.pos, "unknown arch " + quote(a.text), arch_names_hint());
        return false;
      }
      if (std::find(list.begin(), list.end(), *ar) != list.end()) {
        d_.error(a.pos, "arch " + quote(a.text) + " is listed twice");
        return false;
      }
      list.push_back(*ar);
      c.next();
      if (!c.accept(Tok::Comma)) break;
    }
    if (c.peek().kind == Tok::LBrace) {
      Pos brace = c.next().pos;
      if (section_open) {
        d_.error(kw.pos, "arch sections cannot be nested");
        return false;
      }
      section_open = brace;
      section_pos_ = kw.pos;
      section = list;
      return true;
    }
    if (section_open) {
      d_.error(kw.pos, "the target arch list is not allowed inside an arch section");
      return false;
    }
    if (!expect_end(c, false, "the arch list")) return false;
    return set_once(st_.arches, list, kw.pos, "the target arch list");
  }

  bool define_statement(Cursor& c, bool) {
    c.next();
    const Token& n = c.peek();
    if (n.kind != Tok::Ident) return unexpected(n, "a name to define");
    if (reserved_words().count(n.text) || arg_index(n.text)) {
      d_.error(n.pos, quote(n.text) + " is a reserved word and cannot be defined");
      return false;
    }
    Token name = c.next();
    if (!c.accept(Tok::Assign)) return unexpected(c.peek(), "'=' after the name");
    VPtr v = value(c);
    if (!v) return false;
    if (!expect_end(c, true, "the value")) return false;
    auto it = st_.define_by_name.find(name.text);
    if (it != st_.define_by_name.end()) {
      Error e = d_.make(name.pos, quote(name.text) + " is already defined");
      e.notes.push_back({"previous definition is here", d_.loc(it->second->pos)});
      d_.error(std::move(e));
      return false;
    }
    if (detail::constant_known(name.text))
      d_.warn(name.pos, "define " + quote(name.text) + " shadows the built-in constant of that name");
    auto def = std::make_unique<Define>(Define{name.text, v, name.pos, st_.defines.size(), {}});
    st_.define_by_name[name.text] = def.get();
    st_.defines.push_back(std::move(def));
    return true;
  }

  bool include_statement(Cursor& c, int file, std::vector<std::pair<std::string, Pos>> chain) {
    c.next();
    const Token& s = c.peek();
    if (s.kind != Tok::String) return unexpected(s, "a file name in quotes after @include");
    Token path_tok = c.next();
    if (!expect_end(c, false, "the file name")) return false;
    namespace fs = std::filesystem;
    const std::string& from = d_.files[static_cast<size_t>(file)].path;
    std::vector<std::string> candidates;
    fs::path p(path_tok.text);
    if (p.is_absolute()) {
      candidates.push_back(p.string());
    } else {
      candidates.push_back((fs::path(from).parent_path() / p).lexically_normal().string());
      for (const std::string& dir : opt_.include_dirs)
        candidates.push_back((fs::path(dir) / p).lexically_normal().string());
    }
    std::optional<std::string> text;
    std::string found;
    std::string why;
    chain.emplace_back(from, path_tok.pos);
    auto canonical = [](const std::string& f) {
      std::error_code ec;
      fs::path c = fs::weakly_canonical(f, ec);
      return ec ? f : c.string();
    };
    for (const std::string& cand : candidates) {
      std::string key = canonical(cand);
      for (const auto& link : chain) {
        if (canonical(link.first) != key) continue;
        std::string text_chain;
        for (const auto& l : chain) text_chain += l.first + " -> ";
        text_chain += cand;
        Error e = d_.make(path_tok.pos, "include cycle: " + text_chain);
        for (size_t k = chain.size() - 1; k-- > 0;)
          e.notes.push_back({"included from here", d_.loc(chain[k].second)});
        d_.error(std::move(e));
        return false;
      }
      // Included once: a file already read is not read again (nor counted against the budget).
      if (st_.included.count(key)) return true;
      if (st_.input_bytes > kMaxInputBytes) return false;  // the budget error was reported
      std::string w;
      text = opt_.read_file(cand, &w);
      if (text) { found = cand; break; }
      if (why.empty()) why = w;
    }
    if (!text) {
      d_.error(path_tok.pos, "cannot read included file " + quote(path_tok.text) + (why.empty() ? "" : ": " + why),
               candidates.size() > 1 ? "searched next to the including file and in the include directories"
                                     : std::string());
      return false;
    }
    std::string key = canonical(found);
    if (chain.size() > kMaxIncludeDepth) {
      d_.error(path_tok.pos, "includes nested more than " + std::to_string(kMaxIncludeDepth) + " deep");
      return false;
    }
    if (!st_.included.insert(key).second) return true;  // already included once: nothing to add
    st_.input_bytes += text->size();
    if (st_.input_bytes > kMaxInputBytes) {
      d_.error(path_tok.pos, "included file " + quote(path_tok.text) + " takes the policy past " +
                                 describe_size(kMaxInputBytes) + " of input",
               "a policy and all its includes together may have at most " + describe_size(kMaxInputBytes));
      return false;
    }
    d_.files.push_back(SourceFile{found, *text, split_lines(*text)});
    int idx = static_cast<int>(d_.files.size() - 1);
    parse_file(idx, chain);
    return true;
  }

  bool rule_statement(Cursor& c, bool in_section, const std::vector<Arch>& section) {
    RuleStmt r;
    r.pos = c.peek().pos;
    r.section = section;
    r.section_pos = section_pos_;
    while (true) {
      const Token& n = c.peek();
      if (n.kind != Tok::Ident && n.kind != Tok::AtIdent) return unexpected(n, "a syscall name or @group");
      r.names.push_back(NameRef{n.text, n.pos});
      c.next();
      if (!c.accept(Tok::Comma)) break;
    }
    if (!c.accept(Tok::Colon)) {
      const Token& t = c.peek();
      return unexpected(t, "':' after the syscall name", "write `name: action` or `name: condition -> action`");
    }
    const Token& b = c.peek();
    if (at_end_of_statement(c, in_section))
      return unexpected(b, "a condition or an action after ':'", "e.g. `read: allow` or `write: fd == 1`");
    if (b.kind == Tok::Ident && action_words().count(b.text)) {
      r.action_pos = b.pos;
      auto a = action(c);
      if (!a) return false;
      r.action = *a;
    } else {
      r.cond = expr(c);
      if (!r.cond) return false;
      if (c.accept(Tok::Arrow)) {
        r.action_pos = c.peek().pos;
        auto a = action(c);
        if (!a) return false;
        r.action = *a;
      } else {
        r.action_pos = r.pos;
      }
    }
    if (!expect_end(c, in_section, r.cond ? "the condition" : "the action")) return false;
    st_.rules.push_back(std::move(r));
    return true;
  }

  std::optional<Action> action(Cursor& c) {
    const Token& t = c.peek();
    if (t.kind != Tok::Ident || !action_words().count(t.text)) {
      unexpected(t, "an action", "actions: allow, log, errno N, trap [N], trace [N], notify, kill-thread, kill-process");
      return std::nullopt;
    }
    Token w = c.next();
    auto data = [&](const char* what, uint64_t max, bool named_errno) -> std::optional<uint16_t> {
      const Token& v = c.peek();
      if (v.kind == Tok::Number) {
        c.next();
        if (v.num > max) {
          d_.error(v.pos, std::string(what) + " " + v.text + " is out of range", "the largest is " + std::to_string(max));
          return std::nullopt;
        }
        return static_cast<uint16_t>(v.num);
      }
      if (named_errno && v.kind == Tok::Ident) {
        c.next();
        auto e = detail::errno_value(v.text);
        if (!e) {
          std::vector<std::string_view> names;
          for (const arch::NamedConstant& n : arch::errno_names()) names.push_back(n.name);
          std::string near = detail::nearest_of(v.text, names);
          d_.error(v.pos, "unknown errno name " + quote(v.text),
                   !near.empty() ? "did you mean " + quote(near) + "?" : "write a name like EPERM or a number");
          return std::nullopt;
        }
        return static_cast<uint16_t>(*e);
      }
      unexpected(v, named_errno ? "an errno name or number after 'errno'" : std::string("a number after '") + w.text + "'");
      return std::nullopt;
    };
    if (w.text == "allow") return Action::allow();
    if (w.text == "log") return Action::log();
    if (w.text == "kill-thread") return Action::kill_thread();
    if (w.text == "kill-process") return Action::kill_process();
    if (w.text == "notify" || w.text == "user-notif") return Action::user_notif();
    if (w.text == "errno") {
      auto v = data("errno", 4095, true);
      if (!v) return std::nullopt;
      return Action::errno_(*v);
    }
    bool has_data = c.peek().kind == Tok::Number;
    uint16_t v = 0;
    if (has_data) {
      auto dv = data(w.text == "trap" ? "trap data" : "trace message", 0xffff, false);
      if (!dv) return std::nullopt;
      v = *dv;
    }
    return w.text == "trap" ? Action::trap(v) : Action::trace(v);
  }

  // value := term ('|' term)* ; term := NUMBER | NAME | '~' term | '-' term | '(' value ')'
  VPtr value(Cursor& c) {
    VPtr l = term(c);
    if (!l || c.peek().kind != Tok::Pipe) return l;
    auto n = std::make_shared<VExpr>();
    n->kind = VExpr::Or;
    n->pos = c.peek().pos;
    n->items.push_back(std::move(l));
    while (c.peek().kind == Tok::Pipe) {
      c.next();
      VPtr r = term(c);
      if (!r) return nullptr;
      n->items.push_back(std::move(r));
    }
    return n;
  }

  VPtr term(Cursor& c) {
    const Token& t = c.peek();
    DepthGuard guard(depth_);
    if (too_deep(t)) return nullptr;
    auto n = std::make_shared<VExpr>();
    n->pos = t.pos;
    switch (t.kind) {
      case Tok::Number:
        n->kind = VExpr::Num;
        n->num = t.num;
        c.next();
        return n;
      case Tok::Ident: {
        if (arg_index(t.text) || reserved_words().count(t.text)) {
          unexpected(t, "a value (a number or a constant name)");
          return nullptr;
        }
        auto it = st_.define_by_name.find(t.text);
        if (it != st_.define_by_name.end()) {
          n->kind = VExpr::DefineRef;
          n->def = it->second;
        } else {
          n->kind = VExpr::Name;
        }
        n->name = t.text;
        c.next();
        return n;
      }
      case Tok::Tilde:
      case Tok::Minus: {
        n->kind = t.kind == Tok::Tilde ? VExpr::Not : VExpr::Neg;
        c.next();
        n->a = term(c);
        return n->a ? n : nullptr;
      }
      case Tok::LParen: {
        c.next();
        VPtr v = value(c);
        if (!v) return nullptr;
        if (!c.accept(Tok::RParen)) {
          unexpected(c.peek(), "')'");
          return nullptr;
        }
        return v;
      }
      default:
        unexpected(t, "a value (a number or a constant name)");
        return nullptr;
    }
  }

  // expr := and ('||' and)* ; and := unary ('&&' unary)*
  BPtr expr(Cursor& c) { return chain(c, Tok::OrOr, BExpr::Or); }
  BPtr and_expr(Cursor& c) { return chain(c, Tok::AndAnd, BExpr::And); }

  // `x OP y OP z ...` as one node with a list of operands (OP is `||` or `&&`).
  BPtr chain(Cursor& c, Tok op, BExpr::Kind kind) {
    BPtr l = kind == BExpr::Or ? and_expr(c) : unary(c);
    if (!l || c.peek().kind != op) return l;
    auto n = std::make_shared<BExpr>();
    n->kind = kind;
    n->pos = c.peek().pos;
    n->kids.push_back(std::move(l));
    n->op_pos.push_back(n->pos);
    while (c.peek().kind == op) {
      n->op_pos.push_back(c.next().pos);
      BPtr r = kind == BExpr::Or ? and_expr(c) : unary(c);
      if (!r) return nullptr;
      n->kids.push_back(std::move(r));
    }
    return n;
  }

  bool operand_start(const Cursor& c) const {
    const Token& t = c.peek();
    return t.kind == Tok::Ident;
  }

  // operand := ARG | NAME | 'u32' '(' operand ')' ; masked := operand '&' value
  std::optional<Operand> operand(Cursor& c) {
    const Token& t = c.peek();
    if (t.kind != Tok::Ident || (reserved_words().count(t.text) && t.text != "u32")) {
      unexpected(t, "an argument (arg0..arg5 or an argument name)");
      return std::nullopt;
    }
    Operand o;
    o.pos = t.pos;
    if (t.text == "u32" && c.peek(1).kind == Tok::LParen) {
      c.next();
      c.next();
      auto inner = operand(c);
      if (!inner) return std::nullopt;
      if (inner->w32) {
        d_.error(t.pos, "u32() applied twice");
        return std::nullopt;
      }
      if (!c.accept(Tok::RParen)) {
        unexpected(c.peek(), "')' after the argument");
        return std::nullopt;
      }
      inner->w32 = true;
      inner->pos = t.pos;
      return inner;
    }
    c.next();
    if (auto k = arg_index(t.text)) o.arg = *k;
    else if (t.text.size() >= 3 && t.text.substr(0, 3) == "arg" && t.text.size() <= 5 &&
             std::all_of(t.text.begin() + 3, t.text.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      d_.error(t.pos, "argument index " + t.text.substr(3) + " is out of range", "syscalls have arguments arg0..arg5");
      return std::nullopt;
    } else {
      o.name = t.text;
    }
    return o;
  }

  BPtr comparison_tail(Cursor& c, Operand lhs) {
    auto n = std::make_shared<BExpr>();
    n->lhs = std::move(lhs);
    n->pos = n->lhs.pos;
    const Token& t = c.peek();
    CmpOp op;
    switch (t.kind) {
      case Tok::EqEq: op = CmpOp::Eq; break;
      case Tok::NotEq: op = CmpOp::Ne; break;
      case Tok::Lt: op = CmpOp::Lt; break;
      case Tok::Le: op = CmpOp::Le; break;
      case Tok::Gt: op = CmpOp::Gt; break;
      case Tok::Ge: op = CmpOp::Ge; break;
      case Tok::Ident:
        if (t.text == "in" || (t.text == "not" && c.peek(1).kind == Tok::Ident && c.peek(1).text == "in")) {
          n->kind = BExpr::In;
          n->negated_in = t.text == "not";
          c.next();
          if (n->negated_in) c.next();
          if (!c.accept(Tok::LBrace)) {
            unexpected(c.peek(), "'{' to start the set");
            return nullptr;
          }
          while (true) {
            VPtr v = value(c);
            if (!v) return nullptr;
            n->values.push_back(v);
            if (c.accept(Tok::Comma)) continue;
            if (c.accept(Tok::RBrace)) break;
            unexpected(c.peek(), "',' or '}' in the set");
            return nullptr;
          }
          return n;
        }
        [[fallthrough]];
      default:
        if (n->lhs.mask) {  // `arg & MASK` alone: some bit of MASK is set
          n->kind = BExpr::Test;
          return n;
        }
        if (n->lhs.arg < 0 && !n->lhs.w32 && (t.kind == Tok::Newline || t.kind == Tok::End || t.kind == Tok::RBrace)) {
          unexpected(t, "a comparison (==, !=, <, <=, >, >=, in) after the argument",
                     quote(n->lhs.name) + " is not an action; actions: allow, log, errno N, trap [N], "
                     "trace [N], notify, kill-thread, kill-process");
          return nullptr;
        }
        unexpected(t, "a comparison (==, !=, <, <=, >, >=, in) after the argument");
        return nullptr;
    }
    c.next();
    n->kind = BExpr::Cmp;
    n->op = op;
    VPtr v = value(c);
    if (!v) return nullptr;
    n->values.push_back(v);
    return n;
  }

  BPtr unary(Cursor& c) {
    const Token& t = c.peek();
    DepthGuard guard(depth_);
    if (too_deep(t)) return nullptr;
    if (t.kind == Tok::Bang) {
      Pos p = c.next().pos;
      BPtr inner = unary(c);
      if (!inner) return nullptr;
      auto n = std::make_shared<BExpr>();
      n->kind = BExpr::Not;
      n->a = inner;
      n->pos = p;
      return n;
    }
    if (t.kind == Tok::LParen) {
      // Either `(operand & mask)` (then compared: `(arg & M) == V`) or a parenthesized
      // condition, which may itself start with a masked test: `(arg & M || ...)`. Look ahead
      // for `( operand & value )`; anything else is re-read as a condition. The look-ahead
      // reads one operand and one value, so no input is read more than twice.
      size_t save = c.i;
      c.next();
      if (operand_start(c)) {
        Diag::Mark errs = d_.mark();
        auto o = operand(c);  // look-ahead: its errors are dropped when we backtrack
        if (o && c.peek().kind == Tok::Amp) {
          c.next();
          o->mask = value(c);
          if (o->mask && c.accept(Tok::RParen)) return comparison_tail(c, std::move(*o));
        }
        d_.truncate_errors(errs);
      }
      c.i = save;
      c.next();
      BPtr inner = expr(c);
      if (!inner) return nullptr;
      if (!c.accept(Tok::RParen)) {
        unexpected(c.peek(), "')'");
        return nullptr;
      }
      return inner;
    }
    auto o = operand(c);
    if (!o) return nullptr;
    if (c.peek().kind == Tok::Amp) {
      c.next();
      o->mask = value(c);  // in `arg & A|B == 0` the mask is `A|B`
      if (!o->mask) return nullptr;
    }
    return comparison_tail(c, std::move(*o));
  }

};

// ---------------------------------------------------------------------------------------------
// Lowering to IR

using Clause = std::vector<ArgCmp>;
using Dnf = std::vector<Clause>;  // {} is false; {{}} is true

bool same_cmp(const ArgCmp& a, const ArgCmp& b) {
  return a.arg == b.arg && a.op == b.op && a.value == b.value && a.mask == b.mask && a.width == b.width;
}
bool same_dnf(const Dnf& a, const Dnf& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size()) return false;
    for (size_t j = 0; j < a[i].size(); ++j)
      if (!same_cmp(a[i][j], b[i][j])) return false;
  }
  return true;
}

// Drops comparisons that always hold; returns false when the conjunction can never hold.
bool simplify_clause(Clause& cl) {
  Clause out;
  for (const ArgCmp& c : cl) {
    uint64_t full = c.width == Width::Bits32 ? 0xffffffffULL : ~0ULL;
    if ((c.op == CmpOp::Ge && (c.value & full) == 0) || (c.op == CmpOp::Le && (c.value & full) == full)) continue;
    if ((c.op == CmpOp::Lt && (c.value & full) == 0) || (c.op == CmpOp::Gt && (c.value & full) == full))
      return false;
    if (c.op == CmpOp::MaskedEq && c.mask == 0 && c.value == 0) continue;
    if (std::any_of(out.begin(), out.end(), [&](const ArgCmp& o) { return same_cmp(o, c); })) continue;
    out.push_back(c);
  }
  // Per argument and width: interval, required bits, and the exact value if any.
  for (int arg = 0; arg < 6; ++arg) {
    for (Width w : {Width::Bits64, Width::Bits32}) {
      uint64_t lo = 0, hi = w == Width::Bits32 ? 0xffffffffULL : ~0ULL;
      uint64_t ones = 0, zeros = 0;
      std::optional<uint64_t> eq;
      std::vector<uint64_t> ne;
      bool any = false;
      uint64_t full = w == Width::Bits32 ? 0xffffffffULL : ~0ULL;
      for (const ArgCmp& c : out) {
        if (c.arg != arg || c.width != w) continue;
        any = true;
        uint64_t v = c.value & full;
        uint64_t m = c.mask & full;
        switch (c.op) {
          case CmpOp::Eq:
            if (eq && *eq != v) return false;
            eq = v;
            break;
          case CmpOp::Ne: ne.push_back(v); break;
          case CmpOp::Lt: hi = std::min(hi, v - 1); break;
          case CmpOp::Le: hi = std::min(hi, v); break;
          case CmpOp::Gt: lo = std::max(lo, v + 1); break;
          case CmpOp::Ge: lo = std::max(lo, v); break;
          case CmpOp::MaskedEq:
            ones |= v & m;
            zeros |= m & ~v;
            break;
        }
      }
      if (!any) continue;
      if (lo > hi || (ones & zeros)) return false;
      if (eq) {
        if (*eq < lo || *eq > hi || (*eq & zeros) || ((*eq & ones) != ones)) return false;
        if (std::find(ne.begin(), ne.end(), *eq) != ne.end()) return false;
      }
    }
  }
  cl = std::move(out);
  return true;
}

struct LowerCtx {
  Diag& d;
  Arch arch;
  std::string_view syscall;
  std::span<const std::string_view> arg_names;
};

std::optional<uint64_t> define_value(const Define& def, LowerCtx& cx);

// The value of an expression on cx.arch. Recursion follows only the nesting the parser limits
// (parentheses, `~`, `-`); a define's value is computed once per arch (define_value).
std::optional<uint64_t> eval(const VExpr& v, LowerCtx& cx) {
  switch (v.kind) {
    case VExpr::Num: return v.num;
    case VExpr::DefineRef: return define_value(*v.def, cx);
    case VExpr::Name: {
      if (auto k = detail::constant_value(cx.arch, v.name)) return *k;
      if (detail::constant_known(v.name)) {
        cx.d.error(v.pos, "constant " + quote(v.name) + " is not defined on " + std::string(arch::info(cx.arch).name));
      } else {
        std::string near = detail::nearest_constant(v.name);
        cx.d.error(v.pos, "unknown constant " + quote(v.name),
                   near.empty() ? "define it with `define " + v.name + " = <value>`" : "did you mean " + quote(near) + "?");
      }
      return std::nullopt;
    }
    case VExpr::Not: {
      auto a = eval(*v.a, cx);
      if (!a) return std::nullopt;
      return ~*a;
    }
    case VExpr::Neg: {
      auto a = eval(*v.a, cx);
      if (!a) return std::nullopt;
      return ~*a + 1;
    }
    case VExpr::Or: {
      uint64_t acc = 0;
      bool ok = true;
      for (const VPtr& item : v.items) {
        auto x = eval(*item, cx);
        if (x) acc |= *x;
        else ok = false;
      }
      if (!ok) return std::nullopt;
      return acc;
    }
  }
  return std::nullopt;
}

void collect_defines(const VExpr& v, std::vector<const Define*>& out) {
  if (v.kind == VExpr::DefineRef) out.push_back(v.def);
  if (v.a) collect_defines(*v.a, out);
  for (const VPtr& item : v.items) collect_defines(*item, out);
}

// Evaluates `def` and the defines it depends on, each once per arch, in definition order (a
// define refers only to earlier ones), so neither time nor stack depth grows with how the
// defines refer to each other: `define D70 = D69 | D69` costs what `define D70 = 1` does.
std::optional<uint64_t> define_value(const Define& def, LowerCtx& cx) {
  if (auto it = def.value_on.find(cx.arch); it != def.value_on.end()) return it->second;
  std::vector<const Define*> todo;
  std::vector<const Define*> stack{&def};
  std::set<const Define*> seen{&def};
  while (!stack.empty()) {
    const Define* d = stack.back();
    stack.pop_back();
    todo.push_back(d);
    std::vector<const Define*> refs;
    collect_defines(*d->value, refs);
    for (const Define* r : refs)
      if (!r->value_on.count(cx.arch) && seen.insert(r).second) stack.push_back(r);
  }
  std::sort(todo.begin(), todo.end(), [](const Define* x, const Define* y) { return x->index < y->index; });
  for (const Define* d : todo) d->value_on[cx.arch] = eval(*d->value, cx);
  return def.value_on[cx.arch];
}

bool fits32(uint64_t v) { return v <= 0xffffffffULL || (v >> 31) == 0x1ffffffffULL; }

std::optional<Dnf> lower(const BExpr& e, bool neg, LowerCtx& cx);

size_t comparisons(const Dnf& a) {
  size_t n = 0;
  for (const Clause& c : a) n += c.size();
  return n;
}

std::optional<Dnf> dnf_or(Dnf a, Dnf b, LowerCtx& cx, Pos at) {
  if (a.size() + b.size() > kMaxClauses) {
    cx.d.error(at, "condition expands into more than " + std::to_string(kMaxClauses) + " rules",
               "simplify it, or split it over several rules");
    return std::nullopt;
  }
  if (comparisons(a) + comparisons(b) > kMaxComparisons) {
    cx.d.error(at, "condition expands into more than " + std::to_string(kMaxComparisons) + " comparisons",
               "simplify it, or split it over several rules");
    return std::nullopt;
  }
  for (Clause& c : b) a.push_back(std::move(c));
  return a;
}

std::optional<Dnf> dnf_and(Dnf a, const Dnf& b, LowerCtx& cx, Pos at) {
  if (a.size() * b.size() > kMaxClauses) {
    cx.d.error(at, "condition expands into more than " + std::to_string(kMaxClauses) + " rules",
               "simplify it, or split it over several rules");
    return std::nullopt;
  }
  if (comparisons(a) * b.size() + comparisons(b) * a.size() > kMaxComparisons) {
    cx.d.error(at, "condition expands into more than " + std::to_string(kMaxComparisons) + " comparisons",
               "simplify it, or split it over several rules");
    return std::nullopt;
  }
  if (b.size() == 1) {  // the common `x && y`: extend each conjunction in place
    for (Clause& c : a) c.insert(c.end(), b[0].begin(), b[0].end());
    return a;
  }
  Dnf out;
  for (const Clause& x : a)
    for (const Clause& y : b) {
      Clause c = x;
      c.insert(c.end(), y.begin(), y.end());
      out.push_back(std::move(c));
    }
  return out;
}

// One comparison `lhs op v` (op possibly negated already) as a DNF.
std::optional<Dnf> lower_cmp(const Operand& lhs, CmpOp op, uint64_t v, Pos vpos, LowerCtx& cx) {
  int idx = lhs.arg;
  if (idx >= 0) {
    // A page that names an argument `argK` (prctl's and keyctl's arg2..arg5 are their second to
    // fifth arguments) makes `argK` mean two registers: an error, never a silent guess.
    const std::string written = "arg" + std::to_string(idx);
    auto it = std::find(cx.arg_names.begin(), cx.arg_names.end(), written);
    if (it != cx.arg_names.end() && it - cx.arg_names.begin() != idx) {
      const auto real = it - cx.arg_names.begin();
      cx.d.error(lhs.pos, quote(written) + " is ambiguous for " + quote(cx.syscall) + ": its man page calls argument #" +
                              std::to_string(real + 1) + " (register arg" + std::to_string(real) + ") " +
                              quote(written) + ", but " + written + " is register #" + std::to_string(idx + 1),
                 "write `arg" + std::to_string(real) + "` for the man page's " + written +
                     " (registers count from arg0); " + quote(cx.syscall) + "'s first argument is " +
                     quote(cx.arg_names.empty() ? "arg0" : std::string(cx.arg_names[0])));
      return std::nullopt;
    }
  }
  if (idx < 0) {
    if (auto regs = arch::wide_arg_registers(cx.arch, cx.syscall, lhs.name)) {
      cx.d.error(lhs.pos, "argument " + quote(lhs.name) + " of " + quote(cx.syscall) + " is 64-bit and takes two registers on " +
                              std::string(arch::info(cx.arch).name) + " (arg" + std::to_string(regs->first) + " and arg" +
                              std::to_string(regs->second) + ")",
                 "compare arg" + std::to_string(regs->first) + " (low word) and arg" + std::to_string(regs->second) +
                     " (high word), or put the rule in an arch section for 64-bit arches");
      return std::nullopt;
    }
    auto it = std::find(cx.arg_names.begin(), cx.arg_names.end(), lhs.name);
    if (lhs.name.empty() || it == cx.arg_names.end()) {
      std::string list;
      for (size_t i = 0; i < cx.arg_names.size(); ++i) {
        if (cx.arg_names[i].empty()) continue;
        list += (list.empty() ? "" : ", ") + std::string(cx.arg_names[i]) + " (arg" + std::to_string(i) + ")";
      }
      cx.d.error(lhs.pos, "syscall " + quote(cx.syscall) + " has no argument named " + quote(lhs.name),
                 list.empty() ? "its argument names are unknown: use arg0..arg5"
                              : "its arguments are " + list);
      return std::nullopt;
    }
    idx = static_cast<int>(it - cx.arg_names.begin());
  }
  std::optional<uint64_t> mask;
  if (lhs.mask) {
    mask = eval(*lhs.mask, cx);
    if (!mask) return std::nullopt;
  }
  bool narrow = lhs.w32 || !arch::info(cx.arch).args_are_64bit;
  if (narrow) {
    std::string where = lhs.w32 ? "the 32-bit argument" : "a 32-bit argument on " + std::string(arch::info(cx.arch).name);
    if (!fits32(v)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
      cx.d.error(vpos, std::string("value ") + buf + " does not fit in " + where,
                 "only the low 32 bits are compared there");
      return std::nullopt;
    }
    if (mask && !fits32(*mask)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(*mask));
      cx.d.error(lhs.mask->pos, std::string("mask ") + buf + " does not fit in " + where);
      return std::nullopt;
    }
  }
  ArgCmp base;
  base.arg = static_cast<uint8_t>(idx);
  base.width = lhs.w32 ? Width::Bits32 : Width::Bits64;
  base.loc = cx.d.loc(lhs.pos);
  if (!mask) {
    ArgCmp c = base;
    c.op = op;
    c.value = v;
    return Dnf{{c}};
  }
  uint64_t m = *mask;
  if (op != CmpOp::Eq && op != CmpOp::Ne) {
    cx.d.error(lhs.pos, "a masked argument can only be compared with == or !=",
               "ordering comparisons (<, <=, >, >=) apply to the whole argument");
    return std::nullopt;
  }
  if (op == CmpOp::Eq) {
    if (v & ~m) return Dnf{};  // bits outside the mask: never equal
    ArgCmp c = base;
    c.op = CmpOp::MaskedEq;
    c.mask = m;
    c.value = v;
    return Dnf{{c}};
  }
  // (arg & m) != v  <=>  some bit of m differs from v's.
  if (v & ~m) return Dnf{{}};
  Dnf out;
  for (int bit = 0; bit < 64; ++bit) {
    uint64_t b = 1ULL << bit;
    if (!(m & b)) continue;
    ArgCmp c = base;
    c.op = CmpOp::MaskedEq;
    c.mask = b;
    c.value = (v & b) ? 0 : b;
    out.push_back({c});
  }
  return out;
}

CmpOp negate(CmpOp op) {
  switch (op) {
    case CmpOp::Eq: return CmpOp::Ne;
    case CmpOp::Ne: return CmpOp::Eq;
    case CmpOp::Lt: return CmpOp::Ge;
    case CmpOp::Le: return CmpOp::Gt;
    case CmpOp::Gt: return CmpOp::Le;
    case CmpOp::Ge: return CmpOp::Lt;
    case CmpOp::MaskedEq: return CmpOp::MaskedEq;  // not produced by the parser
  }
  return op;
}

std::optional<Dnf> lower(const BExpr& e, bool neg, LowerCtx& cx) {
  switch (e.kind) {
    case BExpr::Not: return lower(*e.a, !neg, cx);
    case BExpr::And:
    case BExpr::Or: {
      bool conj = (e.kind == BExpr::And) != neg;  // De Morgan
      Dnf acc = conj ? Dnf{{}} : Dnf{};
      for (size_t i = 0; i < e.kids.size(); ++i) {
        auto k = lower(*e.kids[i], neg, cx);
        if (!k) return std::nullopt;
        const Pos at = e.op_pos[i];  // the operator that makes it too large
        auto r = conj ? dnf_and(std::move(acc), *k, cx, at) : dnf_or(std::move(acc), std::move(*k), cx, at);
        if (!r) return std::nullopt;
        acc = std::move(*r);
      }
      return acc;
    }
    case BExpr::Test: return lower_cmp(e.lhs, neg ? CmpOp::Eq : CmpOp::Ne, 0, e.pos, cx);
    case BExpr::Cmp: {
      auto v = eval(*e.values[0], cx);
      if (!v) return std::nullopt;
      return lower_cmp(e.lhs, neg ? negate(e.op) : e.op, *v, e.values[0]->pos, cx);
    }
    case BExpr::In: {
      bool any = e.negated_in == neg;  // `in` (or `!(not in)`): OR of ==; else AND of !=
      Dnf acc = any ? Dnf{} : Dnf{{}};
      for (const VPtr& vp : e.values) {
        auto v = eval(*vp, cx);
        if (!v) return std::nullopt;
        auto one = lower_cmp(e.lhs, any ? CmpOp::Eq : CmpOp::Ne, *v, vp->pos, cx);
        if (!one) return std::nullopt;
        if (any) {
          auto r = dnf_or(std::move(acc), std::move(*one), cx, e.pos);
          if (!r) return std::nullopt;
          acc = std::move(*r);
        } else {
          auto r = dnf_and(std::move(acc), *one, cx, e.pos);
          if (!r) return std::nullopt;
          acc = std::move(*r);
        }
      }
      return acc;
    }
  }
  return std::nullopt;
}

// Drops the conjunctions that can never hold on `a` (the IR's one rule, ir::never_holds); the
// first reason is kept for the error when none is left.
Dnf finish(Dnf in, Arch a, std::string& why_never) {
  Dnf out;
  for (Clause& c : in) {
    std::string why = ir::never_holds(c, a);
    if (why.empty() && !simplify_clause(c)) why = "its comparisons contradict each other";
    if (!why.empty()) {
      if (why_never.empty()) why_never = why;
      continue;
    }
    if (c.empty()) return Dnf{{}};  // one clause always holds: the whole rule does
    out.push_back(std::move(c));
  }
  return out;
}

struct Uncond {
  Action action;
  Pos pos;
  bool direct;
};

class Lowering {
 public:
  Lowering(Diag& d, ParseState& st, std::vector<Arch> targets, ir::MissingSyscall missing)
      : d_(d), st_(st), targets_(std::move(targets)), missing_(missing) {}

  std::vector<ir::Rule> run() {
    for (const RuleStmt& r : st_.rules) lower_rule(r);
    return std::move(out_);
  }

 private:
  Diag& d_;
  ParseState& st_;
  std::vector<Arch> targets_;
  ir::MissingSyscall missing_;
  std::vector<ir::Rule> out_;
  std::map<std::pair<std::string, Arch>, Uncond> uncond_;

  void lower_rule(const RuleStmt& r) {
    std::vector<Arch> arches;
    for (Arch a : r.section.empty() ? targets_ : r.section) {
      if (std::find(targets_.begin(), targets_.end(), a) == targets_.end()) {
        d_.warn(r.section_pos, "section for " + std::string(arch::info(a).name) +
                                   ", which the policy does not target, has no effect");
        continue;
      }
      arches.push_back(a);
    }
    if (arches.empty()) return;
    for (const NameRef& n : r.names) {
      if (!n.name.empty() && n.name[0] == '@') {
        const SyscallGroup* g = find_group(n.name);
        if (!g) {
          std::string near = nearest_group_name(n.name);
          d_.error(n.pos, "unknown syscall group " + quote(n.name),
                   near.empty() ? "`sysfence groups` lists them" : "did you mean " + quote(near) + "?");
          continue;
        }
        for (std::string_view m : g->syscalls) lower_name(r, m, n.pos, arches, false, n.name);
        continue;
      }
      bool known = false;
      for (std::string_view k : arch::all_syscall_names())
        if (k == n.name) { known = true; break; }
      if (!known) {
        std::string near = arch::nearest_syscall_name(n.name);
        d_.error(n.pos, "unknown syscall " + quote(n.name),
                 near.empty() ? "`sysfence resolve` lists the names of an arch" : "did you mean " + quote(near) + "?");
        continue;
      }
      lower_name(r, n.name, n.pos, arches, true);
    }
  }

  void lower_name(const RuleStmt& r, std::string_view name, Pos at, const std::vector<Arch>& arches, bool direct,
                  std::string_view group = {}) {
    std::vector<Arch> have, lack;
    // A socket or IPC call that an arch has only through its multiplexer (i386's semop) is
    // there too: Policy::build gives it the multiplexer's rule.
    for (Arch a : arches)
      (arch::syscall_number(a, name) || arch::multiplexed_call(a, name) ? have : lack).push_back(a);
    if (direct && !lack.empty()) {
      std::string msg = "syscall " + quote(name) + " does not exist on " + arch_list_text(lack);
      if (missing_ == ir::MissingSyscall::Error) {
        d_.error(at, msg, "put the rule in an arch section, or write `missing-syscall warn`");
        return;
      }
      if (missing_ == ir::MissingSyscall::Warn)
        d_.warn(at, msg + "; the rule does not apply there");
    }
    if (have.empty()) return;
    std::vector<Dnf> per;
    std::vector<Arch> never;
    std::string why_never;
    for (Arch a : have) {
      Dnf dnf{{}};
      if (r.cond) {
        LowerCtx cx{d_, a, name, arch::syscall_arg_names(a, name)};
        auto l = lower(*r.cond, false, cx);
        if (!l) return;
        std::string why;
        dnf = finish(std::move(*l), a, why);
        if (dnf.empty()) {
          never.push_back(a);
          if (why_never.empty()) why_never = why;
        }
      }
      per.push_back(std::move(dnf));
    }
    if (!never.empty()) {
      // One rule for every frontend and arch: a condition that can never hold is a mistake
      // (a deny rule that never matches protects nothing). Name the arches when it holds on
      // some other target arch.
      const bool everywhere = never.size() == have.size();
      d_.error(r.cond->pos,
               "condition can never be true" + (everywhere ? std::string() : " on " + arch_list_text(never)) +
                   "; the rule for " + quote(name) + " would have no effect" +
                   (why_never.empty() ? std::string() : ": " + why_never),
               everywhere ? "fix the condition, or remove the rule"
                          : "put the rule in an `arch` section for the arches where it can hold");
      return;
    }
    bool all_same = std::all_of(per.begin(), per.end(), [&](const Dnf& x) { return same_dnf(x, per[0]); });
    bool shared = all_same && have.size() == targets_.size();
    for (size_t i = 0; i < have.size(); ++i) {
      if (per[i].size() == 1 && per[i][0].empty()) check_conflict(r, name, at, have[i], direct);
      if (shared && i > 0) continue;
      for (const Clause& cl : per[i]) {
        ir::Rule rule;
        rule.syscall = std::string(name);
        if (!shared) rule.only_arch = have[i];
        rule.conds = cl;
        rule.action = r.action;
        rule.loc = d_.loc(at);
        rule.group = std::string(group);
        out_.push_back(std::move(rule));
      }
    }
  }

  void check_conflict(const RuleStmt& r, std::string_view name, Pos at, Arch a, bool direct) {
    auto key = std::make_pair(std::string(name), a);
    auto it = uncond_.find(key);
    if (it == uncond_.end()) {
      uncond_.emplace(key, Uncond{r.action, at, direct});
      return;
    }
    const Uncond& prev = it->second;
    if (prev.action == r.action) return;
    if (prev.direct && direct) {
      Error e = d_.make(at, "syscall " + quote(name) + " is given " + action_to_text(r.action) +
                                " here but " + action_to_text(prev.action) + " earlier",
                        "a syscall gets one unconditional action; remove one of the rules");
      e.notes.push_back({"earlier rule for " + quote(name) + " is here", d_.loc(prev.pos)});
      d_.error(std::move(e));
      return;
    }
    // With a group involved, the more restrictive action applies. That is the idiom for carving
    // an exception out of a group (`@process: allow` then `clone3: errno ENOSYS`), so only a
    // rule written for the syscall itself that loses is worth a warning.
    // (Same kind, different data: the earlier rule's data wins, as in the IR.)
    bool now_wins = r.action.more_restrictive_than(prev.action);
    const Action& win = now_wins ? r.action : prev.action;
    bool loser_direct = now_wins ? prev.direct : direct;
    if (!loser_direct) return;
    Error e = d_.make(at, "syscall " + quote(name) + " is given " + action_to_text(r.action) + " here and " +
                              action_to_text(prev.action) + " earlier; the more restrictive " +
                              action_to_text(win) + " applies");
    e.notes.push_back({"earlier rule for " + quote(name) + " is here", d_.loc(prev.pos)});
    d_.warn(std::move(e));
  }
};

// The default reader: regular files only for @include (a FIFO must not block, /dev/zero must
// not be read forever); the policy file itself may also be a pipe (`--policy <(...)`).
std::optional<std::string> read_fs_as(const std::string& path, std::string* why, bool regular_only) {
  InputFileOptions o;
  o.regular_only = regular_only;
  Result<std::string> r = read_input_file(path, o);
  if (r) return std::move(*r);
  if (why) {
    // The message is "path: what"; the caller names the path itself.
    const std::string& m = r.error().message;
    *why = m.compare(0, path.size() + 2, path + ": ") == 0 ? m.substr(path.size() + 2) : m;
  }
  return std::nullopt;
}
std::optional<std::string> read_fs(const std::string& path, std::string* why) {
  return read_fs_as(path, why, true);
}

Parsed<ir::PolicySpec> parse_impl(std::string text, std::string filename, ParseOptions opt) {
  if (!opt.read_file) opt.read_file = read_fs;
  Diag d;
  ParseState st;
  st.input_bytes = text.size();
  if (text.size() > kMaxInputBytes) {
    Parsed<ir::PolicySpec> out;
    Error e;
    e.message = filename + ": the policy is larger than " + describe_size(kMaxInputBytes);
    e.hint = "split it, or check that it is the file you meant";
    out.errors.push_back(std::move(e));
    return out;
  }
  d.files.push_back(SourceFile{filename, text, split_lines(text)});
  std::error_code ec;
  auto canon = std::filesystem::weakly_canonical(filename, ec);
  st.included.insert(ec ? filename : canon.string());
  Parser p(d, st, opt);
  p.parse_file(0, {});

  std::vector<Arch> targets = !opt.force_arches.empty() ? opt.force_arches
                             : st.arches.value           ? *st.arches.value
                                                         : opt.default_arches;
  if (targets.empty()) targets.push_back(arch::native_arch());
  ir::MissingSyscall missing = st.missing.value.value_or(ir::MissingSyscall::Warn);
  Lowering low(d, st, targets, missing);
  std::vector<ir::Rule> rules = low.run();

  // Report in source order (files in the order they were read), whichever phase found them.
  auto by_place = [&](const Error& x, const Error& y) {
    auto file_index = [&](const std::string& f) {
      for (size_t i = 0; i < d.files.size(); ++i)
        if (d.files[i].path == f) return i;
      return d.files.size();
    };
    auto kx = std::make_tuple(file_index(x.where.file), x.where.line, x.where.col);
    auto ky = std::make_tuple(file_index(y.where.file), y.where.line, y.where.col);
    return kx < ky;
  };
  std::stable_sort(d.errors.begin(), d.errors.end(), by_place);
  d.finish();
  std::stable_sort(d.warnings.begin(), d.warnings.end(), by_place);
  Parsed<ir::PolicySpec> out;
  if (opt.warnings_are_errors) {
    for (Error& w : d.warnings) d.errors.push_back(std::move(w));
    d.warnings.clear();
  }
  out.errors = std::move(d.errors);
  out.warnings = std::move(d.warnings);
  if (!out.errors.empty()) return out;
  ir::PolicySpec spec;
  spec.default_action = st.default_action.value.value_or(Action::kill_process());
  spec.bad_arch_action = st.bad_arch.value.value_or(Action::kill_process());
  spec.unknown_syscall_action = st.unknown_syscall.value;
  spec.arches = targets;
  spec.rules = std::move(rules);
  spec.missing_syscall = missing;
  spec.loc.file = filename;
  spec.sandbox = std::move(st.sandbox);
  out.value = std::move(spec);
  return out;
}

Parsed<ir::Policy> build(Parsed<ir::PolicySpec> in) {
  Parsed<ir::Policy> out;
  out.errors = std::move(in.errors);
  out.warnings = std::move(in.warnings);
  if (!in.value) return out;
  auto p = ir::Policy::build(std::move(*in.value));
  if (!p) {
    out.errors.push_back(p.error());
    return out;
  }
  for (const Error& w : p->warnings()) out.warnings.push_back(w);
  out.value = std::move(*p);
  return out;
}

}  // namespace

Parsed<ir::PolicySpec> parse_policy_text(std::string_view text, std::string_view filename,
                                         const ParseOptions& options) {
  return parse_impl(std::string(text), std::string(filename), options);
}

Parsed<ir::PolicySpec> parse_policy_file(const std::string& path, const ParseOptions& options) {
  std::string why;
  auto text = options.read_file ? options.read_file(path, &why) : read_fs_as(path, &why, false);
  if (!text) {
    Parsed<ir::PolicySpec> out;
    Error e;
    e.message = "cannot read policy file " + quote(path) + (why.empty() ? "" : ": " + why);
    out.errors.push_back(std::move(e));
    return out;
  }
  return parse_impl(std::move(*text), path, options);
}

Parsed<ir::Policy> load_policy_text(std::string_view text, std::string_view filename,
                                    const ParseOptions& options) {
  return build(parse_policy_text(text, filename, options));
}

Parsed<ir::Policy> load_policy_file(const std::string& path, const ParseOptions& options) {
  return build(parse_policy_file(path, options));
}

Result<ir::Action> parse_action(std::string_view text) {
  ParseOptions opt;
  opt.read_file = [](const std::string&, std::string* why) -> std::optional<std::string> {
    if (why) *why = "not available here";
    return std::nullopt;
  };
  std::string src = "default " + std::string(text) + "\n";
  Parsed<ir::PolicySpec> p = parse_policy_text(src, "<action>", opt);
  if (!p.ok()) {
    Error e = p.errors.front();
    e.where = SourceLoc{};
    e.message = "invalid action " + quote(text) + ": " + e.message;
    return e;
  }
  return p.value->default_action;
}

std::string action_to_text(const ir::Action& a) {
  switch (a.kind) {
    case ActionKind::KillProcess: return "kill-process";
    case ActionKind::KillThread: return "kill-thread";
    case ActionKind::Trap: return a.data ? "trap " + std::to_string(a.data) : "trap";
    case ActionKind::Errno: {
      auto n = detail::errno_name(a.data);
      return "errno " + (n ? std::string(*n) : std::to_string(a.data));
    }
    case ActionKind::UserNotif: return "notify";
    case ActionKind::Trace: return a.data ? "trace " + std::to_string(a.data) : "trace";
    case ActionKind::Log: return "log";
    case ActionKind::Allow: return "allow";
  }
  return "?";
}

}  // namespace sysfence::frontend
