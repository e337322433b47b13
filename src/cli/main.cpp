// src/cli/main.cpp — `sysfence`: confine a program with seccomp-BPF, and compile, check and
// explain filters. Every subcommand lives in its own cmd_*.cpp; exit codes are in common.hpp.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "commands.hpp"
#include "common.hpp"
#include "sysfence/version.hpp"

namespace {

// Repeatable options take one value per occurrence: `check --arch x86_64 cat.policy` must leave
// cat.policy to the positional. CLI11 lets a vector option swallow every following word, so
// every non-positional option of every command is limited here, in one place.
void one_value_per_occurrence(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    if (opt->get_positional() || opt->get_items_expected_max() <= 1) continue;
    opt->allow_extra_args(false);
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    one_value_per_occurrence(*sub);
}

// An Exit's message on stderr; its exit code.
int report_exit(const sysfence::cli::Exit& e) {
  std::ostream& err = sysfence::cli::err_stream();
  if (e.rendered) {
    err << e.message;
    if (!e.message.empty() && e.message.back() != '\n') err << '\n';
  } else if (!e.message.empty()) {
    err << "sysfence: " << e.message << '\n';
  }
  return e.code;
}

}  // namespace

// Only the set-up before the try below can throw out of main: CLI11's errors in declaring options
// (bugs, which every CLI test would hit) and allocation failure. std::terminate is right for them.
// NOLINTNEXTLINE(bugprone-exception-escape)
int main(int argc, char** argv) {
  using namespace sysfence::cli;
  // Diagnostics in colour on a terminal only; never when piped, for TERM=dumb, or with NO_COLOR
  // set to anything non-empty (no-color.org).
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  sysfence::set_diagnostics_colour(isatty(STDERR_FILENO) && !(no_color && *no_color) &&
                                   !(term && std::strcmp(term, "dumb") == 0));
  // `compile FILE -o OUT` needs no option parser: CLI11's set-up of compile's options was a fifth
  // of such a process's user-space instructions (docs/benchmarks.md section 6).
  if (std::function<int()> compile = compile_without_option_parser(argc, argv)) {
    try {
      return compile();
    } catch (const Exit& e) { return report_exit(e); } catch (const std::exception& e) {
      err_stream() << "sysfence: " << e.what() << '\n';
      return kExitFail;
    }
  }
  // CLI11 writes help, versions and its errors to std::cout and std::cerr itself.
  init_streams();

  CLI::App app{
      "sysfence: confine Linux processes with seccomp-BPF, and compile, check and "
      "explain filters.\nExit codes: 0 success, 1 denied or failed, 2 usage or input "
      "error (`run` exits with the program's own status).",
      "sysfence"};
  app.set_version_flag("--version", "sysfence " + std::string(sysfence::version()));
  app.require_subcommand(1);
  app.fallthrough(false);

  // Only the subcommand named on the command line is set up (building every command's options
  // was most of a short command's start-up); all of them for help, completion, or no/unknown
  // command (CLI11 then lists them or says which is unknown).
  int named = 1;
  while (named < argc && argv[named][0] == '-') ++named;
  const std::string only = named < argc && std::strcmp(argv[named], "completion") != 0 &&
                                   std::strcmp(argv[named], "help") != 0
                               ? argv[named]
                               : "";
  auto want = [&](const char* name) { return only.empty() || only == name; };
  const size_t before = app.get_subcommands([](CLI::App*) { return true; }).size();
  ProgramArgs program;
  std::vector<Command> commands;
  auto add_all = [&](bool filtered) {
    auto pick = [&](const char* name) { return !filtered || want(name); };
    if (pick("run")) commands.push_back(add_run(app, program));
    if (pick("compile")) commands.push_back(add_compile(app));
    if (pick("disasm")) commands.push_back(add_disasm(app));
    if (pick("asm")) commands.push_back(add_asm(app));
    if (pick("emu")) commands.push_back(add_emu(app));
    if (pick("check")) commands.push_back(add_check(app));
    if (pick("resolve")) commands.push_back(add_resolve(app));
    if (pick("status")) commands.push_back(add_status(app));
    if (pick("groups")) commands.push_back(add_groups(app));
    if (pick("probe")) commands.push_back(add_probe(app));
    if (pick("learn")) commands.push_back(add_learn(app, program));
    if (pick("diff")) commands.push_back(add_diff(app));
    if (pick("completion")) commands.push_back(add_completion(app));
  };
  add_all(true);
  // A word that names no subcommand (a typo, or an option's value): set up every one.
  if (app.get_subcommands([](CLI::App*) { return true; }).size() == before) add_all(false);
  one_value_per_occurrence(app);

  // `run`/`learn [OPTIONS] -- PROG ARGS...`: everything after the first "--" belongs to PROG.
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i) args.emplace_back(argv[i]);  // CLI11 wants them reversed
  int first_word = 1;
  while (first_word < argc && argv[first_word][0] == '-') ++first_word;
  if (first_word < argc &&
      (std::string(argv[first_word]) == "run" || std::string(argv[first_word]) == "learn")) {
    for (int i = first_word + 1; i < argc; ++i) {
      if (std::string(argv[i]) == "--") {
        program.given = true;
        program.argv.assign(argv + i + 1, argv + argc);
        args.clear();
        for (int j = i - 1; j >= 1; --j) args.emplace_back(argv[j]);
        break;
      }
    }
  }

  // --json before the program's own arguments: failures are printed as JSON on stdout too.
  const bool is_run = first_word < argc && std::string(argv[first_word]) == "run";  // no --json
  bool json = false;
  for (const std::string& a : args)
    if (a == "--json" && !is_run) json = true;
  auto json_failure = [json](const Exit& e) {
    if (json) print_json(failure_json(e));
  };

  try {
    app.parse(args);
    for (const Command& c : commands)
      if (c.app->parsed()) return c.run();
  } catch (const CLI::CallForHelp& e) { return app.exit(e); } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) { return app.exit(e); } catch (const CLI::ParseError& e) {
    app.exit(e);
    json_failure(Exit{kExitUsage, e.what()});
    return kExitUsage;
  } catch (const Exit& e) {
    json_failure(e);
    return report_exit(e);
  } catch (const std::exception& e) {
    json_failure(Exit{kExitFail, e.what()});
    err_stream() << "sysfence: " << e.what() << '\n';
    return kExitFail;
  }
  return kExitOk;  // unreachable: require_subcommand(1)
}
