// src/cli/sandbox_options.cpp — `run`'s sandbox flags -> sandbox::Spec -> sandbox::Plan.
#include "sandbox_options.hpp"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <iostream>

#include "common.hpp"
#include "sysfence/frontend/policy_text.hpp"
#include "sysfence/sandbox/statements.hpp"

extern char** environ;

namespace sysfence::cli {
namespace {

uint16_t parse_port(const std::string& s, const char* flag) {
  auto v = parse_number(s);
  if (!v || *v < 1 || *v > 65535)
    fail_usage(std::string(flag) + ": bad TCP port '" + s + "' (1 to 65535)");
  return static_cast<uint16_t>(*v);
}

uint32_t parse_id(const std::string& s, const char* flag) {
  auto v = parse_number(s);
  if (!v || *v >= 0xffffffffu) fail_usage(std::string(flag) + ": bad id '" + s + "'");
  return static_cast<uint32_t>(*v);
}

// "--connect-tcp 80,443" and repeated flags alike.
std::vector<std::string> split_commas(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const std::string& s : in) {
    size_t start = 0;
    while (start <= s.size()) {
      size_t end = s.find(',', start);
      if (end == std::string::npos) end = s.size();
      out.push_back(s.substr(start, end - start));
      start = end + 1;
    }
  }
  return out;
}

std::string current_dir() {
  char buf[PATH_MAX];
  return ::getcwd(buf, sizeof buf) ? buf : "";
}

}  // namespace

void add_sandbox_options(CLI::App* sub, SandboxOptions& o) {
  const char* g = "Sandbox";
  sub->add_option("--profile", o.profiles, "start from a named sandbox profile (untrusted)")
      ->group(g);
  sub->add_option("--ro", o.ro, "Landlock: allow reading PATH (and beneath it)")->group(g);
  sub->add_option("--rox", o.rox, "Landlock: allow reading and executing PATH")->group(g);
  sub->add_option("--rw", o.rw, "Landlock: allow reading and writing PATH")->group(g);
  sub->add_option("--rwx", o.rwx, "Landlock: allow reading, writing and executing PATH")->group(g);
  sub->add_option("--landlock", o.landlock,
                  "best-effort (default: drop what this kernel lacks, say so in one line), strict "
                  "(refuse to run instead: exit 1), off")
      ->group(g);
  sub->add_option("--net", o.net, "none: a network namespace with only loopback")->group(g);
  sub->add_option("--connect-tcp", o.connect_tcp,
                  "Landlock: allow TCP connect to PORT (repeatable, commas)")
      ->group(g);
  sub->add_option("--bind-tcp", o.bind_tcp, "Landlock: allow TCP bind to PORT")->group(g);
  sub->add_option(
         "--scope", o.scope,
         "Landlock scopes: abstract-unix,signal or none (default: both whenever Landlock is used)")
      ->group(g);
  sub->add_option("--unshare", o.unshare, "namespaces: user,pid,net,ipc,uts,mount,cgroup or all")
      ->group(g);
  sub->add_flag("--map-root", o.map_root, "in the user namespace be root (default: your own ids)")
      ->group(g);
  sub->add_option("--tmpfs", o.tmpfs, "mount a fresh tmpfs on DIR (mount namespace)")->group(g);
  sub->add_option("--ro-bind", o.ro_bind, "bind SRC on DST read-only (mount namespace)")->group(g);
  sub->add_option("--bind", o.bind, "bind SRC on DST (mount namespace)")->group(g);
  sub->add_option("--hostname", o.hostname, "host name inside a new UTS namespace")->group(g);
  sub->add_option("--rlimit", o.rlimits,
                  "NAME=SOFT[:HARD], e.g. nofile=256, as=1G (default core=0)")
      ->group(g);
  sub->add_option("--cap-drop", o.cap_drop, "all (the default: every capability set is cleared)")
      ->group(g);
  sub->add_option("--cap-keep", o.cap_keep, "keep capability CAP (e.g. net_bind_service)")
      ->group(g);
  sub->add_option("--uid", o.uid, "run as this user id (root only)")->group(g);
  sub->add_option("--gid", o.gid, "run with this group id (root only)")->group(g);
  sub->add_flag("--clearenv", o.clearenv, "start the program with an empty environment")->group(g);
  sub->add_option("--setenv", o.setenv, "K=V in the program's environment")->group(g);
  sub->add_option("--chdir", o.chdir, "working directory of the program")->group(g);
  sub->add_option("--keep-fd", o.keep_fds, "keep descriptor N open (others above 2 are closed)")
      ->group(g);
  sub->add_flag("--new-session", o.new_session, "setsid(): detach from the terminal's session")
      ->group(g);
  sub->add_flag("--dry-run", o.dry_run,
                "print the sandbox this kernel would enforce (JSON) and exit")
      ->group(g);
}

sandbox::Spec sandbox_spec_or_exit(const SandboxOptions& o,
                                   const std::vector<ir::SandboxStatement>* from_policy) {
  using namespace sandbox;
  Spec s;
  StatementContext ctx;
  // $CWD is the program's working directory: --chdir when given, else the runner's.
  ctx.cwd = !o.chdir.empty() && o.chdir[0] == '/' ? o.chdir : current_dir();
  if (const char* h = std::getenv("HOME")) ctx.home = h;
  if (const char* t = std::getenv("TMPDIR"); t && *t) ctx.tmpdir = t;
  auto apply = [&](const std::vector<ir::SandboxStatement>& statements, bool profile) {
    StatementContext c = ctx;
    c.skip_missing_paths = profile;
    auto errors = apply_statements(statements, c, s);
    if (errors.empty()) return;
    std::string text;
    for (const Error& e : errors) text += e.render();
    throw Exit{kExitUsage, text, true};
  };
  // Profiles first, then the policy file's statements, then the flags: later ones win.
  for (const std::string& name : o.profiles) {
    const std::string_view text = profile_text(name);
    if (text.empty()) {
      std::string names;
      for (auto& n : profile_names()) names += (names.empty() ? "" : ", ") + n;
      fail_usage("--profile: unknown profile '" + name + "' (known: " + names + ")");
    }
    auto parsed = frontend::parse_policy_text(text, "<profile " + name + ">");
    if (!parsed.ok()) throw Exit{kExitFail, parsed.render(), true};
    apply(parsed.value->sandbox, true);
  }
  if (from_policy) apply(*from_policy, false);
  for (auto& p : o.ro) s.paths.push_back({p, FsAccess::Read, {}});
  for (auto& p : o.rox) s.paths.push_back({p, FsAccess::ReadExec, {}});
  for (auto& p : o.rw) s.paths.push_back({p, FsAccess::ReadWrite, {}});
  for (auto& p : o.rwx) s.paths.push_back({p, FsAccess::ReadWriteExec, {}});
  if (o.landlock.empty()) {
    // as the profile or the policy file said (best effort when neither did)
  } else if (o.landlock == "best-effort") {
    s.landlock = LandlockMode::BestEffort;
  } else if (o.landlock == "strict") {
    s.landlock = LandlockMode::Strict;
  } else if (o.landlock == "off") {
    s.landlock = LandlockMode::Off;
  } else {
    fail_usage("--landlock: '" + o.landlock + "' is not one of best-effort, strict, off");
  }
  if (!o.net.empty()) {
    if (o.net == "none") {
      s.net_none = true;
    } else if (o.net != "host") {
      fail_usage("--net: '" + o.net + "' is not one of none, host");
    } else {
      s.net_none = false;
    }
  }
  for (auto& p : split_commas(o.connect_tcp))
    s.connect_tcp.push_back(parse_port(p, "--connect-tcp"));
  for (auto& p : split_commas(o.bind_tcp)) s.bind_tcp.push_back(parse_port(p, "--bind-tcp"));
  if (!o.scope.empty()) {
    s.scope_abstract_unix = false;
    s.scope_signal = false;
    for (auto& item : split_commas({o.scope})) {
      if (item == "abstract-unix") {
        s.scope_abstract_unix = true;
      } else if (item == "signal") {
        s.scope_signal = true;
      } else if (item != "none") {
        fail_usage("--scope: '" + item + "' is not one of abstract-unix, signal, none");
      }
    }
  }
  for (auto& u : o.unshare) s.unshare |= take(parse_namespaces(u));
  s.map_root = o.map_root;
  for (auto& d : o.tmpfs) s.mounts.push_back({MountSpec::Kind::Tmpfs, "", d, {}});
  for (auto& [src, dst] : o.ro_bind) s.mounts.push_back({MountSpec::Kind::RoBind, src, dst, {}});
  for (auto& [src, dst] : o.bind) s.mounts.push_back({MountSpec::Kind::Bind, src, dst, {}});
  if (!o.hostname.empty()) s.hostname = o.hostname;
  for (auto& r : o.rlimits) {
    auto parsed = take(parse_rlimit(r));
    std::erase_if(s.rlimits,
                  [&](const Rlimit& x) { return x.resource == parsed.resource; });  // flags win
    s.rlimits.push_back(parsed);
  }
  if (!o.cap_drop.empty() && o.cap_drop != "all") {
    fail_usage("--cap-drop: only 'all' is supported (keep some with --cap-keep CAP)");
  }
  for (auto& c : split_commas(o.cap_keep)) s.cap_keep.push_back(take(parse_capability(c)));
  if (!o.uid.empty()) s.uid = parse_id(o.uid, "--uid");
  if (!o.gid.empty()) s.gid = parse_id(o.gid, "--gid");
  s.clearenv = o.clearenv;
  for (auto& kv : o.setenv) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos) fail_usage("--setenv: '" + kv + "' is not K=V");
    s.setenv.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  if (!o.chdir.empty()) s.chdir = o.chdir;
  s.keep_fds = o.keep_fds;
  s.new_session = o.new_session;
  s.no_setuid_files = s.asks_for_layers();
  return s;
}

nlohmann::json sandbox_json(const sandbox::Plan& p) {
  using namespace sandbox;
  using nlohmann::json;
  const Spec& s = p.sandbox.spec();
  auto names = [](uint64_t bits, std::initializer_list<const char*> all) {
    json a = json::array();
    int i = 0;
    for (const char* n : all) {
      if ((bits >> i++) & 1) a.push_back(n);
    }
    return a;
  };
  auto fs_names = [&](uint64_t bits) {
    return names(bits, {"execute", "write_file", "read_file", "read_dir", "remove_dir",
                        "remove_file", "make_char", "make_dir", "make_reg", "make_sock",
                        "make_fifo", "make_block", "make_sym", "refer", "truncate", "ioctl_dev"});
  };
  json ll;
  ll["abi"] = p.kernel.landlock_abi;
  ll["enforced"] = p.landlock;
  if (p.handled_fs) {
    json rules = json::array();
    for (size_t i = 0; i < p.fs_rules.size(); ++i) {
      rules.push_back({{"path", p.fs_rules[i].first},
                       {"as", std::string(fs_access_name(s.paths[i].access))},
                       {"allowed", fs_names(p.fs_rules[i].second)}});
    }
    ll["files"] = {{"handled", fs_names(p.handled_fs)}, {"rules", rules}};
  } else {
    ll["files"] = nullptr;
  }
  if (p.handled_net) {
    json connect = json::array(), bind = json::array();
    for (auto& [port, acc] : p.net_rules)
      (acc == ll::kNetConnectTcp ? connect : bind).push_back(port);
    ll["tcp"] = {{"connect", connect}, {"bind", bind}};
  } else {
    ll["tcp"] = nullptr;
  }
  ll["scoped"] = names(p.scoped, {"abstract_unix", "signal"});
  ll["not_enforced"] = p.not_enforced.empty() ? json(nullptr) : json(p.not_enforced);
  json ns;
  json list = json::array();
  if (p.unshare) {
    const std::string text = namespaces_to_string(p.unshare);
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find(',', start);
      if (end == std::string::npos) end = text.size();
      list.push_back(text.substr(start, end - start));
      start = end + 1;
    }
  }
  ns["unshared"] = list;
  ns["user_added"] = p.user_ns_added;
  if (p.unshare & CLONE_NEWUSER) ns["inside"] = s.map_root ? "root" : "same ids";
  ns["init"] = (p.unshare & CLONE_NEWPID) != 0;
  ns["network"] = (p.unshare & CLONE_NEWNET) ? json("loopback only") : json("host");
  json mounts = json::array();
  for (auto& m : s.mounts) {
    const char* kind = m.kind == MountSpec::Kind::Tmpfs  ? "tmpfs"
                       : m.kind == MountSpec::Kind::Bind ? "bind"
                                                         : "ro-bind";
    json e = {{"kind", kind}, {"target", m.target}};
    if (!m.source.empty()) e["source"] = m.source;
    mounts.push_back(e);
  }
  ns["mounts"] = mounts;
  ns["fresh_proc"] = (p.unshare & CLONE_NEWPID) != 0;
  ns["hostname"] = s.hostname ? json(*s.hostname) : json(nullptr);
  json limits = json::object();
  auto amount = [](uint64_t v) { return v == RLIM_INFINITY ? json("unlimited") : json(v); };
  for (auto& r : p.rlimits) {
    limits[std::string(rlimit_name(r.resource))] = {{"soft", amount(r.soft)},
                                                    {"hard", amount(r.hard)}};
  }
  json caps = json::array();
  for (int c : s.cap_keep) caps.push_back(capability_name(c));
  json priv = {{"no_new_privs", true}, {"capabilities_kept", caps}};
  priv["uid"] = s.uid ? json(*s.uid) : json(nullptr);
  priv["gid"] = s.gid ? json(*s.gid) : json(nullptr);
  json set = json::array();
  for (auto& [k, v] : s.setenv) set.push_back(k);
  json fds = {0, 1, 2};
  for (int fd : s.keep_fds) fds.push_back(fd);
  json env = {{"cleared", s.clearenv},
              {"set", set},
              {"chdir", s.chdir ? json(*s.chdir) : json(nullptr)},
              {"descriptors_kept", fds},
              {"new_session", s.new_session}};
  return {{"landlock", ll},
          {"namespaces", ns},
          {"rlimits", limits},
          {"privilege", priv},
          {"environment", env}};
}

SandboxFindings check_sandbox_statements(const ir::ValidatedPolicy& policy) {
  SandboxFindings f;
  const auto& statements = policy.spec().sandbox;
  if (statements.empty()) return f;
  sandbox::Spec s;
  sandbox::StatementContext ctx;
  ctx.cwd = current_dir();
  if (const char* h = std::getenv("HOME")) ctx.home = h;
  f.errors = sandbox::apply_statements(statements, ctx, s);
  if (f.errors.empty()) f.warnings = sandbox::lint(s, policy);
  return f;
}

sandbox::Plan sandbox_plan_or_exit(const SandboxOptions& o, bool report,
                                   const std::vector<ir::SandboxStatement>* from_policy) {
  auto sb = take(sandbox::Sandbox::make(sandbox_spec_or_exit(o, from_policy)));
  auto plan = take(sandbox::prepare(sb, environ), kExitFail);
  if (o.dry_run) {
    out_stream() << plan.describe_json() << "\n";
    throw Exit{kExitOk, ""};
  }
  if (report) {
    for (const std::string& line : plan.describe())
      err_stream() << "sysfence: sandbox: " << line << "\n";
  } else if (!plan.not_enforced.empty()) {
    err_stream() << "sysfence: warning: not enforced on this kernel: " << plan.not_enforced << "\n";
  }
  return plan;
}

}  // namespace sysfence::cli
