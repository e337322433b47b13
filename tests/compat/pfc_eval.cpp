// tests/compat/pfc_eval.cpp — see pfc_eval.hpp.
#include "pfc_eval.hpp"

#include <cstdlib>
#include <regex>
#include <sstream>

namespace compat_test {

namespace {

struct Line {
  int indent;
  std::string text;
};

std::optional<uint32_t> parse_action(const std::string& a) {
  std::smatch m;
  if (a == "KILL_PROCESS") return 0x80000000U;
  if (a == "KILL") return 0x00000000U;
  if (a == "TRAP") return 0x00030000U;
  if (a == "LOG") return 0x7ffc0000U;
  if (a == "ALLOW") return 0x7fff0000U;
  if (a == "NOTIFY") return 0x7fc00000U;
  static const std::regex fn(R"((ERRNO|TRACE)\((\d+)\))");
  if (std::regex_match(a, m, fn)) {
    const uint32_t v = static_cast<uint32_t>(std::stoul(m[2]));
    return (m[1] == "ERRNO" ? 0x00050000U : 0x7ff00000U) | (v & 0xffff);
  }
  if (a.rfind("0x", 0) == 0) return static_cast<uint32_t>(std::stoul(a, nullptr, 16));
  return std::nullopt;
}

bool parse_block(const std::vector<Line>& lines, size_t& i, int indent, Pfc::Block& out) {
  static const std::regex cond(
      R"(if \(\$(arch|syscall|a(\d))(\.hi32|\.lo32)?( & (0x[0-9a-fA-F]+))? (==|>|>=) (\d+)\))");
  static const std::regex action(R"(action ([^;]+);)");
  while (i < lines.size() && lines[i].indent >= indent) {
    if (lines[i].indent > indent) return false;
    const std::string& t = lines[i].text;
    std::smatch m;
    if (std::regex_match(t, m, action)) {
      auto a = parse_action(m[1]);
      if (!a) return false;
      auto s = std::make_shared<Pfc::Stmt>();
      s->is_action = true;
      s->action = *a;
      out.push_back(s);
      ++i;
    } else if (std::regex_match(t, m, cond)) {
      auto s = std::make_shared<Pfc::Stmt>();
      if (m[1] == "arch")
        s->field = 0;
      else if (m[1] == "syscall")
        s->field = 1;
      else {
        s->arg = std::stoi(m[2]);
        s->field = m[3] == ".hi32" ? 3 : m[3] == ".lo32" ? 4 : 2;
      }
      if (m[5].matched) s->mask = std::stoull(m[5], nullptr, 16);
      s->op = m[6] == "==" ? 0 : m[6] == ">" ? 1 : 2;
      s->value = std::stoull(m[7]);
      ++i;
      if (!parse_block(lines, i, indent + 2, s->then_block)) return false;
      if (i < lines.size() && lines[i].indent == indent && lines[i].text.rfind("else", 0) == 0) {
        ++i;
        if (!parse_block(lines, i, indent + 2, s->else_block)) return false;
      }
      out.push_back(s);
    } else if (t.rfind("else", 0) == 0) {
      return true;  // belongs to the caller's if
    } else {
      return false;
    }
  }
  return true;
}

// 0: fell through, 1: decided
int run(const Pfc::Block& b, const sysfence::bpf::SeccompData& d, uint32_t& ret) {
  for (const auto& s : b) {
    if (s->is_action) {
      ret = s->action;
      return 1;
    }
    uint64_t v = 0;
    switch (s->field) {
      case 0: v = d.arch; break;
      case 1: v = static_cast<uint32_t>(d.nr); break;
      case 2: v = d.args[s->arg]; break;
      case 3: v = d.args[s->arg] >> 32; break;
      case 4: v = d.args[s->arg] & 0xffffffffULL; break;
    }
    v &= s->mask;
    const bool t = s->op == 0 ? v == s->value : s->op == 1 ? v > s->value : v >= s->value;
    if (run(t ? s->then_block : s->else_block, d, ret)) return 1;
  }
  return 0;
}

}  // namespace

std::optional<Pfc> Pfc::parse(const std::string& text) {
  std::vector<Line> lines;
  std::istringstream ss(text);
  std::string l;
  while (std::getline(ss, l)) {
    size_t n = l.find_first_not_of(' ');
    if (n == std::string::npos) continue;
    std::string t = l.substr(n);
    if (t[0] == '#') continue;
    // "else # (...)": keep the keyword only
    if (t.rfind("else", 0) == 0) t = "else";
    lines.push_back({static_cast<int>(n), t});
  }
  Pfc p;
  size_t i = 0;
  if (!parse_block(lines, i, 0, p.top_) || i != lines.size()) return std::nullopt;
  return p;
}

std::optional<uint32_t> Pfc::eval(const sysfence::bpf::SeccompData& d) const {
  uint32_t ret = 0;
  if (!run(top_, d, ret)) return std::nullopt;
  return ret;
}

}  // namespace compat_test
