// Internal to the text frontend: see parser.hpp.
#include "frontend/text/parser.hpp"

#include <algorithm>
#include <array>
#include <filesystem>

#include "frontend/names.hpp"
#include "frontend/text/lexer.hpp"
#include "sysfence/arch/constants.hpp"
#include "sysfence/bpf/actions.hpp"
#include "sysfence/input_file.hpp"

namespace sysfence::frontend::text {
namespace {

class Parser {
 public:
  Parser(Diag& d, ParseState& st, const ParseOptions& opt) : d_(d), st_(st), opt_(opt) {}

  // Parses one file; `chain` holds the include sites that led here (for cycle reports).
  void parse_file(int file, const std::vector<std::pair<std::string, Pos>>& chain) {
    std::vector<Token> toks = lex(file, d_.files[static_cast<size_t>(file)].text, d_);
    Cursor c{&toks, 0};
    std::optional<Pos> section_open;
    std::vector<Arch> section;
    section_pos_ = {};
    while (c.peek().kind != Tok::End) {
      const Token& t = c.peek();
      if (t.kind == Tok::Newline) {
        c.next();
        continue;
      }
      if (t.kind == Tok::RBrace) {
        if (!section_open) { d_.error(t.pos, "'}' without an open arch section"); }
        section_open.reset();
        section.clear();
        c.next();
        continue;
      }
      size_t errors_before = d_.error_count();
      // A line with a lexical error was already reported: do not act on half of it.
      bool ok = !d_.bad_lines.count({file, t.pos.line}) &&
                statement(c, file, chain, section_open, section);
      if (!ok || d_.error_count() != errors_before) {
        // Recover: skip the rest of the line (stop before a section's closing brace).
        while (c.peek().kind != Tok::Newline && c.peek().kind != Tok::End &&
               !(c.peek().kind == Tok::RBrace && section_open))
          c.next();
      }
    }
    if (section_open)
      d_.error(*section_open, "arch section is not closed", "add '}' after its last rule");
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
  bool too_deep(const Token& t) {
    if (depth_ <= kMaxDepth) return false;
    d_.error(t.pos, ErrorCode::LimitExceeded,
             "expression nested more than " + std::to_string(kMaxDepth) + " deep");
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
      static constexpr std::array<std::string_view, 4> kSettings = {
          "default", "bad-arch", "unknown-syscall", "missing-syscall"};
      if (std::find(kSettings.begin(), kSettings.end(), t.text) != kSettings.end()) {
        if (in_section) {
          d_.error(t.pos, "'" + t.text + "' is not allowed inside an arch section",
                   "move it before the section");
          return false;
        }
        Token kw = c.next();
        if (kw.text == "missing-syscall") {
          const Token& v = c.peek();
          ir::MissingSyscall m;
          if (v.kind == Tok::Ident && v.text == "error")
            m = ir::MissingSyscall::Error;
          else if (v.kind == Tok::Ident && v.text == "warn")
            m = ir::MissingSyscall::Warn;
          else if (v.kind == Tok::Ident && v.text == "ignore")
            m = ir::MissingSyscall::Ignore;
          else
            return unexpected(v, "error, warn or ignore");
          c.next();
          if (!expect_end(c, false, "'missing-syscall " + v.text + "'")) return false;
          return set_once(st_.missing, m, kw.pos, "'missing-syscall'");
        }
        auto a = action(c);
        if (!a) return false;
        if (!expect_end(c, false, "the action")) return false;
        if (kw.text == "default")
          return set_once(st_.default_action, *a, kw.pos, "the default action");
        if (kw.text == "bad-arch") return set_once(st_.bad_arch, *a, kw.pos, "the bad-arch action");
        return set_once(st_.unknown_syscall, *a, kw.pos, "the unknown-syscall action");
      }
      if (c.peek(1).kind == Tok::String && is_sandbox_keyword(t.text))
        return sandbox_statement(c, in_section);
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
    if (t.kind == Tok::Ident || t.kind == Tok::AtIdent)
      return rule_statement(c, in_section, section);
    return unexpected(
        t, "a rule or a statement",
        "statements: default, bad-arch, unknown-syscall, missing-syscall, arch, define, "
        "@include, or `syscall: condition -> action`");
  }

  // `fs read /usr`, `net connect tcp 443`, ...: kept with their locations; the sandbox module
  // checks and applies them (src/sandbox/statements.cpp).
  bool sandbox_statement(Cursor& c, bool in_section) {
    const Token kw = c.next();
    const Token args = c.next();
    if (in_section) {
      d_.error(kw.pos, "'" + kw.text + "' is not allowed inside an arch section",
               "move it before the section");
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
        d_.error(a.pos, ErrorCode::UnknownName, "unknown arch " + quote(a.text), arch_names_hint());
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
    if (is_reserved_word(n.text) || arg_index(n.text)) {
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
      d_.warn(name.pos,
              "define " + quote(name.text) + " shadows the built-in constant of that name");
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
      fs::path resolved = fs::weakly_canonical(f, ec);
      return ec ? f : resolved.string();
    };
    if (!st_.top_file.empty()) {
      st_.included.insert(canonical(st_.top_file));
      st_.top_file.clear();
    }
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
      if (text) {
        found = cand;
        break;
      }
      if (why.empty()) why = w;
    }
    if (!text) {
      d_.error(
          path_tok.pos, ErrorCode::Io,
          "cannot read included file " + quote(path_tok.text) + (why.empty() ? "" : ": " + why),
          candidates.size() > 1
              ? "searched next to the including file and in the include directories"
              : std::string());
      return false;
    }
    std::string key = canonical(found);
    if (chain.size() > kMaxIncludeDepth) {
      d_.error(path_tok.pos, ErrorCode::LimitExceeded,
               "includes nested more than " + std::to_string(kMaxIncludeDepth) + " deep");
      return false;
    }
    if (!st_.included.insert(key).second) return true;  // already included once: nothing to add
    st_.input_bytes += text->size();
    if (st_.input_bytes > kMaxInputBytes) {
      d_.error(path_tok.pos, ErrorCode::LimitExceeded,
               "included file " + quote(path_tok.text) + " takes the policy past " +
                   describe_size(kMaxInputBytes) + " of input",
               "a policy and all its includes together may have at most " +
                   describe_size(kMaxInputBytes));
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
      if (n.kind != Tok::Ident && n.kind != Tok::AtIdent)
        return unexpected(n, "a syscall name or @group");
      r.names.push_back(NameRef{n.text, n.pos});
      c.next();
      if (!c.accept(Tok::Comma)) break;
    }
    if (!c.accept(Tok::Colon)) {
      const Token& t = c.peek();
      return unexpected(t, "':' after the syscall name",
                        "write `name: action` or `name: condition -> action`");
    }
    const Token& b = c.peek();
    if (at_end_of_statement(c, in_section))
      return unexpected(b, "a condition or an action after ':'",
                        "e.g. `read: allow` or `write: fd == 1`");
    if (b.kind == Tok::Ident && is_action_word(b.text)) {
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
    if (t.kind != Tok::Ident || !is_action_word(t.text)) {
      unexpected(
          t, "an action",
          "actions: allow, log, errno N, trap [N], trace [N], notify, kill-thread, kill-process");
      return std::nullopt;
    }
    Token w = c.next();
    auto data = [&](const char* what, uint64_t max, bool named_errno) -> std::optional<uint16_t> {
      const Token& v = c.peek();
      if (v.kind == Tok::Number) {
        c.next();
        if (v.num > max) {
          d_.error(v.pos, std::string(what) + " " + v.text + " is out of range",
                   "the largest is " + std::to_string(max));
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
          d_.error(v.pos, ErrorCode::UnknownName, "unknown errno name " + quote(v.text),
                   !near.empty() ? "did you mean " + quote(near) + "?"
                                 : "write a name like EPERM or a number");
          return std::nullopt;
        }
        return static_cast<uint16_t>(*e);
      }
      unexpected(v, named_errno ? "an errno name or number after 'errno'"
                                : std::string("a number after '") + w.text + "'");
      return std::nullopt;
    };
    const bpf::ActionKind kind =
        *bpf::action_from_language(w.text);  // an action word (checked above)
    if (!bpf::action_info(kind).shows_data) return Action{kind, 0};
    if (kind == bpf::ActionKind::Errno) {
      auto v = data("errno", 4095, true);
      if (!v) return std::nullopt;
      return Action::errno_(*v);
    }
    bool has_data = c.peek().kind == Tok::Number;
    uint16_t v = 0;
    if (has_data) {
      auto dv = data(kind == bpf::ActionKind::Trap ? "trap data" : "trace message", 0xffff, false);
      if (!dv) return std::nullopt;
      v = *dv;
    }
    return Action{kind, v};  // trap or trace, with optional data
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
        if (arg_index(t.text) || is_reserved_word(t.text)) {
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
      default: unexpected(t, "a value (a number or a constant name)"); return nullptr;
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
    if (t.kind != Tok::Ident || (is_reserved_word(t.text) && t.text != "u32")) {
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
    if (auto k = arg_index(t.text))
      o.arg = *k;
    else if (t.text.size() >= 3 && t.text.substr(0, 3) == "arg" && t.text.size() <= 5 &&
             std::all_of(t.text.begin() + 3, t.text.end(),
                         [](char ch) { return ch >= '0' && ch <= '9'; })) {
      d_.error(t.pos, "argument index " + t.text.substr(3) + " is out of range",
               "syscalls have arguments arg0..arg5");
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
        if (t.text == "in" ||
            (t.text == "not" && c.peek(1).kind == Tok::Ident && c.peek(1).text == "in")) {
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
        if (n->lhs.arg < 0 && !n->lhs.w32 &&
            (t.kind == Tok::Newline || t.kind == Tok::End || t.kind == Tok::RBrace)) {
          unexpected(t, "a comparison (==, !=, <, <=, >, >=, in) after the argument",
                     quote(n->lhs.name) +
                         " is not an action; actions: allow, log, errno N, trap [N], "
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

}  // namespace

void parse(Diag& d, ParseState& st, const ParseOptions& options) {
  Parser p(d, st, options);
  p.parse_file(0, {});
}

}  // namespace sysfence::frontend::text
