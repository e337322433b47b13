// bpf::analyze_filter (what `sysfence check` reports) on a hand-written filter whose answer is
// known instruction by instruction, and the output writers and raw-filter loading of binary.hpp.
#include <gtest/gtest.h>

#include "bpf/sample_program.hpp"
#include "sysfence/bpf/binary.hpp"
#include "sysfence/bpf/disasm.hpp"
#include "sysfence/bpf/filter_report.hpp"
#include "sysfence/bpf/seccomp.hpp"

namespace sysfence::bpf {
namespace {

using testing::sample_program;

TEST(FilterReport, CountsCacheAndInstructionsPerArch) {
  const std::vector<arch::Arch> targets = {arch::Arch::X86_64};
  auto r = analyze_filter(sample_program(), targets);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->instructions, 12u);
  ASSERT_EQ(r->arches.size(), 1u);
  const ArchReport& a = r->arches[0];
  EXPECT_EQ(a.arch, arch::Arch::X86_64);
  EXPECT_EQ(a.syscalls, arch::syscalls(arch::Arch::X86_64).size());
  EXPECT_EQ(a.allowed, a.syscalls);               // every call, at zero arguments
  EXPECT_EQ(a.cached, 1u);                        // getpid alone returns exactly 0x7fff0000
  EXPECT_EQ(a.allowed_uncached, a.syscalls - 1);  // write loads an argument; the rest has data 3
  EXPECT_TRUE(a.kernel_caches);
  EXPECT_EQ(a.executed_max, 9u);  // write: 0-7, then 10
  EXPECT_GT(a.executed_mean, 6.9);
  EXPECT_LT(a.executed_mean, 7.1);  // almost every call: 0-5, then 9
}

TEST(FilterReport, ClosedDoorsOfX86_64) {
  const std::vector<arch::Arch> targets = {arch::Arch::X86_64};
  auto r = analyze_filter(sample_program(), targets);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->doors.size(), 2u);
  EXPECT_EQ(r->doors[0].door, arch::Arch::I386);
  EXPECT_EQ(r->doors[0].how, "int 0x80");
  EXPECT_EQ(r->doors[1].door, arch::Arch::X32);
  for (const DoorReport& d : r->doors) {
    EXPECT_EQ(d.host, arch::Arch::X86_64);
    EXPECT_FALSE(d.listed);
    EXPECT_EQ(d.allowed, 0u);
    EXPECT_EQ(d.probed, arch::syscalls(d.door).size());
    EXPECT_EQ(d.getpid_action, "kill_process");
  }
}

TEST(FilterReport, ListedDoorAndAnArchTheKernelDoesNotCache) {
  const std::vector<arch::Arch> targets = {arch::Arch::X86_64, arch::Arch::X32};
  auto r = analyze_filter(sample_program(), targets);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->arches.size(), 2u);
  EXPECT_FALSE(r->arches[1].kernel_caches);
  EXPECT_EQ(r->arches[1].allowed, 0u);  // the sample kills the x32 bit
  ASSERT_EQ(r->doors.size(), 2u);
  EXPECT_FALSE(r->doors[0].listed);
  EXPECT_TRUE(r->doors[1].listed);
}

TEST(FilterReport, NoDoorsWithoutX86_64AndRefusesWhatTheVerifierRefuses) {
  const std::vector<arch::Arch> targets = {arch::Arch::AArch64};
  auto r = analyze_filter(sample_program(), targets);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->doors.empty());
  EXPECT_EQ(r->arches[0].allowed, 0u);  // wrong arch: killed
  EXPECT_FALSE(analyze_filter(Program{}, targets));
  EXPECT_FALSE(analyze_filter(Program{stmt(LD | W | ABS, kOffNr)}, targets));
}

std::vector<uint8_t> bytes_of(const Program& p) { return to_binary(p); }

TEST(RawFilter, LoadsOnlyWhatTheKernelWouldTake) {
  auto ok = load_raw_filter(bytes_of(sample_program()));
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, sample_program());
  std::vector<uint8_t> odd = bytes_of(sample_program());
  odd.pop_back();
  auto bad = load_raw_filter(odd);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.rfind("not a raw BPF filter: ", 0), 0u) << bad.error().message;
  EXPECT_EQ(bad.error().code, ErrorCode::Syntax);
  auto empty = load_raw_filter({});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message, "empty file, not a BPF filter");
  auto refused = load_raw_filter(bytes_of({stmt(LD | W | ABS, kOffNr)}));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message.rfind("the kernel would refuse this filter: ", 0), 0u)
      << refused.error().message;
}

TEST(RawFilter, SniffsNulBytes) {
  const std::vector<uint8_t> b = bytes_of(sample_program());
  EXPECT_TRUE(
      looks_like_raw_filter(std::string_view(reinterpret_cast<const char*>(b.data()), b.size())));
  EXPECT_FALSE(looks_like_raw_filter("default allow\nptrace: errno EPERM\n"));
  EXPECT_FALSE(looks_like_raw_filter(R"({"defaultAction": "SCMP_ACT_ALLOW"})"));
}

TEST(FilterOutput, EachFormatAndTheStackDocument) {
  EXPECT_EQ(filter_format_from_name("raw"), FilterFormat::Raw);
  EXPECT_EQ(filter_format_from_name("c"), FilterFormat::C);
  EXPECT_EQ(filter_format_from_name("text"), FilterFormat::Text);
  EXPECT_EQ(filter_format_from_name("oci"), std::nullopt);
  const Program p = sample_program();
  auto raw = write_filter(p, FilterFormat::Raw);
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->size(), p.size() * 8);
  EXPECT_EQ(*write_filter(p, FilterFormat::C, "f"), *to_c_array(p, "f"));
  EXPECT_EQ(*write_filter(p, FilterFormat::Text), disassemble(p));
  EXPECT_FALSE(write_filter(p, FilterFormat::C, "not an identifier"));

  const std::vector<Program> stack = {p, p};
  auto c = write_filter_stack(stack, FilterFormat::C, "f");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->rfind("// filter 1 of 2 (install in this order; together they are the policy)\n", 0),
            0u);
  EXPECT_NE(c->find("f_1[]"), std::string::npos);
  EXPECT_NE(c->find("// filter 2 of 2"), std::string::npos);
  EXPECT_NE(c->find("f_2[]"), std::string::npos);
  auto text = write_filter_stack(stack, FilterFormat::Text);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "; filter 1 of 2 (install in this order; together they are the policy)\n" +
                       disassemble(p) +
                       "; filter 2 of 2 (install in this order; together they are the policy)\n" +
                       disassemble(p));
  EXPECT_FALSE(write_filter_stack(stack, FilterFormat::Raw));
}

}  // namespace
}  // namespace sysfence::bpf
