#include "sysfence/bpf/asm.hpp"

#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bpf/mnemonics.hpp"
#include "sysfence/bpf/seccomp.hpp"

namespace sysfence::bpf {
namespace {

bool is_ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}
bool is_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

// A jump target before labels are resolved.
struct TargetRef {
  std::optional<uint64_t> absolute;
  std::string label;
  int col = 0;
};

struct PendingJump {
  size_t insn;
  enum Field { kJt, kJf, kJa } field;
  TargetRef target;
  int line;
  std::string source_line;
};

// Cursor over one line; errors carry the column.
class LineParser {
 public:
  LineParser(std::string_view line, std::string_view file, int line_no)
      : s_(line), file_(file), line_no_(line_no) {}

  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool at_end() {
    skip_space();
    return pos_ >= s_.size();
  }
  int col() const { return static_cast<int>(pos_) + 1; }
  size_t pos() const { return pos_; }
  void set_pos(size_t p) { pos_ = p; }
  char peek() {
    skip_space();
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }
  bool accept(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  std::string identifier() {
    skip_space();
    size_t start = pos_;
    if (pos_ < s_.size() && is_ident_start(s_[pos_])) {
      while (pos_ < s_.size() && is_ident_char(s_[pos_])) ++pos_;
    }
    return std::string(s_.substr(start, pos_ - start));
  }
  // Decimal, 0x-hex or negative decimal; max is the largest value accepted.
  Result<uint64_t> number(uint64_t max, bool allow_negative) {
    skip_space();
    const int start_col = col();
    bool negative = false;
    if (allow_negative && pos_ < s_.size() && s_[pos_] == '-') {
      negative = true;
      ++pos_;
    }
    uint64_t value = 0;
    int base = 10;
    if (pos_ + 1 < s_.size() && s_[pos_] == '0' && (s_[pos_ + 1] == 'x' || s_[pos_ + 1] == 'X')) {
      base = 16;
      pos_ += 2;
    }
    size_t digits = 0;
    bool overflow = false;
    while (pos_ < s_.size()) {
      const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s_[pos_])));
      int d;
      if (c >= '0' && c <= '9')
        d = c - '0';
      else if (base == 16 && c >= 'a' && c <= 'f')
        d = c - 'a' + 10;
      else
        break;
      if (value > (UINT64_MAX - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base))
        overflow = true;
      else
        value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
      ++pos_;
      ++digits;
    }
    if (digits == 0) return error_at(start_col, "expected a number");
    if (pos_ < s_.size() && is_ident_char(s_[pos_])) {
      return error_at(start_col, "malformed number");
    }
    if (negative) {
      if (overflow || value > 0x80000000ull) {
        return error_at(start_col, "number out of range (below -2147483648)");
      }
      return static_cast<uint64_t>(static_cast<uint32_t>(-static_cast<int64_t>(value)));
    }
    if (overflow || value > max) {
      return error_at(start_col, "number out of range (at most " + std::to_string(max) + ")");
    }
    return value;
  }
  Error error_at(int col, std::string message, std::string hint = {}) const {
    return Error::make(ErrorCode::Syntax, std::move(message), std::move(hint),
                       SourceLoc{std::string(file_), line_no_, col, {}, std::string(s_)});
  }
  Error error_here(std::string message, std::string hint = {}) {
    skip_space();
    return error_at(col(), std::move(message), std::move(hint));
  }
  Result<void> expect(char c, std::string_view what) {
    if (accept(c)) return Ok{};
    return error_here("expected '" + std::string(1, c) + "' " + std::string(what));
  }

 private:
  std::string_view s_;
  std::string_view file_;
  int line_no_;
  size_t pos_ = 0;
};

class Assembler {
 public:
  explicit Assembler(std::string_view file) : file_(file) {}

  Result<void> line(std::string_view raw, int line_no) {
    // Strip the comment.
    std::string_view text = raw;
    if (size_t semi = text.find(';'); semi != std::string_view::npos) text = text.substr(0, semi);
    LineParser p(text, file_, line_no);
    source_line_ = std::string(raw);
    line_no_ = line_no;
    // Index prefix and labels.
    for (;;) {
      if (p.at_end()) return Ok{};
      const size_t save = p.pos();
      const int col = p.col();
      if (std::isdigit(static_cast<unsigned char>(p.peek()))) {
        auto n = p.number(UINT32_MAX, false);
        if (!n) return n.error();
        if (!p.accept(':')) return p.error_at(col, "expected ':' after the instruction index");
        if (*n != prog_.size()) {
          return p.error_at(col, "index " + std::to_string(*n) +
                                     " does not match this "
                                     "instruction's position " +
                                     std::to_string(prog_.size()));
        }
        continue;
      }
      std::string word = p.identifier();
      if (!word.empty() && p.accept(':')) {
        if (labels_.count(word) != 0) {
          Error e = p.error_at(col, "label '" + word + "' is defined twice");
          e.notes.push_back(Note{"first defined here", label_locs_[word]});
          return e;
        }
        labels_[word] = prog_.size();
        SourceLoc loc;
        loc.file = std::string(file_);
        loc.line = line_no;
        loc.col = col;
        loc.source_line = source_line_;
        label_locs_[word] = loc;
        continue;
      }
      p.set_pos(save);
      break;
    }
    return instruction(p);
  }

  Result<Program> finish() {
    for (const PendingJump& j : pending_) {
      uint64_t target;
      Error where;
      where.where.file = std::string(file_);
      where.where.line = j.line;
      where.where.col = j.target.col;
      where.where.source_line = j.source_line;
      if (j.target.absolute) {
        target = *j.target.absolute;
      } else {
        auto it = labels_.find(j.target.label);
        if (it == labels_.end()) {
          where.message = "unknown label '" + j.target.label + "'";
          return where;
        }
        target = it->second;
        if (target >= prog_.size()) {
          where.message = "label '" + j.target.label + "' is after the last instruction";
          return where;
        }
      }
      if (target <= j.insn) {
        where.message = "jump target " + std::to_string(target) + " is not after instruction " +
                        std::to_string(j.insn) + "; classic BPF only jumps forward";
        return where;
      }
      const uint64_t offset = target - j.insn - 1;
      Insn& in = prog_[j.insn];
      if (j.field == PendingJump::kJa) {
        if (offset > UINT32_MAX) {
          where.message = "ja target too far (offset " + std::to_string(offset) + ")";
          return where;
        }
        in.k = static_cast<uint32_t>(offset);
      } else {
        if (offset > 255) {
          where.message = "conditional jump target " + std::to_string(target) + " is " +
                          std::to_string(offset) + " instructions ahead; at most 255";
          where.hint = "jump to a ja that reaches further";
          return where;
        }
        (j.field == PendingJump::kJt ? in.jt : in.jf) = static_cast<uint8_t>(offset);
      }
    }
    return prog_;
  }

 private:
  Result<TargetRef> target(LineParser& p) {
    p.skip_space();
    TargetRef t;
    t.col = p.col();
    if (std::isdigit(static_cast<unsigned char>(p.peek()))) {
      auto n = p.number(UINT64_MAX, false);
      if (!n) return n.error();
      t.absolute = *n;
      return t;
    }
    t.label = p.identifier();
    if (t.label.empty()) return p.error_here("expected a jump target (an index or a label)");
    return t;
  }

  void add_jump(PendingJump::Field field, TargetRef t) {
    pending_.push_back(PendingJump{prog_.size(), field, std::move(t), line_no_, source_line_});
  }

  // `#k` or `x`; returns true for x.
  Result<bool> k_or_x(LineParser& p, uint32_t& k) {
    if (p.accept('#')) {
      auto n = p.number(UINT32_MAX, true);
      if (!n) return n.error();
      k = static_cast<uint32_t>(*n);
      return false;
    }
    const size_t save = p.pos();
    std::string w = p.identifier();
    if (w == "x" || w == "X") return true;
    p.set_pos(save);
    return p.error_here("expected '#constant' or 'x'");
  }

  Result<uint32_t> cell(LineParser& p) {
    const size_t save = p.pos();
    std::string w = p.identifier();
    if (w != "M") {
      p.set_pos(save);
      return p.error_here("expected a scratch cell M[0..15]");
    }
    if (auto r = p.expect('[', "after M"); !r) return r.error();
    auto n = p.number(UINT32_MAX, false);
    if (!n) return n.error();
    if (auto r = p.expect(']', "after the cell index"); !r) return r.error();
    return static_cast<uint32_t>(*n);
  }

  // ld / ldx operands.
  Result<void> load(LineParser& p, bool to_x) {
    const uint16_t cls = to_x ? LDX : LD;
    if (p.accept('#')) {
      auto n = p.number(UINT32_MAX, true);
      if (!n) return n.error();
      prog_.push_back(stmt(cls | IMM, static_cast<uint32_t>(*n)));
      return Ok{};
    }
    if (!to_x && p.accept('[')) {
      auto n = p.number(UINT32_MAX, false);
      if (!n) return n.error();
      if (auto r = p.expect(']', "after the offset"); !r) return r;
      prog_.push_back(stmt(LD | W | ABS, static_cast<uint32_t>(*n)));
      return Ok{};
    }
    const size_t save = p.pos();
    std::string w = p.identifier();
    if (w == "len") {
      prog_.push_back(stmt(cls | W | LEN, 0));
      return Ok{};
    }
    p.set_pos(save);
    if (w == "M") {
      auto c = cell(p);
      if (!c) return c.error();
      prog_.push_back(stmt(cls | MEM, *c));
      return Ok{};
    }
    return p.error_here(to_x ? "expected '#constant', 'len' or 'M[i]'"
                             : "expected '[offset]', '#constant', 'len' or 'M[i]'");
  }

  Result<void> ret(LineParser& p) {
    if (p.accept('#')) {
      auto n = p.number(UINT32_MAX, true);
      if (!n) return n.error();
      prog_.push_back(stmt(RET | K, static_cast<uint32_t>(*n)));
      return Ok{};
    }
    const int col = p.col();
    std::string w = p.identifier();
    if (w == "a" || w == "A") {
      prog_.push_back(stmt(RET | RVAL_A, 0));
      return Ok{};
    }
    for (const ActionInfo& a : kActionTable) {
      if (w != a.name) continue;
      uint32_t value = a.ret;
      if (a.shows_data) {
        if (auto r = p.expect('(', "after " + w); !r) return r;
        auto n = p.number(0xffff, false);
        if (!n) return n.error();
        if (auto r = p.expect(')', "after the value"); !r) return r;
        value |= static_cast<uint32_t>(*n);
      }
      prog_.push_back(stmt(RET | K, value));
      return Ok{};
    }
    return p.error_at(col, w.empty() ? "expected a return value" : "unknown action '" + w + "'",
                      "use a, #value, allow, log, kill_process, kill_thread, user_notif, "
                      "errno(N), trap(N) or trace(N)");
  }

  Result<void> raw(LineParser& p) {
    uint64_t fields[4];
    const uint64_t max[4] = {0xffff, 0xff, 0xff, UINT32_MAX};
    for (int i = 0; i < 4; ++i) {
      if (i > 0) {
        if (auto r = p.expect(',', "between .insn fields"); !r) return r;
      }
      auto n = p.number(max[i], i == 3);
      if (!n) return n.error();
      fields[i] = *n;
    }
    prog_.push_back(Insn{static_cast<uint16_t>(fields[0]), static_cast<uint8_t>(fields[1]),
                         static_cast<uint8_t>(fields[2]), static_cast<uint32_t>(fields[3])});
    return Ok{};
  }

  Result<void> instruction(LineParser& p) {
    const int col = p.col();
    std::string m = p.identifier();
    Result<void> r = Ok{};
    if (m == "ld" || m == "ldx") {
      r = load(p, m == "ldx");
    } else if (m == "st" || m == "stx") {
      auto c = cell(p);
      if (!c) return c.error();
      prog_.push_back(stmt(m == "st" ? ST : STX, *c));
    } else if (m == "neg") {
      prog_.push_back(stmt(ALU | NEG, 0));
    } else if (m == "tax") {
      prog_.push_back(stmt(MISC | TAX, 0));
    } else if (m == "txa") {
      prog_.push_back(stmt(MISC | TXA, 0));
    } else if (m == "ret") {
      r = ret(p);
    } else if (m == "ja" || m == "jmp") {
      auto t = target(p);
      if (!t) return t.error();
      add_jump(PendingJump::kJa, *t);
      prog_.push_back(stmt(JMP | JA, 0));
    } else if (m == ".insn") {
      r = raw(p);
    } else {
      const detail::OpName* op = nullptr;
      bool is_jump = false;
      for (const detail::OpName& o : detail::kAluOps) {
        if (m == o.name) op = &o;
      }
      for (const detail::OpName& o : detail::kJumpOps) {
        if (m == o.name) {
          op = &o;
          is_jump = true;
        }
      }
      if (op == nullptr) {
        return p.error_at(col,
                          m.empty() ? "expected an instruction" : "unknown mnemonic '" + m + "'");
      }
      uint32_t k = 0;
      auto src = k_or_x(p, k);
      if (!src) return src.error();
      const uint16_t src_bits = *src ? X : K;
      if (!is_jump) {
        prog_.push_back(stmt(ALU | op->op | src_bits, k));
      } else {
        if (auto e = p.expect(',', "before the true target"); !e) return e;
        auto t = target(p);
        if (!t) return t.error();
        add_jump(PendingJump::kJt, *t);
        if (p.accept(',')) {
          auto f = target(p);
          if (!f) return f.error();
          add_jump(PendingJump::kJf, *f);
        }
        prog_.push_back(jump(JMP | op->op | src_bits, k, 0, 0));
      }
    }
    if (!r) return r;
    if (!p.at_end()) return p.error_here("unexpected text after the instruction");
    return Ok{};
  }

  std::string_view file_;
  Program prog_;
  std::map<std::string, size_t> labels_;
  std::map<std::string, SourceLoc> label_locs_;
  std::vector<PendingJump> pending_;
  std::string source_line_;
  int line_no_ = 0;
};

}  // namespace

Result<Program> assemble(std::string_view text, std::string_view file_name) {
  Assembler a(file_name);
  int line_no = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_no;
    if (auto r = a.line(line, line_no); !r) return r.error();
    start = end + 1;
  }
  return a.finish();
}

}  // namespace sysfence::bpf
