// src/cli/cmd_completion.cpp — `sysfence completion bash|zsh|json`: shell completion scripts and a
// JSON description of the command line, generated from the CLI's own tables at run time.
//
//   source <(sysfence completion bash)          # or the installed file, see docs/cli.md
//   sysfence completion zsh > ~/.zfunc/_sysfence
//   sysfence completion json                    # what the man page generator reads
//
// Nothing here lists the subcommands or options: they are read from the CLI11 app after every
// add_*() ran, so a new subcommand or option is completed (and reaches the man page's option
// lists) without touching this file. The kind of value an option takes (a file, an arch, a
// syscall, a group, one of a fixed set) is inferred from its CLI11 metadata: the choices of an
// IsMember check, and its name (see value_kind()). Known weakness: a new option whose name says
// nothing (say `--target`) completes as a free word until value_kind() learns it.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "common.hpp"
#include "sysfence/arch/arch.hpp"
#include "sysfence/frontend/groups.hpp"

namespace sysfence::cli {
namespace {

// What a value is, for completion.
enum class Kind { Flag, Word, File, Dir, Arch, Syscall, Group, Choice, Pid, Command };

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Flag: return "flag";
    case Kind::Word: return "word";
    case Kind::File: return "file";
    case Kind::Dir: return "dir";
    case Kind::Arch: return "arch";
    case Kind::Syscall: return "syscall";
    case Kind::Group: return "group";
    case Kind::Choice: return "choice";
    case Kind::Pid: return "pid";
    case Kind::Command: return "command";
  }
  return "word";
}

struct OptInfo {
  std::vector<std::string> names;  // "-p", "--policy"; a positional: its name
  std::string description;
  Kind kind = Kind::Word;
  std::vector<std::string> choices;
  bool repeatable = false;
};

struct CmdInfo {
  std::string name, description;
  std::vector<OptInfo> options;      // named options and flags
  std::vector<OptInfo> positionals;  // in order
};

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// "TEXT:{raw,c,text}" -> raw, c, text (CLI11 puts an IsMember check's set in the type name).
std::vector<std::string> choices_of(const CLI::Option* o) {
  const std::string t = o->get_type_name();
  const auto open = t.find('{'), close = t.find('}', open == std::string::npos ? 0 : open);
  std::vector<std::string> out;
  if (open == std::string::npos || close == std::string::npos) return out;
  std::string cur;
  for (size_t i = open + 1; i <= close; ++i) {
    if (t[i] == ',' || t[i] == '}') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (t[i] != ' ') {
      cur += t[i];
    }
  }
  return out;
}

Kind value_kind(const std::string& cmd, const CLI::Option* o, bool positional,
                std::vector<std::string>& choices) {
  if (!positional && o->get_items_expected_max() == 0) return Kind::Flag;
  choices = choices_of(o);
  if (!choices.empty()) return Kind::Choice;
  const std::string n = positional                ? o->get_name()
                        : o->get_lnames().empty() ? o->get_name()
                                                  : o->get_lnames()[0];
  if (contains(n, "arch")) return Kind::Arch;
  if (contains(n, "dir")) return Kind::Dir;
  if (n == "pid" || contains(n, "pid")) return Kind::Pid;
  if (n == "command") return Kind::Command;
  if (contains(n, "syscall") || (cmd == "emu" && n == "words")) return Kind::Syscall;
  if (cmd == "groups" && n == "name") return Kind::Group;
  if (contains(n, "file") || contains(n, "output") || contains(n, "policy") || n == "oci" ||
      n == "raw" || n == "batch" || contains(n, "profile") || contains(n, "path") || positional)
    return Kind::File;
  return Kind::Word;
}

std::vector<CmdInfo> describe(const CLI::App& root) {
  std::vector<CmdInfo> out;
  for (const CLI::App* sub : root.get_subcommands([](const CLI::App* s) {
         return !s->get_group().empty();  // hidden ones (like this one) stay out
       })) {
    CmdInfo c{sub->get_name(), sub->get_description(), {}, {}};
    for (const CLI::Option* o : sub->get_options()) {
      if (o->get_group().empty()) continue;  // hidden
      OptInfo oi;
      const bool positional = !o->nonpositional();
      oi.description = o->get_description();
      oi.repeatable = o->get_items_expected_max() > 1 ||
                      o->get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll;
      oi.kind = value_kind(c.name, o, positional, oi.choices);
      if (positional) {
        oi.names = {o->get_name()};
        c.positionals.push_back(std::move(oi));
      } else {
        for (const auto& s : o->get_snames()) oi.names.push_back("-" + s);
        for (const auto& l : o->get_lnames()) oi.names.push_back("--" + l);
        c.options.push_back(std::move(oi));
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<std::string> arch_words() {
  std::vector<std::string> v;
  for (const auto& a : arch::all_arches()) v.emplace_back(a.name);
  v.emplace_back("native");
  return v;
}
std::vector<std::string> syscall_words() {
  std::vector<std::string> v;
  for (auto n : arch::all_syscall_names()) v.emplace_back(n);
  return v;
}
std::vector<std::string> group_words() {
  std::vector<std::string> v;
  for (const auto& g : frontend::syscall_groups()) v.emplace_back(g.name);
  return v;
}

std::string join(const std::vector<std::string>& v, const char* sep = " ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// Single-quoted for sh.
std::string sq(const std::string& s) {
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

// The words a value of this kind completes to, as a shell expression; files and commands are
// left to the shell ("@file", "@dir", "@command", "@pid", "" for a free word).
std::string words_expr(const OptInfo& o) {
  switch (o.kind) {
    case Kind::Arch: return "$_sysfence_arches";
    case Kind::Syscall: return "$_sysfence_syscalls";
    case Kind::Group: return "$_sysfence_groups";
    case Kind::Choice: return join(o.choices);
    case Kind::File: return "@file";
    case Kind::Dir: return "@dir";
    case Kind::Command: return "@command";
    case Kind::Pid: return "@pid";
    case Kind::Flag:
    case Kind::Word: return "";
  }
  return "";
}

// The shared data and the state machine are in plain POSIX-ish shell that bash and zsh both
// run; each shell then adds its own glue (COMPREPLY/compgen for bash, compadd/_files for zsh).
// _sysfence_candidates SUB PREV CUR POS sets _sysfence_want to a words list or an @kind.
std::string common_shell(const std::vector<CmdInfo>& cmds) {
  std::string s;
  std::vector<std::string> names;
  names.reserve(cmds.size());
  for (const auto& c : cmds) names.push_back(c.name);
  s += "_sysfence_commands=" + sq(join(names)) + "\n";
  // Commands that run a program (`run`, `learn`): after "--" or their first positional word,
  // the rest is the program's command line.
  std::vector<std::string> runners;
  for (const auto& c : cmds)
    for (const auto& p : c.positionals)
      if (p.kind == Kind::Command) runners.push_back(c.name);
  s += "_sysfence_runners=" + sq(join(runners)) + "\n";
  s += "_sysfence_arches=" + sq(join(arch_words())) + "\n";
  s += "_sysfence_groups=" + sq(join(group_words())) + "\n";
  s += "_sysfence_syscalls=" + sq(join(syscall_words())) + "\n";
  s += R"SH(
# _sysfence_candidates SUB PREV CUR NPOS: what the word being completed can be. Sets
# _sysfence_want to a list of words, or to @file, @dir, @command, @pid, or "" (nothing known).
# NPOS is the number of positional words already given to SUB.
_sysfence_candidates() {
  local sub=$1 prev=$2 cur=$3 npos=$4
  _sysfence_want=
  if [ -z "$sub" ]; then
    case $cur in
      -*) _sysfence_want="--help --version" ;;
      *) _sysfence_want=$_sysfence_commands ;;
    esac
    return
  fi
  case "$sub $prev" in
)SH";
  for (const auto& c : cmds) {
    for (const auto& o : c.options) {
      if (o.kind == Kind::Flag) continue;
      std::vector<std::string> pats;
      for (const auto& n : o.names) pats.push_back("\"" + c.name + " " + n + "\"");
      s += "    " + join(pats, "|") + ") _sysfence_want=\"" + words_expr(o) + "\"; return ;;\n";
    }
  }
  s += "  esac\n  case \"$sub\" in\n";
  for (const auto& c : cmds) {
    std::vector<std::string> opts = {"--help"};
    for (const auto& o : c.options)
      for (const auto& n : o.names) opts.push_back(n);
    s += "    " + c.name + ")\n";
    s += "      case $cur in -*) _sysfence_want=" + sq(join(opts)) + "; return ;; esac\n";
    if (!c.positionals.empty()) {
      s += "      case $npos in\n";
      for (size_t i = 0; i < c.positionals.size(); ++i) {
        const bool last = i + 1 == c.positionals.size();
        s += "        " + (last ? std::string("*") : std::to_string(i)) + ") _sysfence_want=\"" +
             words_expr(c.positionals[i]) + "\" ;;\n";
        if (last) break;
      }
      s += "      esac ;;\n";
    } else {
      s += "      ;;\n";
    }
  }
  s += "  esac\n}\n\n";
  // The walk over the words: which subcommand, how many positionals, whether `run` reached "--".
  s +=
      R"SH(# _sysfence_parse WORD...: the words before the one being completed (without "sysfence").
# Sets _sysfence_sub, _sysfence_npos, and _sysfence_tail: the index of the word before the
# program's command line (run's "--", or the word before its first positional), or 0.
_sysfence_parse() {
  _sysfence_sub= _sysfence_npos=0 _sysfence_tail=0
  local i=0 w skip=0
  for w in "$@"; do
    i=$((i + 1))
    if [ "$_sysfence_tail" -gt 0 ]; then continue; fi
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    if [ -z "$_sysfence_sub" ]; then
      case " $_sysfence_commands " in *" $w "*) _sysfence_sub=$w ;; esac
      continue
    fi
    case $w in
      --) _sysfence_tail=$i ;;
      --*=*) ;;
      -*) # an option that is not a flag takes the next word as its value
          case " $(_sysfence_flags "$_sysfence_sub") " in *" $w "*) ;; *) skip=1 ;; esac ;;
      *) _sysfence_npos=$((_sysfence_npos + 1))
         case " $_sysfence_runners " in *" $_sysfence_sub "*) _sysfence_tail=$((i - 1)) ;; esac ;;
    esac
  done
}

# _sysfence_flags SUB: the options of SUB that take no value.
_sysfence_flags() {
  case $1 in
)SH";
  for (const auto& c : cmds) {
    std::vector<std::string> flags = {"--help"};
    for (const auto& o : c.options)
      if (o.kind == Kind::Flag)
        for (const auto& n : o.names) flags.push_back(n);
    s += "    " + c.name + ") echo " + sq(join(flags)) + " ;;\n";
  }
  s += "  esac\n}\n";
  return s;
}

std::string bash_script(const std::vector<CmdInfo>& cmds) {
  std::string s =
      "# bash completion for sysfence. Generated by `sysfence completion bash` from the CLI's own\n"
      "# tables: do not edit. Install: /usr/share/bash-completion/completions/sysfence, or\n"
      "#   source <(sysfence completion bash)\n";
  s += common_shell(cmds);
  s += R"SH(
_sysfence() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=
  [ "$COMP_CWORD" -gt 1 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
  _sysfence_parse "${COMP_WORDS[@]:1:COMP_CWORD-1}"
  if [ "$_sysfence_tail" -gt 0 ]; then  # run ... -- PROG ARGS: the program's own completion
    if declare -F _command_offset >/dev/null; then
      _command_offset $((_sysfence_tail + 1))
    else
      COMPREPLY=($(compgen -c -- "$cur"))
    fi
    return
  fi
  _sysfence_candidates "$_sysfence_sub" "$prev" "$cur" "$_sysfence_npos"
  case $_sysfence_want in
    @file) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null ;;
    @dir) COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null ;;
    @command) COMPREPLY=($(compgen -c -- "$cur")) ;;
    @pid) COMPREPLY=($(compgen -W "self $(cd /proc && echo [0-9]*)" -- "$cur")) ;;
    *) COMPREPLY=($(compgen -W "$_sysfence_want" -- "$cur")) ;;
  esac
}
complete -F _sysfence sysfence
)SH";
  return s;
}

std::string zsh_script(const std::vector<CmdInfo>& cmds) {
  std::string s =
      "#compdef sysfence\n"
      "# zsh completion for sysfence. Generated by `sysfence completion zsh` from the CLI's own\n"
      "# tables: do not edit. Install as _sysfence in a directory of $fpath\n"
      "# (/usr/share/zsh/vendor-completions/_sysfence).\n";
  s += common_shell(cmds);
  // Descriptions of the subcommands, for _describe.
  s += "_sysfence_described=(\n";
  for (const auto& c : cmds) {
    std::string d = c.description;
    std::replace(d.begin(), d.end(), ':', ' ');
    s += "  " + sq(c.name + ":" + d) + "\n";
  }
  s += ")\n";
  s += R"SH(
_sysfence() {
  local cur=${words[CURRENT]} prev=
  (( CURRENT > 2 )) && prev=${words[CURRENT-1]}
  _sysfence_parse "${(@)words[2,CURRENT-1]}"
  if (( _sysfence_tail > 0 )); then  # run ... -- PROG ARGS: the program's own completion
    shift $(( _sysfence_tail + 1 )) words
    (( CURRENT -= _sysfence_tail + 1 ))
    _normal
    return
  fi
  _sysfence_candidates "$_sysfence_sub" "$prev" "$cur" "$_sysfence_npos"
  case $_sysfence_want in
    @file) _files ;;
    @dir) _files -/ ;;
    @command) _command_names -e ;;
    @pid) compadd -- self /proc/<->(N:t) ;;
    *)
      if [[ -z $_sysfence_sub && $cur != -* ]]; then
        _describe -t commands 'sysfence command' _sysfence_described
      else
        compadd -- ${=_sysfence_want}
      fi ;;
  esac
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _sysfence "$@"
else
  compdef _sysfence sysfence
fi
)SH";
  return s;
}

nlohmann::json to_json(const std::vector<CmdInfo>& cmds) {
  auto opt_json = [](const OptInfo& o) {
    nlohmann::json j = {{"names", o.names},
                        {"description", o.description},
                        {"kind", kind_name(o.kind)},
                        {"repeatable", o.repeatable}};
    if (!o.choices.empty()) j["choices"] = o.choices;
    return j;
  };
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : cmds) {
    nlohmann::json opts = nlohmann::json::array(), pos = nlohmann::json::array();
    for (const auto& o : c.options) opts.push_back(opt_json(o));
    for (const auto& o : c.positionals) pos.push_back(opt_json(o));
    list.push_back({{"name", c.name},
                    {"description", c.description},
                    {"options", opts},
                    {"positionals", pos}});
  }
  return {{"commands", list}, {"arches", arch_words()}, {"groups", group_words()}};
}

}  // namespace

Command add_completion(CLI::App& app) {
  auto* sub = app.add_subcommand("completion",
                                 "Print a shell completion script (bash, zsh) or "
                                 "the command line as JSON");
  auto shell = std::make_shared<std::string>();
  sub->add_option("shell", *shell, "bash, zsh or json")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "json"}));
  return {sub, [&app, shell] {
            const auto cmds = describe(app);
            if (*shell == "bash") out_stream() << bash_script(cmds);
            if (*shell == "zsh") out_stream() << zsh_script(cmds);
            if (*shell == "json") print_json(to_json(cmds));
            return kExitOk;
          }};
}

}  // namespace sysfence::cli
