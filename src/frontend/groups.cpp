// sysfence's curated syscall groups. Each group names syscalls across every arch; members that
// do not exist on an arch drop out there. Members starting with '@' include another group.
#include "sysfence/frontend/groups.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "frontend/names.hpp"

namespace sysfence::frontend {
namespace {

struct GroupDef {
  std::string_view name;
  std::string_view description;
  std::string_view members;  // space-separated
};

// Keep descriptions to one line: `sysfence groups` prints them next to the names.
constexpr GroupDef kGroups[] = {
    {"@aio", "POSIX/Linux asynchronous I/O (io_setup, io_submit, ...)",
     "io_setup io_destroy io_submit io_cancel io_getevents io_pgetevents io_pgetevents_time64"},
    {"@basic-io", "read and write open descriptors, duplicate, close, seek, pipes",
     "read write readv writev pread64 pwrite64 preadv pwritev preadv2 pwritev2 close close_range "
     "dup dup2 dup3 lseek _llseek sendfile sendfile64 splice tee vmsplice copy_file_range pipe "
     "pipe2 fcntl fcntl64"},
    {"@credentials", "read and change user and group ids and capabilities",
     "getuid geteuid getgid getegid getuid32 geteuid32 getgid32 getegid32 getresuid getresgid "
     "getresuid32 getresgid32 getgroups getgroups32 setuid setgid setuid32 setgid32 setreuid "
     "setregid setreuid32 setregid32 setresuid setresgid setresuid32 setresgid32 setgroups "
     "setgroups32 setfsuid setfsgid setfsuid32 setfsgid32 capget capset"},
    {"@debug", "look into or control other processes: ptrace, process_vm_*, perf, kcmp",
     "ptrace process_vm_readv process_vm_writev kcmp perf_event_open lookup_dcookie pidfd_getfd "
     "process_madvise"},
    {"@file-system", "paths, directories, metadata, links, permissions, xattrs, inotify",
     "open openat openat2 creat access faccessat faccessat2 stat lstat fstat newfstatat statx "
     "stat64 lstat64 fstat64 fstatat64 statfs fstatfs statfs64 fstatfs64 getdents getdents64 "
     "readlink readlinkat mkdir mkdirat rmdir unlink unlinkat rename renameat renameat2 link "
     "linkat symlink symlinkat chmod fchmod fchmodat fchmodat2 chown fchown lchown fchownat "
     "chown32 fchown32 lchown32 truncate ftruncate truncate64 ftruncate64 fallocate fsync "
     "fdatasync sync syncfs sync_file_range arm_sync_file_range utime utimes "
     "futimesat utimensat utimensat_time64 chdir fchdir getcwd umask mknod mknodat flock "
     "fadvise64 fadvise64_64 arm_fadvise64_64 readahead getxattr lgetxattr fgetxattr setxattr "
     "lsetxattr fsetxattr listxattr llistxattr flistxattr removexattr lremovexattr fremovexattr "
     "getxattrat setxattrat listxattrat removexattrat inotify_init inotify_init1 "
     "inotify_add_watch inotify_rm_watch name_to_handle_at cachestat file_getattr file_setattr"},
    {"@io-event", "wait for descriptors: select, poll, epoll, eventfd",
     "select _newselect pselect6 pselect6_time64 poll ppoll ppoll_time64 epoll_create "
     "epoll_create1 epoll_ctl epoll_ctl_old epoll_wait epoll_wait_old epoll_pwait epoll_pwait2 "
     "eventfd eventfd2"},
    {"@io-uring", "io_uring (a large kernel attack surface; denied by the default policy)",
     "io_uring_setup io_uring_enter io_uring_register"},
    {"@ioctl", "ioctl: device control, anything from terminal settings to TIOCSTI", "ioctl"},
    {"@ipc", "System V and POSIX message queues, semaphores, shared memory",
     "shmget shmat shmdt shmctl semget semop semtimedop semtimedop_time64 semctl msgget msgsnd "
     "msgrcv msgctl ipc mq_open mq_unlink mq_timedsend mq_timedsend_time64 mq_timedreceive "
     "mq_timedreceive_time64 mq_notify mq_getsetattr"},
    {"@keyring", "the kernel keyring (not namespaced)", "add_key request_key keyctl"},
    {"@landlock", "Landlock: let a process restrict its own file system access",
     "landlock_create_ruleset landlock_add_rule landlock_restrict_self"},
    {"@memory", "map, unmap and protect memory, memfd, memory barriers",
     "brk mmap mmap2 munmap mremap mprotect pkey_mprotect pkey_alloc pkey_free madvise mlock "
     "mlock2 munlock mlockall munlockall mincore msync memfd_create memfd_secret membarrier "
     "remap_file_pages map_shadow_stack mseal process_mrelease"},
    {"@module", "load and unload kernel modules",
     "init_module finit_module delete_module create_module query_module get_kernel_syms"},
    {"@mount", "mount, unmount and inspect mounts, change the root",
     "mount umount umount2 pivot_root fsopen fsconfig fsmount fspick move_mount open_tree "
     "open_tree_attr mount_setattr statmount listmount"},
    {"@namespace", "create or enter namespaces (clone's namespace flags are a separate check)",
     "unshare setns"},
    {"@network", "sockets: create, connect, send, receive, options",
     "socket socketpair bind connect listen accept accept4 getsockname getpeername sendto "
     "recvfrom sendmsg recvmsg sendmmsg recvmmsg recvmmsg_time64 shutdown setsockopt getsockopt "
     "socketcall send recv"},
    {"@numa", "NUMA memory policy (needs CAP_SYS_NICE in Docker's profile)",
     "get_mempolicy set_mempolicy mbind set_mempolicy_home_node migrate_pages move_pages"},
    {"@obsolete", "syscalls no current program needs (unimplemented or long superseded)",
     "_sysctl afs_syscall break create_module ftime get_kernel_syms getpmsg gtty idle lock mpx "
     "prof profil putpmsg query_module security sgetmask ssetmask stty sysfs tuxcall ulimit "
     "uselib ustat vserver oldfstat oldlstat oldstat oldolduname olduname readdir bdflush "
     "nfsservctl vm86 vm86old"},
    {"@privileged", "need capabilities: clock, reboot, swap, accounting, raw I/O, host names, ...",
     "acct settimeofday stime clock_settime clock_settime64 reboot kexec_load kexec_file_load "
     "sethostname setdomainname swapon swapoff chroot iopl ioperm vhangup syslog quotactl "
     "quotactl_fd open_by_handle_at fanotify_init fanotify_mark bpf userfaultfd @module @mount "
     "@keyring @namespace"},
    {"@process", "create, run, wait for and end processes and threads; limits and scheduling",
     "fork vfork clone clone3 execve execveat exit exit_group wait4 waitid waitpid getpid getppid "
     "gettid getpgid setpgid getpgrp getsid setsid prctl arch_prctl set_tid_address "
     "set_robust_list get_robust_list rseq set_thread_area get_thread_area set_tls get_tls "
     "sched_yield sched_getaffinity sched_setaffinity sched_getparam sched_setparam "
     "sched_getscheduler sched_setscheduler sched_get_priority_max sched_get_priority_min "
     "sched_rr_get_interval sched_rr_get_interval_time64 sched_getattr sched_setattr getpriority "
     "setpriority ioprio_get ioprio_set getrlimit setrlimit prlimit64 ugetrlimit getrusage times "
     "uname sysinfo getcpu getrandom futex futex_time64 futex_waitv futex_wake futex_wait "
     "futex_requeue pidfd_open pidfd_send_signal seccomp riscv_flush_icache riscv_hwprobe "
     "cacheflush breakpoint"},
    {"@reboot", "reboot the machine or load a new kernel", "reboot kexec_load kexec_file_load"},
    {"@signal", "send, handle, mask and wait for signals",
     "rt_sigaction rt_sigprocmask rt_sigreturn rt_sigpending rt_sigsuspend rt_sigtimedwait "
     "rt_sigtimedwait_time64 rt_sigqueueinfo rt_tgsigqueueinfo sigaction sigprocmask sigreturn "
     "sigpending sigsuspend signal sigaltstack kill tkill tgkill signalfd signalfd4 pause "
     "restart_syscall"},
    {"@time", "read clocks, sleep, timers (setting the clock is @privileged)",
     "time gettimeofday clock_gettime clock_gettime64 clock_getres clock_getres_time64 "
     "clock_nanosleep clock_nanosleep_time64 nanosleep alarm getitimer setitimer timer_create "
     "timer_settime timer_settime64 timer_gettime timer_gettime64 timer_getoverrun timer_delete "
     "timerfd_create timerfd_settime timerfd_settime64 timerfd_gettime timerfd_gettime64 "
     "adjtimex clock_adjtime clock_adjtime64"},
};

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t b = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out;
}

const GroupDef* def_of(std::string_view name) {
  for (const GroupDef& g : kGroups)
    if (g.name == name) return &g;
  return nullptr;
}

void expand(const GroupDef& g, std::vector<std::string_view>& out, int depth) {
  for (std::string_view m : split(g.members)) {
    if (!m.empty() && m[0] == '@') {
      if (const GroupDef* sub = def_of(m); sub && depth < 8) expand(*sub, out, depth + 1);
    } else {
      out.push_back(m);
    }
  }
}

const std::vector<SyscallGroup>& table() {
  static const std::vector<SyscallGroup> t = [] {
    std::vector<SyscallGroup> v;
    for (const GroupDef& g : kGroups) {
      SyscallGroup s{g.name, g.description, {}};
      expand(g, s.syscalls, 0);
      std::sort(s.syscalls.begin(), s.syscalls.end());
      s.syscalls.erase(std::unique(s.syscalls.begin(), s.syscalls.end()), s.syscalls.end());
      v.push_back(std::move(s));
    }
    return v;
  }();
  return t;
}

}  // namespace

std::span<const SyscallGroup> syscall_groups() { return table(); }

const SyscallGroup* find_group(std::string_view name) {
  std::string full = !name.empty() && name[0] == '@' ? std::string(name) : "@" + std::string(name);
  for (const SyscallGroup& g : table())
    if (g.name == full) return &g;
  return nullptr;
}

std::vector<std::string_view> expand_group(std::string_view name, arch::Arch a) {
  std::vector<std::string_view> out;
  const SyscallGroup* g = find_group(name);
  if (!g) return out;
  for (std::string_view s : g->syscalls)
    if (arch::syscall_number(a, s)) out.push_back(s);
  return out;
}

std::string nearest_group_name(std::string_view name) {
  std::vector<std::string_view> names;
  for (const SyscallGroup& g : table()) names.push_back(g.name);
  std::string full = !name.empty() && name[0] == '@' ? std::string(name) : "@" + std::string(name);
  return detail::nearest_of(full, names);
}

}  // namespace sysfence::frontend
