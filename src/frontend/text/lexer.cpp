// Internal to the text frontend: see lexer.hpp.
#include "frontend/text/lexer.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "sysfence/frontend/policy_text.hpp"

namespace sysfence::frontend::text {

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

bool is_sandbox_keyword(std::string_view s) {
  // A scan, not a set built on first use: the lexer asks for every line's first word.
  static constexpr std::array<std::string_view, 13> k = {
      "fs",  "net", "scope", "limit",   "namespace",   "mount",   "hostname",
      "cap", "env", "chdir", "keep-fd", "new-session", "landlock"};
  return std::find(k.begin(), k.end(), s) != k.end();
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
  auto push = [&](Tok k, std::string s, Pos p, uint64_t n = 0) {
    out.push_back(Token{k, std::move(s), n, p});
  };
  auto continues = [&] {
    if (out.empty()) return true;
    switch (out.back().kind) {
      case Tok::Newline:
      case Tok::Comma:
      case Tok::AndAnd:
      case Tok::OrOr:
      case Tok::Pipe: return true;
      default: return false;
    }
  };
  while (i < text.size()) {
    char c = text[i];
    Pos p = pos();
    if (d.tokens + out.size() >= kMaxTokens) {
      d.error(
          p, ErrorCode::LimitExceeded,
          "the policy has more than " + std::to_string(kMaxTokens) + " tokens; reading stops here",
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
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      ++col;
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') {
        ++i;
        ++col;
      }
      continue;
    }
    if (ident_start(c) || (c == '@' && i + 1 < text.size() && ident_start(text[i + 1]))) {
      size_t b = i;
      ++i;
      // Identifiers may contain '-' between letters: kill-process, @basic-io, bad-arch.
      while (i < text.size() && (ident_char(text[i]) || (text[i] == '-' && i + 1 < text.size() &&
                                                         ident_start(text[i + 1]))))
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
          while (last > i &&
                 (text[last - 1] == ' ' || text[last - 1] == '\t' || text[last - 1] == '\r'))
            --last;
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
      if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        k = 2;
      } else if (s.size() > 1 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
        base = 2;
        k = 2;
      } else if (s.size() > 1 && s[0] == '0') {
        base = 8;
        k = 1;
      }
      bool bad = k == s.size();
      bool overflow = false;
      for (; k < s.size() && !bad; ++k) {
        char ch = s[k];
        int digit = ch >= '0' && ch <= '9'   ? ch - '0'
                    : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                    : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                             : 99;
        if (digit >= base) {
          bad = true;
          break;
        }
        if (v > (~0ULL - static_cast<uint64_t>(digit)) / static_cast<uint64_t>(base))
          overflow = true;
        v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(digit);
      }
      if (bad)
        d.error(p, "invalid number " + quote(s));
      else if (overflow)
        d.error(p, "number " + s + " does not fit in 64 bits");
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
    if (two('-', '>'))
      k = Tok::Arrow;
    else if (two('=', '='))
      k = Tok::EqEq;
    else if (two('!', '='))
      k = Tok::NotEq;
    else if (two('<', '='))
      k = Tok::Le;
    else if (two('>', '='))
      k = Tok::Ge;
    else if (two('&', '&'))
      k = Tok::AndAnd;
    else if (two('|', '|'))
      k = Tok::OrOr;
    else {
      len = 1;
      switch (c) {
        case ':': k = Tok::Colon; break;
        case ',': k = Tok::Comma; break;
        case '(':
          k = Tok::LParen;
          ++paren;
          break;
        case ')':
          k = Tok::RParen;
          if (paren > 0) --paren;
          break;
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
          std::string shown =
              (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
                  ? "byte 0x" +
                        [&] {
                          char b[8];
                          std::snprintf(b, sizeof b, "%02x", static_cast<unsigned char>(c));
                          return std::string(b);
                        }()
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

}  // namespace sysfence::frontend::text
