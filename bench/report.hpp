// bench/report.hpp — the measurements both drivers print: executed instructions per syscall
// (emulator), and medians of repeated timings.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common.hpp"

namespace bench {

// A program under comparison.
struct Contender {
  std::string name;
  Program prog;
};

// Prints the Markdown table of executed instructions per syscall on x86_64 for `cs`:
// (a) every allowed syscall, (b) the paths the kernel cannot cache (classified with the cache
// analysis on cs[classify]), probes costing more than cs[ref] and probes whose action differs
// from cs[ref]; then lists the syscalls where a contender from `first_checked` on costs more.
void instruction_tables(const BenchPolicy& pol, const std::vector<Contender>& cs, size_t ref,
                        size_t classify, size_t first_checked, int worst);

// Prints the instructions `prog` executes on `d` (index, code, jt, jf, k), for --trace.
// Handles the seccomp subset: LD ABS/IMM/MEM/LEN, LDX, ST/STX, ALU K/X, jumps, RET, TAX/TXA.
void print_path(const Program& prog, const sysfence::bpf::SeccompData& d);

// Median wall time in microseconds of fn() over at least min_reps runs (more while under
// budget_ms). -1 if fn() returns false.
double time_us(const std::function<bool()>& fn, int min_reps, double budget_ms);
std::string fmt_us(double us);

}  // namespace bench
