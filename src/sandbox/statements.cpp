// src/sandbox/statements.cpp — meaning of the sandbox statements, and `check`'s lints.
#include "sysfence/sandbox/statements.hpp"

#include <sched.h>
#include <sys/stat.h>

#include <charconv>

#include "sysfence/arch/arch.hpp"

namespace sysfence::sandbox {
namespace {

constexpr size_t kMaxStatementErrors = 100;
constexpr size_t kMaxPathRules = 4096;
constexpr size_t kMaxMounts = 1024;
constexpr size_t kMaxPorts = 4096;
constexpr size_t kMaxEnvironment = 4096;

struct Word {
  std::string text;
  SourceLoc where;
};

// Splits on blanks; "double quotes" keep blanks. Each word knows its column.
std::vector<Word> split(const ir::SandboxStatement& st, std::vector<Error>& errors) {
  std::vector<Word> out;
  const std::string& a = st.args;
  size_t i = 0;
  while (i < a.size()) {
    if (a[i] == ' ' || a[i] == '\t') {
      ++i;
      continue;
    }
    Word w;
    w.where = st.args_where;
    w.where.col = st.args_where.col + static_cast<int>(i);
    if (a[i] == '"') {
      const size_t end = a.find('"', i + 1);
      if (end == std::string::npos) {
        errors.push_back(Error::make(ErrorCode::InvalidPolicy, "unterminated string",
                                     "close it with '\"'", w.where));
        return {};
      }
      w.text = a.substr(i + 1, end - i - 1);
      i = end + 1;
    } else {
      const size_t b = i;
      while (i < a.size() && a[i] != ' ' && a[i] != '\t') ++i;
      w.text = a.substr(b, i - b);
    }
    out.push_back(std::move(w));
  }
  return out;
}

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

class Applier {
 public:
  Applier(const StatementContext& ctx, Spec& spec, std::vector<Error>& errors)
      : ctx_(ctx), s_(spec), errors_(errors) {}

  void apply(const ir::SandboxStatement& st) {
    std::vector<Word> w = split(st, errors_);
    const std::string& k = st.keyword;
    auto err = [&](const SourceLoc& where, std::string msg, std::string hint = "") {
      if (errors_.size() > kMaxStatementErrors) return;  // apply_statements reports "too many"
      errors_.push_back(
          Error::make(ErrorCode::InvalidPolicy, std::move(msg), std::move(hint), where));
    };
    auto need = [&](size_t n, const char* usage) {
      if (w.size() >= n) return true;
      err(w.empty() ? st.where : w.back().where, "'" + k + "' needs more words",
          std::string("write: ") + usage);
      return false;
    };
    auto exactly = [&](size_t n, const char* usage) {
      if (!need(n, usage)) return false;
      if (w.size() == n) return true;
      err(w[n].where, "unexpected '" + w[n].text + "'", std::string("write: ") + usage);
      return false;
    };
    if (k == "fs") {
      if (!need(1, "fs read|read-exec|write|write-exec PATH...  or  fs none")) return;
      if (w[0].text == "none") {
        if (exactly(1, "fs none")) s_.fs_deny_all = true;
        return;
      }
      FsAccess a;
      const std::string& m = w[0].text;
      if (m == "read" || m == "ro")
        a = FsAccess::Read;
      else if (m == "read-exec" || m == "rox")
        a = FsAccess::ReadExec;
      else if (m == "write" || m == "rw")
        a = FsAccess::ReadWrite;
      else if (m == "write-exec" || m == "rwx")
        a = FsAccess::ReadWriteExec;
      else
        return err(w[0].where, "unknown file access '" + m + "'",
                   "one of: read, read-exec, write, write-exec, none");
      if (!need(2, "fs read PATH...")) return;
      for (size_t i = 1; i < w.size() && s_.paths.size() <= kMaxPathRules; ++i) {
        std::string p = expand(w[i]);
        if (p.empty()) continue;
        if (p[0] != '/') {
          err(w[i].where, "path '" + w[i].text + "' is not absolute",
              "write /path, or start it with $CWD");
          continue;
        }
        if (ctx_.skip_missing_paths && !exists(p)) continue;
        s_.paths.push_back({p, a, w[i].where});
      }
      return;
    }
    if (k == "net") {
      if (!need(1, "net none | net host | net connect tcp PORT... | net bind tcp PORT...")) return;
      if (w[0].text == "none" || w[0].text == "host") {
        if (exactly(1, "net none")) s_.net_none = w[0].text == "none";
        return;
      }
      if (w[0].text != "connect" && w[0].text != "bind") {
        return err(w[0].where, "unknown net statement '" + w[0].text + "'",
                   "one of: none, host, connect, bind");
      }
      if (!need(3, "net connect tcp PORT...")) return;
      if (w[1].text != "tcp")
        return err(w[1].where, "only tcp ports can be allowed",
                   "write: net " + w[0].text + " tcp PORT");
      for (size_t i = 2; i < w.size() && s_.connect_tcp.size() + s_.bind_tcp.size() <= kMaxPorts;
           ++i) {
        unsigned v = 0;
        auto [p, ec] = std::from_chars(w[i].text.data(), w[i].text.data() + w[i].text.size(), v);
        if (ec != std::errc() || p != w[i].text.data() + w[i].text.size() || v < 1 || v > 65535) {
          err(w[i].where, "bad TCP port '" + w[i].text + "'", "a port from 1 to 65535");
          continue;
        }
        (w[0].text == "connect" ? s_.connect_tcp : s_.bind_tcp).push_back(static_cast<uint16_t>(v));
      }
      return;
    }
    if (k == "scope") {
      if (!need(1, "scope abstract-unix signal  or  scope none")) return;
      s_.scope_abstract_unix = false;
      s_.scope_signal = false;
      for (const Word& x : w) {
        if (x.text == "abstract-unix")
          s_.scope_abstract_unix = true;
        else if (x.text == "signal")
          s_.scope_signal = true;
        else if (x.text != "none")
          err(x.where, "unknown scope '" + x.text + "'", "one of: abstract-unix, signal, none");
      }
      return;
    }
    if (k == "limit") {
      if (!exactly(2, "limit NAME SOFT[:HARD], e.g. limit nofile 256")) return;
      auto r = parse_rlimit(w[0].text + "=" + w[1].text);
      if (!r)
        return err(r.error().code == ErrorCode::UnknownName ? w[0].where : w[1].where,
                   r.error().message, r.error().hint);
      r->where = w[0].where;
      std::erase_if(s_.rlimits, [&](const Rlimit& x) { return x.resource == r->resource; });
      s_.rlimits.push_back(*r);
      return;
    }
    if (k == "namespace") {
      if (!need(1, "namespace pid net ...  or  namespace all")) return;
      for (const Word& x : w) {
        if (x.text == "map-root") {
          s_.map_root = true;
          continue;
        }
        auto f = parse_namespaces(x.text);
        if (!f) {
          err(x.where, f.error().message, f.error().hint);
          continue;
        }
        s_.unshare |= *f;
      }
      return;
    }
    if (k == "mount") {
      if (!need(2, "mount tmpfs DIR | mount bind SRC DST | mount ro-bind SRC DST")) return;
      if (w[0].text == "tmpfs") {
        if (exactly(2, "mount tmpfs DIR"))
          s_.mounts.push_back({MountSpec::Kind::Tmpfs, "", expand(w[1]), w[0].where});
        return;
      }
      if (w[0].text == "bind" || w[0].text == "ro-bind") {
        if (exactly(3, "mount bind SRC DST")) {
          s_.mounts.push_back(
              {w[0].text == "bind" ? MountSpec::Kind::Bind : MountSpec::Kind::RoBind, expand(w[1]),
               expand(w[2]), w[0].where});
        }
        return;
      }
      return err(w[0].where, "unknown mount kind '" + w[0].text + "'",
                 "one of: tmpfs, bind, ro-bind");
    }
    if (k == "hostname") {
      if (exactly(1, "hostname NAME")) s_.hostname = w[0].text;
      return;
    }
    if (k == "cap") {
      if (!need(2, "cap keep CAP...")) return;
      if (w[0].text != "keep")
        return err(w[0].where, "unknown cap statement '" + w[0].text + "'",
                   "write: cap keep CAP...");
      for (size_t i = 1; i < w.size(); ++i) {
        auto c = parse_capability(w[i].text);
        if (!c)
          err(w[i].where, c.error().message, c.error().hint);
        else
          s_.cap_keep.push_back(*c);
      }
      return;
    }
    if (k == "env") {
      if (!need(1, "env clear | env set K=V")) return;
      if (w[0].text == "clear") {
        if (exactly(1, "env clear")) s_.clearenv = true;
        return;
      }
      if (w[0].text != "set")
        return err(w[0].where, "unknown env statement '" + w[0].text + "'", "one of: clear, set");
      if (!exactly(2, "env set K=V")) return;
      const size_t eq = w[1].text.find('=');
      if (eq == std::string::npos || eq == 0)
        return err(w[1].where, "'" + w[1].text + "' is not K=V");
      s_.setenv.emplace_back(w[1].text.substr(0, eq), w[1].text.substr(eq + 1));
      return;
    }
    if (k == "chdir") {
      if (exactly(1, "chdir DIR")) s_.chdir = expand(w[0]);
      return;
    }
    if (k == "keep-fd") {
      if (!need(1, "keep-fd N...")) return;
      for (const Word& x : w) {
        int v = -1;
        auto [p, ec] = std::from_chars(x.text.data(), x.text.data() + x.text.size(), v);
        if (ec != std::errc() || p != x.text.data() + x.text.size() || v < 0)
          err(x.where, "bad descriptor '" + x.text + "'");
        else
          s_.keep_fds.push_back(v);
      }
      return;
    }
    if (k == "new-session") {
      if (exactly(0, "new-session")) s_.new_session = true;
      return;
    }
    if (k == "landlock") {
      if (!exactly(1, "landlock best-effort|strict|off")) return;
      if (w[0].text == "best-effort")
        s_.landlock = LandlockMode::BestEffort;
      else if (w[0].text == "strict")
        s_.landlock = LandlockMode::Strict;
      else if (w[0].text == "off")
        s_.landlock = LandlockMode::Off;
      else
        err(w[0].where, "unknown Landlock mode '" + w[0].text + "'",
            "one of: best-effort, strict, off");
      return;
    }
    err(st.where, "unknown sandbox statement '" + k + "'");
  }

 private:
  std::string expand(const Word& w) {
    std::string p = w.text;
    for (auto [var, value] : {std::pair<std::string, const std::string*>{"$CWD", &ctx_.cwd},
                              {"$HOME", &ctx_.home},
                              {"$TMPDIR", &ctx_.tmpdir}}) {
      if (p.rfind(var, 0) == 0 && (p.size() == var.size() || p[var.size()] == '/')) {
        if (value->empty()) {
          errors_.push_back(Error::make(ErrorCode::InvalidPolicy, var + " is not known here",
                                        "give the path itself", w.where));
          return "";
        }
        p = *value + p.substr(var.size());
      }
    }
    if (!p.empty() && p[0] == '$') {
      errors_.push_back(Error::make(ErrorCode::InvalidPolicy,
                                    "unknown variable in '" + w.text + "'",
                                    "known: $CWD, $HOME, $TMPDIR", w.where));
      return "";
    }
    return p;
  }

  const StatementContext& ctx_;
  Spec& s_;
  std::vector<Error>& errors_;
};

bool beneath(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

}  // namespace

std::vector<Error> apply_statements(const std::vector<ir::SandboxStatement>& statements,
                                    const StatementContext& ctx, Spec& spec) {
  std::vector<Error> errors;
  Applier a(ctx, spec, errors);
  for (const auto& st : statements) {
    a.apply(st);
    if (errors.size() >= kMaxStatementErrors) {
      errors.resize(kMaxStatementErrors);
      errors.push_back(Error::make(ErrorCode::InvalidPolicy,
                                   "too many errors in the sandbox statements; stopping here",
                                   "fix these first", st.where));
      break;
    }
    // Bounds on what one policy may ask for (input-size independent memory and work: each path
    // is an open() and a Landlock rule, each mount a mount step, and `check` compares them).
    const char* what = spec.paths.size() > kMaxPathRules                            ? "fs paths"
                       : spec.mounts.size() > kMaxMounts                            ? "mounts"
                       : spec.connect_tcp.size() + spec.bind_tcp.size() > kMaxPorts ? "TCP ports"
                       : spec.setenv.size() > kMaxEnvironment ? "env set statements"
                       : spec.keep_fds.size() + spec.cap_keep.size() > kMaxPorts
                           ? "keep-fd/cap keep words"
                           : nullptr;
    if (what) {
      errors.push_back(
          Error::make(ErrorCode::InvalidPolicy,
                      std::string("the sandbox statements give more than the limit of ") + what +
                          " (paths " + std::to_string(kMaxPathRules) + ", mounts " +
                          std::to_string(kMaxMounts) + ", ports " + std::to_string(kMaxPorts) +
                          ", env " + std::to_string(kMaxEnvironment) + ")",
                      "allow a directory instead of its files, or split the sandbox", st.where));
      break;
    }
  }
  return errors;
}

std::vector<Error> lint(const Spec& spec, const ir::ValidatedPolicy& policy) {
  std::vector<Error> out;
  for (const PathRule& r : spec.paths) {
    if (!exists(r.path)) {
      out.push_back(Error::warning(ErrorCode::Lint,
                                   "'" + r.path + "' does not exist: the sandbox will not start",
                                   "create it, or remove the rule", r.where));
    }
    if (r.access == FsAccess::ReadWrite || r.access == FsAccess::ReadWriteExec) {
      for (const MountSpec& m : spec.mounts) {
        if (m.kind == MountSpec::Kind::RoBind && beneath(r.path, m.target)) {
          Error e =
              Error::warning(ErrorCode::Lint,
                             "write rule for '" + r.path + "' under the read-only bind on '" +
                                 m.target + "': writes there fail with EROFS",
                             "bind it with `mount bind`, or make the rule read-only", r.where);
          e.notes.push_back({"the read-only bind is here", m.where});
          out.push_back(std::move(e));
        }
      }
    }
  }
  // execve: the sandboxed program is started by execve under the filter.
  const auto arches = policy.arches();
  const arch::Arch a = arches.empty() ? arch::native_arch() : arches.front();
  if (auto nr = arch::syscall_number(a, "execve")) {
    bool allowed = policy.spec().default_action.kind == ir::ActionKind::Allow;
    bool denied_unconditionally = false;
    for (const ir::ResolvedRule& r : policy.rules_for(a)) {
      if (r.nr != *nr) continue;
      if (r.rule->action.kind == ir::ActionKind::Allow ||
          r.rule->action.kind == ir::ActionKind::Log)
        allowed = true;
      else if (r.rule->conds.empty())
        denied_unconditionally = true;
    }
    if (!allowed || denied_unconditionally) {
      out.push_back(Error::warning(
          ErrorCode::Lint,
          "the syscall policy does not allow execve: the sandboxed program can never start",
          "add `execve: allow`", policy.spec().loc));
    }
  }
  return out;
}

}  // namespace sysfence::sandbox
