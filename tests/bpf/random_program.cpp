#include "bpf/random_program.hpp"

#include <algorithm>
#include <stdexcept>

#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/bpf/verify.hpp"

namespace sysfence::bpf::testing {
namespace {

uint32_t pick(std::mt19937_64& rng, uint32_t n) {  // 0..n-1
  return static_cast<uint32_t>(rng() % n);
}

bool chance(std::mt19937_64& rng, int percent) {
  return pick(rng, 100) < static_cast<uint32_t>(percent);
}

uint32_t random_constant(std::mt19937_64& rng, const GenOptions& opt) {
  switch (pick(rng, 8)) {
    case 0:
    case 1:
    case 2:
      if (!opt.interesting.empty()) return opt.interesting[pick(rng, opt.interesting.size())];
      [[fallthrough]];
    case 3: return pick(rng, 16);
    case 4: return 0xffffffffu - pick(rng, 4);
    case 5: return 0x80000000u + pick(rng, 3) - 1;
    case 6: return 1u << pick(rng, 32);
    default: return static_cast<uint32_t>(rng());
  }
}

uint16_t random_errno(std::mt19937_64& rng, const GenOptions& opt) {
  for (;;) {
    uint16_t e;
    switch (pick(rng, 10)) {
      case 0: e = 0; break;
      case 1: e = static_cast<uint16_t>(4090 + pick(rng, 20)); break;  // around MAX_ERRNO
      case 2: e = static_cast<uint16_t>(rng()); break;
      default: e = static_cast<uint16_t>(1 + pick(rng, 200)); break;
    }
    if (std::find(opt.avoid_errnos.begin(), opt.avoid_errnos.end(), e) == opt.avoid_errnos.end()) {
      return e;
    }
  }
}

uint32_t random_load_offset(std::mt19937_64& rng) {
  switch (pick(rng, 8)) {
    case 0:
    case 1:
    case 2: return kOffNr;
    case 3: return kOffArch;
    case 4: return pick(rng, 2) ? kOffIpLo : kOffIpHi;
    default: return 16 + 4 * pick(rng, 12);  // args[i] low or high word
  }
}

}  // namespace

uint32_t random_ret_value(std::mt19937_64& rng, const GenOptions& opt) {
  const uint32_t roll = pick(rng, 100);
  if (roll < 45) return ret_errno(random_errno(rng, opt));
  if (roll < 60) return kRetAllow;
  if (roll < 63) return kRetLog;
  if (roll < 75) return ret_trap(static_cast<uint16_t>(rng()));
  if (roll < 80) return ret_trace(static_cast<uint16_t>(rng()));
  if (roll < 83) return kRetUserNotif | pick(rng, 2);
  if (roll < 88) return kRetKillThread | pick(rng, 3);
  if (roll < 93) return kRetKillProcess;
  if (roll < 96) return kRetAllow | (1 + pick(rng, 5));  // allow with data bits
  static constexpr uint32_t kUnknown[] = {0x00010000u, 0x00040000u, 0x7fe00000u, 0x7ffe0000u,
                                          0x40000000u};
  return kUnknown[pick(rng, std::size(kUnknown))] | pick(rng, 4);
}

Program random_valid_program(std::mt19937_64& rng, const GenOptions& opt) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    const size_t len =
        opt.min_len + pick(rng, static_cast<uint32_t>(opt.max_len - opt.min_len + 1));
    Program p;
    p.reserve(len);
    uint16_t safe_cells = 0;  // stored before the first jump: initialized on every later path
    bool jumped = false;
    for (size_t pc = 0; pc + 1 < len; ++pc) {
      const size_t room = len - pc - 2;  // largest offset that stays inside the program
      Insn in;
      const uint32_t roll = pick(rng, 100);
      if (roll < 20) {
        in = stmt(LD | W | ABS, random_load_offset(rng));
      } else if (roll < 26) {
        in = stmt(pick(rng, 2) ? LD | IMM : LDX | IMM, random_constant(rng, opt));
      } else if (roll < 28) {
        in = stmt(pick(rng, 2) ? LD | W | LEN : LDX | W | LEN, 0);
      } else if (roll < 35) {
        const uint32_t cell = pick(rng, 3) ? pick(rng, 4) : pick(rng, kMemWords);
        in = stmt(pick(rng, 2) ? ST : STX, cell);
        if (!jumped) safe_cells = static_cast<uint16_t>(safe_cells | (1u << cell));
      } else if (roll < 41) {
        if (safe_cells == 0) {
          in = stmt(MISC | TAX, 0);
        } else {
          uint32_t cell;
          do cell = pick(rng, kMemWords);
          while (!(safe_cells & (1u << cell)));
          in = stmt(pick(rng, 2) ? LD | MEM : LDX | MEM, cell);
        }
      } else if (roll < 55) {
        static constexpr uint16_t kOps[] = {ADD, SUB, MUL, DIV, AND, OR, XOR, LSH, RSH};
        const uint16_t op = kOps[pick(rng, std::size(kOps))];
        uint32_t k = random_constant(rng, opt);
        if (op == LSH || op == RSH) k = pick(rng, 32);
        if (op == DIV && k == 0) k = 1 + pick(rng, 7);
        in = stmt(ALU | op | K, k);
      } else if (roll < 61) {
        static constexpr uint16_t kOps[] = {ADD, SUB, MUL, DIV, AND, OR, XOR, LSH, RSH};
        in = stmt(ALU | kOps[pick(rng, std::size(kOps))] | X, 0);
      } else if (roll < 66) {
        static constexpr uint16_t kCodes[] = {ALU | NEG, MISC | TAX, MISC | TXA};
        in = stmt(kCodes[pick(rng, std::size(kCodes))], 0);
      } else if (roll < 70) {
        in = stmt(JMP | JA, pick(rng, static_cast<uint32_t>(std::min<size_t>(room, 6) + 1)));
        jumped = true;
      } else if (roll < 93) {
        static constexpr uint16_t kOps[] = {JEQ, JEQ, JGT, JGE, JSET};
        const uint16_t src = pick(rng, 5) == 0 ? X : K;
        const uint32_t reach = static_cast<uint32_t>(std::min<size_t>(room, 255));
        auto offset = [&] {
          return static_cast<uint8_t>(pick(rng, 3) ? pick(rng, std::min<uint32_t>(reach, 4) + 1)
                                                   : pick(rng, reach + 1));
        };
        in = jump(JMP | kOps[pick(rng, std::size(kOps))] | src,
                  src == K ? random_constant(rng, opt) : 0, offset(), offset());
        jumped = true;
      } else {
        in = chance(rng, opt.ret_a_percent) ? stmt(RET | RVAL_A, 0)
                                            : stmt(RET | K, random_ret_value(rng, opt));
      }
      p.push_back(in);
    }
    p.push_back(chance(rng, opt.ret_a_percent) ? stmt(RET | RVAL_A, 0)
                                               : stmt(RET | K, random_ret_value(rng, opt)));
    if (opt.junk_in_unused_fields) {
      for (Insn& in : p) {
        if (!chance(rng, 10)) continue;
        const bool uses_jt_jf = class_of(in.code) == JMP && op_of(in.code) != JA;
        const bool uses_k =
            !(in.code == (LD | W | LEN) || in.code == (LDX | W | LEN) || in.code == (ALU | NEG) ||
              in.code == (MISC | TAX) || in.code == (MISC | TXA) || in.code == (RET | RVAL_A) ||
              (class_of(in.code) != RET && src_of(in.code) == X &&
               (class_of(in.code) == ALU || class_of(in.code) == JMP)));
        if (!uses_jt_jf) {
          in.jt = static_cast<uint8_t>(rng());
          in.jf = static_cast<uint8_t>(rng());
        }
        if (!uses_k) in.k = static_cast<uint32_t>(rng());
      }
    }
    if (verify(p).ok()) return p;
  }
  throw std::runtime_error("random_valid_program: could not produce a valid program");
}

}  // namespace sysfence::bpf::testing
