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
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) one_value_per_occurrence(*sub);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sysfence::cli;
  // Diagnostics in colour on a terminal only; never when piped, for TERM=dumb, or with NO_COLOR
  // set to anything non-empty (no-color.org).
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  sysfence::set_diagnostics_colour(isatty(STDERR_FILENO) && !(no_color && *no_color) &&
                                   !(term && std::strcmp(term, "dumb") == 0));
  CLI::App app{"sysfence: confine Linux processes with seccomp-BPF, and compile, check and "
               "explain filters.\nExit codes: 0 success, 1 denied or failed, 2 usage or input "
               "error (`run` exits with the program's own status).",
               "sysfence"};
  app.set_version_flag("--version", "sysfence " + std::string(sysfence::version()));
  app.require_subcommand(1);
  app.fallthrough(false);

  add_run(app);
  add_compile(app);
  add_disasm(app);
  add_asm(app);
  add_emu(app);
  add_check(app);
  add_resolve(app);
  add_status(app);
  add_groups(app);
  add_probe(app);
  add_learn(app);
  add_diff(app);
  add_completion(app);
  one_value_per_occurrence(app);

  // `run`/`learn [OPTIONS] -- PROG ARGS...`: everything after the first "--" belongs to PROG.
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i) args.emplace_back(argv[i]);  // CLI11 wants them reversed
  int first_word = 1;
  while (first_word < argc && argv[first_word][0] == '-') ++first_word;
  if (first_word < argc && (std::string(argv[first_word]) == "run" || std::string(argv[first_word]) == "learn")) {
    for (int i = first_word + 1; i < argc; ++i) {
      if (std::string(argv[i]) == "--") {
        globals().run_tail_given = true;
        globals().run_tail.assign(argv + i + 1, argv + argc);
        args.clear();
        for (int j = i - 1; j >= 1; --j) args.emplace_back(argv[j]);
        break;
      }
    }
  }

  // --json before the program's own arguments: failures are printed as JSON on stdout too.
  const bool is_run = first_word < argc && std::string(argv[first_word]) == "run";  // no --json
  for (const std::string& a : args)
    if (a == "--json" && !is_run) globals().json = true;
  auto json_failure = [](const Exit& e) {
    if (globals().json) print_json(failure_json(e));
  };

  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    json_failure(Exit{kExitUsage, e.what()});
    return kExitUsage;
  } catch (const Exit& e) {
    json_failure(e);
    if (e.rendered) {
      std::cerr << e.message;
      if (!e.message.empty() && e.message.back() != '\n') std::cerr << '\n';
    } else if (!e.message.empty()) {
      std::cerr << "sysfence: " << e.message << '\n';
    }
    return e.code;
  } catch (const std::exception& e) {
    json_failure(Exit{kExitFail, e.what()});
    std::cerr << "sysfence: " << e.what() << '\n';
    return kExitFail;
  }
  return globals().exit_code;
}
