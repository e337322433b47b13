// tests/sandbox/hostile.cpp — a hostile program: tries each escape the sandbox must stop and
// prints one line per attempt, "NAME=ok" or "NAME=<errno name>" (counts print as numbers).
//
//   hostile shadow=/etc/shadow read=/x/outside/secret write_out=/x/outside/new write_in=/x/rw/new
//           exec=/x/ro/true connect_ok=PORT connect_no=PORT bind=PORT abstract=NAME target=PID
//           procs ifaces as=BYTES nofile=N setuid=/x/rw/suid mount=/x/rw/mnt userns
// The attempts run in the order given; each one cleans up after itself.
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <string>
#include <vector>

namespace {

std::string errname(int e) {
  switch (e) {
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ENOMEM: return "ENOMEM";
    case EMFILE: return "EMFILE";
    case ESRCH: return "ESRCH";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENETUNREACH: return "ENETUNREACH";
    case EADDRINUSE: return "EADDRINUSE";
    case EROFS: return "EROFS";
    case EINVAL: return "EINVAL";
    case ENOSYS: return "ENOSYS";
    case EXDEV: return "EXDEV";
    default: return "errno" + std::to_string(e);
  }
}

std::string result(bool ok) { return ok ? "ok" : errname(errno); }

std::string try_read(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errname(errno);
  char c;
  const bool ok = ::read(fd, &c, 1) >= 0;
  ::close(fd);
  return result(ok);
}

std::string try_write(const char* path) {
  const int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errname(errno);
  const bool ok = ::write(fd, "x", 1) == 1;
  ::close(fd);
  ::unlink(path);
  return result(ok);
}

std::string try_exec(const char* path) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return errname(errno);
  const pid_t pid = ::fork();
  if (pid == 0) {
    char* argv[] = {const_cast<char*>(path), nullptr};
    ::execv(path, argv);
    const int e = errno;
    (void)!::write(p[1], &e, sizeof e);
    ::_exit(127);
  }
  ::close(p[1]);
  int e = 0;
  const ssize_t n = ::read(p[0], &e, sizeof e);
  ::close(p[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  if (n == sizeof e) return errname(e);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "failed";
}

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

std::string try_connect(int port) {
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errname(errno);
  sockaddr_in a = loopback(port);
  const bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  const std::string r = result(ok);
  ::close(s);
  return r;
}

std::string try_bind(int port) {
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errname(errno);
  sockaddr_in a = loopback(port);
  const bool ok = ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  const std::string r = result(ok);
  ::close(s);
  return r;
}

std::string try_abstract(const std::string& name) {
  const int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errname(errno);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path + 1, name.data(), std::min(name.size(), sizeof a.sun_path - 2));
  const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  const bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), len) == 0;
  const std::string r = result(ok);
  ::close(s);
  return r;
}

std::string try_ptrace(pid_t pid) {
  if (::ptrace(PTRACE_ATTACH, pid, nullptr, nullptr) != 0) return errname(errno);
  int st = 0;
  ::waitpid(pid, &st, __WALL);
  ::ptrace(PTRACE_DETACH, pid, nullptr, nullptr);
  return "ok";
}

int count_processes() {
  DIR* d = ::opendir("/proc");
  if (!d) return -1;
  int n = 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] >= '0' && e->d_name[0] <= '9') ++n;
  }
  ::closedir(d);
  return n;
}

int count_interfaces() {
  struct if_nameindex* ifs = ::if_nameindex();
  if (!ifs) return -1;
  int n = 0;
  for (auto* i = ifs; i->if_index != 0; ++i) ++n;
  ::if_freenameindex(ifs);
  return n;
}

std::string try_allocate(size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return errname(errno);
  ::munmap(p, bytes);
  return "ok";
}

std::string try_nofile(int n) {
  std::vector<int> fds;
  std::string r = "ok";
  for (int i = 0; i < n; ++i) {
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      r = errname(errno);
      break;
    }
    fds.push_back(fd);
  }
  for (int fd : fds) ::close(fd);
  return r;
}

std::string try_setuid_file(const char* path) {
  const int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  if (fd < 0) return "create:" + errname(errno);
  ::close(fd);
  const bool ok = ::chmod(path, 04755) == 0;
  std::string r = result(ok);
  struct stat st {};
  if (ok && ::stat(path, &st) == 0 && !(st.st_mode & S_ISUID)) r = "bit-cleared";
  ::unlink(path);
  return r;
}

std::string try_mount(const char* dir) {
  ::mkdir(dir, 0755);
  const bool ok = ::mount("tmpfs", dir, "tmpfs", 0, nullptr) == 0;
  const std::string r = result(ok);
  if (ok) ::umount(dir);
  ::rmdir(dir);
  return r;
}

std::string try_userns() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(::unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
  int st = 0;
  ::waitpid(pid, &st, 0);
  if (!WIFEXITED(st)) return "crashed";
  return WEXITSTATUS(st) == 0 ? "ok" : errname(WEXITSTATUS(st));
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const size_t eq = a.find('=');
    const std::string key = a.substr(0, eq);
    const std::string val = eq == std::string::npos ? "" : a.substr(eq + 1);
    std::string r;
    if (key == "shadow" || key == "read" || key == "read_in")
      r = try_read(val.c_str());
    else if (key == "write_out" || key == "write_in")
      r = try_write(val.c_str());
    else if (key == "exec")
      r = try_exec(val.c_str());
    else if (key == "connect_ok" || key == "connect_no")
      r = try_connect(std::atoi(val.c_str()));
    else if (key == "bind")
      r = try_bind(std::atoi(val.c_str()));
    else if (key == "abstract")
      r = try_abstract(val);
    else if (key == "signal")
      r = result(::kill(std::atoi(val.c_str()), 0) == 0);
    else if (key == "ptrace")
      r = try_ptrace(std::atoi(val.c_str()));
    else if (key == "procs")
      r = std::to_string(count_processes());
    else if (key == "ifaces")
      r = std::to_string(count_interfaces());
    else if (key == "as")
      r = try_allocate(std::strtoull(val.c_str(), nullptr, 10));
    else if (key == "nofile")
      r = try_nofile(std::atoi(val.c_str()));
    else if (key == "setuid")
      r = try_setuid_file(val.c_str());
    else if (key == "mount")
      r = try_mount(val.c_str());
    else if (key == "userns")
      r = try_userns();
    else {
      std::fprintf(stderr, "hostile: unknown attempt '%s'\n", argv[i]);
      return 2;
    }
    std::printf("%s=%s\n", key.c_str(), r.c_str());
  }
  return 0;
}
