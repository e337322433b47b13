// src/cli/commands.hpp — each subcommand registers itself on the app (one file per command) and
// returns what main() runs when the command line names it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace sysfence::cli {

// A registered subcommand: its CLI11 app (options bound to the command's own state) and the
// action main() runs after parsing when this subcommand was named. The action returns the exit
// code (docs/cli.md) or throws Exit.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// `run`/`learn [OPTIONS] -- PROG ARGS...`: main() cuts the command line at the first "--" and
// keeps the rest here, so that PROG's own options never reach the option parser.
struct ProgramArgs {
  std::vector<std::string> argv;
  bool given = false;  // there was a "--"
};

Command add_run(CLI::App& app, const ProgramArgs& program);
Command add_compile(CLI::App& app);
// `sysfence compile FILE -o OUT`, the common case, without setting up CLI11 (most of a short
// compile's user-space instructions, docs/benchmarks.md section 6): the same options as
// add_compile's parse would give, or an empty function for any other command line.
std::function<int()> compile_without_option_parser(int argc, char** argv);
Command add_disasm(CLI::App& app);
Command add_asm(CLI::App& app);
Command add_emu(CLI::App& app);
Command add_check(CLI::App& app);
Command add_resolve(CLI::App& app);
Command add_status(CLI::App& app);
Command add_groups(CLI::App& app);
Command add_probe(CLI::App& app);
Command add_learn(CLI::App& app, const ProgramArgs& program);
Command add_diff(CLI::App& app);
Command add_completion(CLI::App& app);  // last: it describes the commands added before it

}  // namespace sysfence::cli
