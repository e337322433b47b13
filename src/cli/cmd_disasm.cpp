// src/cli/cmd_disasm.cpp — `sysfence disasm FILE` (a raw filter) and `sysfence disasm --pid PID`
// (every filter of a running process): the canonical text the assembler reads back.
#include <iostream>
#include <vector>

#include "program_input.hpp"
#include "sysfence/bpf/binary.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "sysfence/loader/process_filters.hpp"
#include "sysfence/bpf/disasm.hpp"

namespace sysfence::cli {
namespace {

struct DisasmOpts {
  std::vector<std::string> files;  // one filter, or a stack in install order
  int pid = 0;
  std::string arch;
  bool no_comments = false;
  bool json = false;
};

nlohmann::json program_json(const bpf::Program& prog, const std::string& text) {
  nlohmann::json insns = nlohmann::json::array();
  for (size_t i = 0; i < prog.size(); ++i) {
    const bpf::Insn& in = prog[i];
    insns.push_back({{"index", i},
                     {"code", in.code},
                     {"jt", in.jt},
                     {"jf", in.jf},
                     {"k", in.k},
                     {"text", bpf::instruction_text(in, i)}});
  }
  return {{"length", prog.size()}, {"instructions", insns}, {"text", text}};
}

void run_disasm(const DisasmOpts& o) {
  bpf::DisasmOptions dopt;
  dopt.comments = !o.no_comments;
  if (!o.arch.empty())
    dopt.default_arch = parse_arch(o.arch);
  else
    dopt.default_arch = arch::native_arch();

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
    if (filters->empty()) out_stream() << "; process " << o.pid << " has no seccomp filter\n";
    for (size_t i = 0; i < filters->size(); ++i) {
      out_stream() << "; filter " << i << " of process " << o.pid << " (" << (*filters)[i].size()
                   << " instructions" << (i == 0 ? ", newest: runs first" : "") << ")\n";
      out_stream() << bpf::disassemble((*filters)[i], dopt);
      if (i + 1 < filters->size()) out_stream() << '\n';
    }
    return;
  }

  if (o.files.empty()) fail_usage("disasm: give a raw filter FILE or --pid PID");
  std::vector<bpf::Program> progs;
  for (const std::string& f : o.files) progs.push_back(load_raw_program(f));
  if (progs.size() == 1) {
    const std::string text = bpf::disassemble(progs.front(), dopt);
    if (o.json) {
      auto j = program_json(progs.front(), text);
      j["file"] = o.files.front();
      print_json(j);
    } else {
      out_stream() << text;
    }
    return;
  }
  // A stack (`compile` writes OUT.1 ... OUT.N), in install order: the last one runs first.
  nlohmann::json list = nlohmann::json::array();
  for (size_t i = 0; i < progs.size(); ++i) {
    const std::string text = bpf::disassemble(progs[i], dopt);
    if (o.json) {
      auto j = program_json(progs[i], text);
      j["file"] = o.files[i];
      j["index"] = i;
      list.push_back(std::move(j));
      continue;
    }
    out_stream() << "; filter " << i + 1 << " of " << progs.size() << ": " << o.files[i] << " ("
                 << progs[i].size() << " instructions"
                 << (i + 1 == progs.size() ? ", installed last: runs first" : "") << ")\n"
                 << text;
    if (i + 1 < progs.size()) out_stream() << '\n';
  }
  if (o.json) print_json({{"filters", list}});
}

}  // namespace

Command add_disasm(CLI::App& app) {
  auto o = std::make_shared<DisasmOpts>();
  auto* sub = app.add_subcommand("disasm", "Disassemble a raw filter, or the filters of a process");
  sub->footer(
      "The text is canonical: `sysfence asm` reads it back to the same bytes.\n"
      "--pid uses ptrace(PTRACE_SECCOMP_GET_FILTER): needs CAP_SYS_ADMIN; filter 0 is the\n"
      "newest (it runs first). The process is stopped for the reads and then resumes.\n"
      "Exit codes: 0 shown; 1 cannot read the process; 2 bad file.");
  auto* f =
      sub->add_option("file", o->files,
                      "raw BPF file (struct sock_filter array; \"-\": stdin); several: a stack "
                      "in install order (compile's OUT.1 ... OUT.N)");
  auto* p = sub->add_option("--pid", o->pid, "a running process");
  f->excludes(p);
  p->excludes(f);
  sub->add_option("-a,--arch", o->arch, "arch for syscall names where the filter checks none");
  sub->add_flag("--no-comments", o->no_comments, "instructions only");
  sub->add_flag("--json", o->json, "JSON output");
  return {sub, [o] {
            run_disasm(*o);
            return kExitOk;
          }};
}

}  // namespace sysfence::cli
