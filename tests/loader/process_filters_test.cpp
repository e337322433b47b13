// loader::read_process_filters: a forked child installs two filters and waits; the parent reads
// them back with PTRACE_SECCOMP_GET_FILTER, newest first, instruction for instruction.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "filters.hpp"
#include "sysfence/loader/process_filters.hpp"

namespace {

using namespace sysfence;

TEST(ProcessFilters, ReadsAChildsFiltersNewestFirst) {
  const bpf::Program older =
      sysfence_test::filter({{SYS_getppid, bpf::ret_errno(1)}}, bpf::kRetAllow);
  const bpf::Program newer =
      sysfence_test::filter({{SYS_umask, bpf::ret_errno(2)}}, bpf::kRetAllow);
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(ready[0]);
    const bool ok = loader::install_filter(older, sysfence_test::with_nnp()).ok() &&
                    loader::install_filter(newer, sysfence_test::with_nnp()).ok();
    const char c = ok ? 'y' : 'n';
    if (write(ready[1], &c, 1) != 1) _exit(3);
    for (;;) pause();
  }
  close(ready[1]);
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  close(ready[0]);
  auto filters = loader::read_process_filters(pid);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  ASSERT_EQ(c, 'y') << "the child could not install its filters";
  if (!filters && filters.error().sys_errno == EPERM) GTEST_SKIP() << filters.error().render();
  ASSERT_TRUE(filters) << filters.error().render();
  ASSERT_EQ(filters->size(), 2u);
  EXPECT_EQ((*filters)[0], newer);
  EXPECT_EQ((*filters)[1], older);
}

TEST(ProcessFilters, NoSuchProcessIsAClearError) {
  auto filters = loader::read_process_filters(0x3ffffff0);
  ASSERT_FALSE(filters);
  EXPECT_NE(filters.error().message.find("1073741808"), std::string::npos)
      << filters.error().render();
}

}  // namespace
