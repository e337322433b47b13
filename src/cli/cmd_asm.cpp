// src/cli/cmd_asm.cpp — `sysfence asm FILE -o OUT [--format raw|c] [--json]`: the disassembler's
// text back into a filter.
#include <unistd.h>

#include <iostream>

#include "program_input.hpp"
#include "sysfence/bpf/binary.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "sysfence/bpf/asm.hpp"
#include "sysfence/bpf/verify.hpp"

namespace sysfence::cli {
namespace {

struct AsmOpts {
  std::string input;
  std::string output = "-";
  std::string format = "raw";
  std::string name = "sysfence_filter";
  bool no_verify = false;
  bool json = false;
};

void run_asm(const AsmOpts& o) {
  const std::string text = read_file(o.input);
  bpf::Program prog = take(bpf::assemble(text, o.input == "-" ? "<stdin>" : o.input));
  if (!o.no_verify) {
    if (auto v = bpf::find_violation(prog)) {
      fail_usage(o.input + ": the kernel would refuse this program: " + v->message +
                 " (--no-verify writes it anyway)");
    }
  }
  std::string out = take(bpf::write_filter(prog, *bpf::filter_format_from_name(o.format), o.name));
  if (o.format == "raw" && o.output == "-" && !o.json && ::isatty(STDOUT_FILENO)) {
    fail_usage("refusing to write a binary filter to a terminal: use -o FILE");
  }
  if (o.json && o.output == "-") fail_usage("--json prints a summary on stdout: give -o FILE");
  write_file(o.output, out);
  if (o.json) {
    print_json({{"input", o.input},
                {"output", o.output},
                {"format", o.format},
                {"instructions", prog.size()},
                {"bytes", out.size()}});
  }
}

}  // namespace

Command add_asm(CLI::App& app) {
  auto o = std::make_shared<AsmOpts>();
  auto* sub = app.add_subcommand(
      "asm", "Assemble filter text (the disassembler's syntax) into a raw filter");
  sub->footer(
      "Syntax: see `sysfence disasm` output and docs/cli.md; labels and absolute targets.\n"
      "The program is verified with the kernel's rules unless --no-verify.\n"
      "Exit codes: 0 written; 1 cannot write; 2 syntax error or a program the kernel refuses.");
  sub->add_option("file", o->input, "text file (\"-\": stdin)")->required();
  sub->add_option("-o,--output", o->output, "output file (\"-\": stdout)");
  sub->add_option("-f,--format", o->format, "raw or c")->check(CLI::IsMember({"raw", "c"}));
  sub->add_option("--name", o->name, "C array name for --format c");
  sub->add_flag("--no-verify", o->no_verify, "write programs the kernel would refuse");
  sub->add_flag("--json", o->json, "print a JSON summary (needs -o FILE)");
  return {sub, [o] {
            run_asm(*o);
            return kExitOk;
          }};
}

}  // namespace sysfence::cli
