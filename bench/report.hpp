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

// Thread CPU time of one fn() run in microseconds; -1 if fn() returns false. CPU time, not wall
// time: on a shared machine the process may wait for a CPU, which wall time would count.
double cpu_us(const std::function<bool()>& fn);

// Runs the measurements round-robin (one run of each per round) for at least min_reps rounds
// and while under budget_ms, so that every contender sees the same machine load; returns the
// median of each (negative: a run failed). Each function returns its own duration in µs.
std::vector<double> interleaved_medians(const std::vector<std::function<double()>>& fns,
                                        int min_reps, double budget_ms);
std::string fmt_us(double us);

}  // namespace bench
