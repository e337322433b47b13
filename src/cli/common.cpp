// src/cli/common.cpp — see common.hpp.
#include "common.hpp"

#include "sysfence/input_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <iterator>
#include <sstream>

namespace sysfence::cli {

std::string read_file(const std::string& path) {
  // Bounded (16 MiB) and refusing directories: raw BPF, asm and batch inputs come from users.
  Result<std::string> r = read_input_file(path == "-" ? "/dev/stdin" : path);
  if (!r) fail_usage(r.error().message);
  return std::move(*r);
}

void init_streams() {
  // Constructed once, destroyed at exit (which flushes std::cout), as <iostream>'s would be.
  static const std::ios_base::Init streams;
}

namespace {

// All of `data` to `fd`; false on an error (EINTR retried).
bool write_all(int fd, std::string_view data) {
  for (size_t done = 0; done < data.size();) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

void write_stderr(std::string_view text) { (void)write_all(STDERR_FILENO, text); }

void write_file(const std::string& path, std::string_view data) {
  if (path == "-") {
    std::ostream& out = out_stream();
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    if (!out) fail("stdout: write error");
    return;
  }
  // Plain system calls (what std::ofstream did: the same open flags and mode), without a stream
  // and its locale, which are a tenth of `compile FILE -o OUT`'s start-up instructions.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);  // NOLINT(*-vararg)
  if (fd < 0) fail(path + ": " + std::strerror(errno));
  const bool written = write_all(fd, data);
  if (::close(fd) != 0 || !written) fail(path + ": write error");
}

void print_json(const nlohmann::json& j) { out_stream() << j.dump(2) << '\n'; }

nlohmann::json diagnostic_json(const Error& e) {
  nlohmann::json j = {{"message", e.text()}, {"rendered", e.render(false)}};
  if (!e.where.file.empty()) j["file"] = e.where.file;
  if (e.where.line > 0) {
    j["line"] = e.where.line;
    j["col"] = e.where.col;
  }
  if (!e.where.json_path.empty()) j["json_path"] = e.where.json_path;
  if (!e.hint.empty()) j["hint"] = e.hint;
  return j;
}

nlohmann::json failure_json(const Exit& e) {
  nlohmann::json errors = nlohmann::json::array();
  for (const Error& d : e.diagnostics) errors.push_back(diagnostic_json(d));
  if (errors.empty()) {
    std::string m = e.message;
    while (!m.empty() && m.back() == '\n') m.pop_back();
    if (m.rfind("sysfence: ", 0) == 0) m.erase(0, 10);
    errors.push_back({{"message", m}});
  }
  return {{"ok", false}, {"exit_code", e.code}, {"errors", errors}};
}

std::string arch_names_list() {
  std::string s;
  for (const auto& a : arch::all_arches()) {
    if (!s.empty()) s += ", ";
    s += a.name;
  }
  return s;
}

arch::Arch parse_arch(const std::string& name) {
  if (name == "native") return arch::native_arch();
  auto a = arch::arch_from_name(name);
  if (!a) fail_usage("unknown arch \"" + name + "\" (known: " + arch_names_list() + ", native)");
  return *a;
}

std::vector<arch::Arch> parse_arches(const std::vector<std::string>& names) {
  std::vector<arch::Arch> out;
  out.reserve(names.size());
  for (const auto& n : names) out.push_back(parse_arch(n));
  return out;
}

std::optional<uint64_t> parse_number(std::string_view s) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  uint64_t v = 0;
  for (char c : s) {
    unsigned d;
    if (c >= '0' && c <= '9')
      d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      d = static_cast<unsigned>(c - 'A' + 10);
    else
      return std::nullopt;
    if (d >= base) return std::nullopt;
    if (v > (UINT64_MAX - d) / base) return std::nullopt;  // overflow
    v = v * base + d;
  }
  return neg ? (~v + 1) : v;
}

int32_t resolve_syscall(arch::Arch a, const std::string& name_or_nr) {
  if (auto n = parse_number(name_or_nr)) return static_cast<int32_t>(static_cast<uint32_t>(*n));
  if (auto nr = arch::syscall_number(a, name_or_nr)) return *nr;
  std::string msg = "unknown syscall \"" + name_or_nr + "\" on " + std::string(arch::info(a).name);
  std::string near = arch::nearest_syscall_name(name_or_nr);
  if (!near.empty() && near != name_or_nr) msg += " (did you mean \"" + near + "\"?)";
  fail_usage(msg);
}

}  // namespace sysfence::cli
