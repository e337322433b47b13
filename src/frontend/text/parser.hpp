// Internal to the text frontend: the parser (with recovery at the next line) of one policy
// and its @includes into a ParseState.
//
//   text::Diag d;
//   d.files.push_back({"p.policy", src, text::split_lines(src)});
//   text::ParseState st;
//   text::parse(d, st, options);        // parses d.files[0] and what it includes
//   // st.rules, st.defines, st.default_action, ...; mistakes in d.errors
//
// Recursion follows only the nesting of parentheses, `!`, `~` and `-`, which is limited to
// kMaxDepth levels; chains of `||`, `&&` and `|` are flat lists.
#pragma once

#include "frontend/text/ast.hpp"
#include "frontend/text/source.hpp"
#include "sysfence/frontend/policy_text.hpp"

namespace sysfence::frontend::text {

// How deep parentheses, `!`, `~` and `-` may nest.
inline constexpr int kMaxDepth = 100;

// Parses d.files[0] and the files it includes (read with options.read_file, appended to
// d.files); statements go to `st`, diagnostics to `d`.
void parse(Diag& d, ParseState& st, const ParseOptions& options);

}  // namespace sysfence::frontend::text
