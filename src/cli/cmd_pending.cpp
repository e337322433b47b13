// Temporary: subcommands whose library modules have not landed yet.
#include "commands.hpp"
#include "common.hpp"

namespace sysfence::cli {
namespace {
void pending(CLI::App& app, const char* name) {
  auto* sub = app.add_subcommand(name, "(not available yet)");
  sub->allow_extras();
  sub->callback([name] { fail(std::string(name) + ": not available in this build yet"); });
}
}  // namespace
void add_disasm(CLI::App& app) { pending(app, "disasm"); }
void add_asm(CLI::App& app) { pending(app, "asm"); }
}  // namespace sysfence::cli
