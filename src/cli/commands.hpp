// src/cli/commands.hpp — each subcommand registers itself on the app (one file per command).
#pragma once

#include <CLI/CLI.hpp>

namespace sysfence::cli {

void add_run(CLI::App& app);
void add_compile(CLI::App& app);
void add_disasm(CLI::App& app);
void add_asm(CLI::App& app);
void add_emu(CLI::App& app);
void add_check(CLI::App& app);
void add_resolve(CLI::App& app);
void add_status(CLI::App& app);
void add_groups(CLI::App& app);
void add_probe(CLI::App& app);
void add_learn(CLI::App& app);
void add_diff(CLI::App& app);
void add_completion(CLI::App& app);  // last: it describes the commands added before it

}  // namespace sysfence::cli
