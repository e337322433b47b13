// Internal to the text frontend: the syntax tree the parser builds and the lowering reads.
//
//   // `write: fd == 1 || fd == STDERR -> allow` is one RuleStmt:
//   //   names {write}, action allow,
//   //   cond = BExpr{Or, kids {Cmp(fd == Num 1), Cmp(fd == DefineRef STDERR)}}
//
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/text/source.hpp"
#include "sysfence/arch/arch.hpp"
#include "sysfence/ir/policy.hpp"

namespace sysfence::frontend::text {

using arch::Arch;
using ir::Action;
using ir::CmpOp;

// No recursion in the AST follows the input's length: `|`, `||` and `&&` chains are flat lists
// (`items`, `kids`), and what does nest (parentheses, `!`, `~`, `-`) is limited by the parser to
// Parser::kMaxDepth levels, so building, lowering and destroying the tree use bounded stack.
struct Define;

struct VExpr {
  enum Kind { Num, Name, DefineRef, Not, Neg, Or } kind = Num;
  uint64_t num = 0;
  std::string name;
  const Define* def = nullptr;
  std::shared_ptr<VExpr> a;                   // Not, Neg
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
  int arg = -1;      // argN, or -1 for a named argument
  std::string name;  // named argument ("fd")
  bool w32 = false;  // u32(...)
  VPtr mask;         // (operand & mask)
  Pos pos;
};

struct BExpr {
  enum Kind { And, Or, Not, Cmp, In, Test } kind = Cmp;
  std::shared_ptr<BExpr> a;                  // Not
  std::vector<std::shared_ptr<BExpr>> kids;  // And, Or: two or more
  std::vector<Pos> op_pos;                   // And, Or: op_pos[i] is the operator before kids[i]
  Operand lhs;
  CmpOp op = CmpOp::Eq;      // Cmp: Eq Ne Lt Le Gt Ge
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
  // The file parsing started from: its canonical path joins `included` at the first @include
  // (resolving it costs a readlink per path component: spared when nothing is included).
  std::string top_file;
  size_t input_bytes = 0;  // the policy and its includes, against kMaxInputBytes
  std::vector<ir::SandboxStatement> sandbox;
};

// ---------------------------------------------------------------------------------------------
// Words and names shared by the parser and the lowering

// The first words of an action (allow, errno, kill-process, ...). A scan of the action table:
// no set is built (these are asked a few times per rule, in every process's start-up).
bool is_action_word(std::string_view s);
// Words a define may not take: the action words and the statements' keywords.
bool is_reserved_word(std::string_view s);
// N for "argN" with N in 0..5.
std::optional<int> arg_index(std::string_view s);
// "x86_64, i386".
std::string arch_list_text(const std::vector<Arch>& v);
// "known arches: x86_64, ...".
std::string arch_names_hint();

}  // namespace sysfence::frontend::text
