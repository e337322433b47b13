// src/cli/cmd_disasm.cpp — `sysfence disasm FILE` (a raw filter) and `sysfence disasm --pid PID`
// (every filter of a running process): the canonical text the assembler reads back.
#include <iostream>

#include "bpf_glue.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "sysfence/loader/process_filters.hpp"
#include "sysfence/bpf/disasm.hpp"

namespace sysfence::cli {
namespace {

struct DisasmOpts {
  std::string file;
  int pid = 0;
  std::string arch;
  bool no_comments = false;
  bool json = false;
};

nlohmann::json program_json(const bpf::Program& prog, const std::string& text) {
  nlohmann::json insns = nlohmann::json::array();
  for (size_t i = 0; i < prog.size(); ++i) {
    const bpf::Insn& in = prog[i];
    insns.push_back({{"index", i}, {"code", in.code}, {"jt", in.jt}, {"jf", in.jf}, {"k", in.k},
                     {"text", bpf::instruction_text(in, i)}});
  }
  return {{"length", prog.size()}, {"instructions", insns}, {"text", text}};
}

void run_disasm(const DisasmOpts& o) {
  bpf::DisasmOptions dopt;
  dopt.comments = !o.no_comments;
  if (!o.arch.empty()) dopt.default_arch = parse_arch(o.arch);
  else dopt.default_arch = arch::native_arch();

  if (o.pid) {
    auto filters = loader::read_process_filters(o.pid);
    if (!filters) throw Exit{kExitFail, filters.error().render(), true};
    if (o.json) {
      nlohmann::json list = nlohmann::json::array();
      for (size_t i = 0; i < filters->size(); ++i) {
        auto j = program_json((*filters)[i], bpf::disassemble((*filters)[i], dopt));
        j["index"] = i;
        list.push_back(std::move(j));
      }
      print_json({{"pid", o.pid}, {"filters", list}});
      return;
    }
    if (filters->empty()) std::cout << "; process " << o.pid << " has no seccomp filter\n";
    for (size_t i = 0; i < filters->size(); ++i) {
      std::cout << "; filter " << i << " of process " << o.pid << " ("
                << (*filters)[i].size() << " instructions"
                << (i == 0 ? ", newest: runs first" : "") << ")\n";
      std::cout << bpf::disassemble((*filters)[i], dopt);
      if (i + 1 < filters->size()) std::cout << '\n';
    }
    return;
  }

  if (o.file.empty()) fail_usage("disasm: give a raw filter FILE or --pid PID");
  const bpf::Program prog = load_raw_program(o.file);
  const std::string text = bpf::disassemble(prog, dopt);
  if (o.json) {
    auto j = program_json(prog, text);
    j["file"] = o.file;
    print_json(j);
  } else {
    std::cout << text;
  }
}

}  // namespace

void add_disasm(CLI::App& app) {
  auto o = std::make_shared<DisasmOpts>();
  auto* sub = app.add_subcommand("disasm", "Disassemble a raw filter, or the filters of a process");
  sub->footer(
      "The text is canonical: `sysfence asm` reads it back to the same bytes.\n"
      "--pid uses ptrace(PTRACE_SECCOMP_GET_FILTER): needs CAP_SYS_ADMIN; filter 0 is the\n"
      "newest (it runs first). The process is stopped for the reads and then resumes.\n"
      "Exit codes: 0 shown; 1 cannot read the process; 2 bad file.");
  auto* f = sub->add_option("file", o->file, "raw BPF file (struct sock_filter array; \"-\": stdin)");
  auto* p = sub->add_option("--pid", o->pid, "a running process");
  f->excludes(p);
  p->excludes(f);
  sub->add_option("-a,--arch", o->arch, "arch for syscall names where the filter checks none");
  sub->add_flag("--no-comments", o->no_comments, "instructions only");
  sub->add_flag("--json", o->json, "JSON output");
  sub->callback([o] { run_disasm(*o); });
}

}  // namespace sysfence::cli
