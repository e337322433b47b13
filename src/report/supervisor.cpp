// src/report/supervisor.cpp — see sysfence/report/supervisor.hpp.
#include "sysfence/report/supervisor.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sysfence/report/target.hpp"
#include "sysfence/support/format.hpp"

namespace sysfence::report {

bool is_denying(uint32_t ret) {
  switch (bpf::action_of(ret)) {
    case bpf::kRetAllow:
    case bpf::kRetLog: return false;
    default: return true;  // errno, trap, trace, user_notif, kill_thread, kill_process, unknown
  }
}

bpf::Program report_program(const bpf::Program& prog, size_t* count) {
  bpf::Program out = prog;
  size_t n = 0;
  for (bpf::Insn& in : out) {
    if (in.code == (bpf::RET | bpf::K) && is_denying(in.k)) {
      in.k = bpf::kRetUserNotif;
      ++n;
    }
  }
  if (count) *count = n;
  return out;
}

Supervisor::Supervisor(loader::Listener listener, pid_t child, int child_pidfd,
                       std::function<uint32_t(const bpf::SeccompData&)> original, std::ostream& out)
    : listener_(std::move(listener)),
      child_(child),
      pidfd_(child_pidfd),
      original_(std::move(original)),
      out_(out) {}

namespace {

struct ValidCtx {
  const loader::Listener* l;
  uint64_t id;
};
bool id_still_valid(void* p) {
  auto* c = static_cast<ValidCtx*>(p);
  auto r = c->l->id_valid(c->id);
  return r && *r;
}

std::string errno_label(int e) {
  const char* name = strerrorname_np(e);
  return name ? std::string(name) : std::to_string(e);
}

// "errno(EPERM)" rather than "errno(1)"; other actions as the disassembler names them.
std::string action_label(uint32_t ret) {
  if (bpf::action_of(ret) == bpf::kRetErrno) return "errno(" + errno_label(bpf::data_of(ret)) + ")";
  return bpf::action_name(ret);
}

}  // namespace

void Supervisor::handle(const loader::Notification& n) {
  const pid_t tid = static_cast<pid_t>(n.pid);
  const uint32_t ret = original_(n.data);
  const uint32_t act = bpf::action_of(ret);
  const uint16_t data = bpf::data_of(ret);

  ValidCtx ctx{&listener_, n.id};
  const std::string call = format_call(n.data, tid, true, id_still_valid, &ctx);
  const auto a = arch_of(n.data);
  const std::string arch_name = a ? std::string(arch::info(*a).name) : hex(n.data.arch);
  const std::string action = action_label(ret);
  const std::string label = syscall_label(n.data);
  // clone3 -> ENOSYS is how policies (the default one, Docker's) make the C library fall back to
  // clone, whose flags a filter can see: the intended answer, not a denial.
  const bool fallback = label == "clone3" && act == bpf::kRetErrno && data == ENOSYS;

  std::string answer;
  if (act == bpf::kRetErrno) {
    answer = data ? "-1 " + errno_label(data) : "0";
  } else if (act == bpf::kRetKillProcess || act == bpf::kRetKillThread) {
    answer = "process killed";
  } else if (act == bpf::kRetTrap) {
    answer = "-1 ENOSYS + SIGSYS";
  } else if (act == bpf::kRetAllow || act == bpf::kRetLog) {
    answer = "allowed";
  } else {
    answer = "-1 ENOSYS";
  }
  if (fallback) {
    out_ << "sysfence: note [pid " << tid << "] " << call << " on " << arch_name
         << ": -1 ENOSYS, the policy's intended fallback (the C library retries with clone, "
            "whose flags the filter checks)\n";
  } else {
    out_ << "sysfence: denied [pid " << tid << "] " << call << " on " << arch_name << ": " << action
         << " -> " << answer << '\n';
    ++total_;
    Count& c = summary_[label + (a && *a != arch::native_arch() ? " (" + arch_name + ")" : "")];
    ++c.calls;
    c.action = action;
    c.rule = label.rfind("syscall ", 0) == 0 ? "" : label + ": allow";
  }

  Result<void> r;
  if (act == bpf::kRetErrno) {
    r = data ? listener_.respond_error(n.id, data) : listener_.respond_value(n.id, 0);
  } else if (act == bpf::kRetKillProcess || act == bpf::kRetKillThread) {
    // The kernel would kill without running the syscall: kill first, then the answer is moot.
    const pid_t tgid = tgid_of(tid);
    killed_[tgid] = true;
    ::kill(tgid, SIGKILL);
    r = listener_.respond_error(n.id, ENOSYS);
  } else if (act == bpf::kRetTrap) {
    const pid_t tgid = tgid_of(tid);
    r = listener_.respond_error(n.id, ENOSYS);
    ::syscall(SYS_tgkill, tgid, tid, SIGSYS);
  } else if (act == bpf::kRetAllow || act == bpf::kRetLog) {
    r = listener_.respond_continue(n.id);
  } else {
    r = listener_.respond_error(n.id, ENOSYS);
  }
  if (!r && r.error().sys_errno != ENOENT) {
    out_ << "sysfence: could not answer the notification: " << r.error().render();
  }
}

int Supervisor::serve() {
  bool listening = true;
  while (true) {
    pollfd fds[2] = {{pidfd_, POLLIN, 0}, {listener_.fd(), POLLIN, 0}};
    const int nfds = listening ? 2 : 1;
    int rc = ::poll(fds, static_cast<nfds_t>(nfds), -1);
    if (rc < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (listening && (fds[1].revents & POLLIN)) {
      auto n = listener_.receive();
      if (n) {
        handle(*n);
        continue;  // serve every pending notification before looking at the child again
      }
      if (n.error().sys_errno != ENOENT && n.error().sys_errno != EINTR) listening = false;
    } else if (listening && (fds[1].revents & (POLLHUP | POLLERR))) {
      listening = false;  // no task uses the filter any more
    }
    if (fds[0].revents & POLLIN) break;
  }
  int status = 0;
  while (::waitpid(child_, &status, 0) < 0 && errno == EINTR) {}
  return status;
}

void Supervisor::print_summary() const {
  if (total_ == 0) {
    out_ << "sysfence: report: no syscall was denied\n";
    return;
  }
  out_ << "sysfence: report: " << total_ << " denied syscall" << (total_ == 1 ? "" : "s") << ":\n";
  for (const auto& [name, c] : summary_) {
    out_ << "  " << name << ": " << c.calls << "x " << c.action;
    if (!c.rule.empty()) out_ << "; a rule that allows it: `" << c.rule << "`";
    out_ << '\n';
  }
}

}  // namespace sysfence::report
