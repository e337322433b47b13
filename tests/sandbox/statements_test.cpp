// tests/sandbox/statements_test.cpp — sandbox statements in the text policy language: parsing
// through the frontend, meaning, located diagnostics, @include, lints, profiles.
#include <gtest/gtest.h>

#include <sched.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>

#include "sysfence/frontend/policy_text.hpp"
#include "sysfence/sandbox/statements.hpp"

using namespace sysfence;
using namespace sysfence::sandbox;

namespace {

struct Applied {
  Spec spec;
  std::vector<Error> errors;
  std::string rendered() const {
    std::string r;
    for (auto& e : errors) r += e.render();
    return r;
  }
};

Applied apply_text(const std::string& text, StatementContext ctx = {}) {
  Applied a;
  auto parsed = frontend::parse_policy_text(text, "box.policy");
  EXPECT_TRUE(parsed.ok()) << parsed.render();
  if (!parsed.ok()) return a;
  if (ctx.cwd.empty()) ctx.cwd = "/work/dir";
  a.errors = apply_statements(parsed.value->sandbox, ctx, a.spec);
  return a;
}

TEST(SandboxStatements, EveryKind) {
  auto a = apply_text(
      "default errno EPERM\n"
      "read, write, execve: allow\n"
      "fs read /usr /etc   # comment\n"
      "fs write $CWD\n"
      "fs read-exec /bin\n"
      "net connect tcp 443 80\n"
      "net bind tcp 8080\n"
      "limit nofile 256\n"
      "limit as 1G:2G\n"
      "namespace pid net\n"
      "mount tmpfs /tmp\n"
      "mount ro-bind /usr /usr\n"
      "hostname box\n"
      "cap keep net_bind_service\n"
      "env clear\n"
      "env set LANG=C\n"
      "chdir $CWD/sub\n"
      "keep-fd 3 4\n"
      "new-session\n"
      "scope signal\n"
      "landlock strict\n");
  ASSERT_TRUE(a.errors.empty()) << a.rendered();
  const Spec& s = a.spec;
  ASSERT_EQ(s.paths.size(), 4u);
  EXPECT_EQ(s.paths[2].path, "/work/dir");
  EXPECT_EQ(s.paths[2].access, FsAccess::ReadWrite);
  EXPECT_EQ(s.paths[2].where.line, 4);
  EXPECT_EQ(s.paths[2].where.col, 10);
  EXPECT_EQ(s.paths[3].access, FsAccess::ReadExec);
  EXPECT_EQ(s.connect_tcp, (std::vector<uint16_t>{443, 80}));
  EXPECT_EQ(s.bind_tcp, (std::vector<uint16_t>{8080}));
  ASSERT_EQ(s.rlimits.size(), 2u);
  EXPECT_EQ(s.rlimits[0].resource, RLIMIT_NOFILE);
  EXPECT_EQ(s.rlimits[1].hard, 2ull << 30);
  EXPECT_EQ(s.unshare, static_cast<uint32_t>(CLONE_NEWPID | CLONE_NEWNET));
  ASSERT_EQ(s.mounts.size(), 2u);
  EXPECT_EQ(s.mounts[1].kind, MountSpec::Kind::RoBind);
  EXPECT_EQ(*s.hostname, "box");
  EXPECT_EQ(s.cap_keep, (std::vector<int>{10}));
  EXPECT_TRUE(s.clearenv);
  EXPECT_EQ(s.setenv.size(), 1u);
  EXPECT_EQ(*s.chdir, "/work/dir/sub");
  EXPECT_EQ(s.keep_fds, (std::vector<int>{3, 4}));
  EXPECT_TRUE(s.new_session);
  EXPECT_FALSE(s.scope_abstract_unix.value());
  EXPECT_TRUE(s.scope_signal.value());
  EXPECT_EQ(s.landlock, LandlockMode::Strict);
}

TEST(SandboxStatements, SyscallRulesNamedLikeKeywordsStillWork) {
  auto parsed = frontend::parse_policy_text(
      "default allow\nchdir: errno EPERM\nmount , fchdir: errno EACCES\n", "p");
  ASSERT_TRUE(parsed.ok()) << parsed.render();
  EXPECT_TRUE(parsed.value->sandbox.empty());
  EXPECT_EQ(parsed.value->rules.size(), 3u);
}

TEST(SandboxStatements, LocatedDiagnostics) {
  auto a = apply_text(
      "fs read /usr\nfs wirte /tmp\nlimit files 3\nnet connect udp 53\nnet connect tcp 99999\nfs "
      "read usr\n");
  ASSERT_EQ(a.errors.size(), 5u) << a.rendered();
  const std::string r = a.rendered();
  EXPECT_NE(r.find("box.policy(2:4): unknown file access 'wirte'"), std::string::npos) << r;
  EXPECT_NE(r.find("  fs wirte /tmp\n     ^\n"), std::string::npos) << r;
  EXPECT_NE(r.find("box.policy(3:7): unknown resource limit 'files'"), std::string::npos) << r;
  EXPECT_NE(r.find("box.policy(4:13): only tcp ports"), std::string::npos) << r;
  EXPECT_NE(r.find("box.policy(5:17): bad TCP port '99999'"), std::string::npos) << r;
  EXPECT_NE(r.find("box.policy(6:9): path 'usr' is not absolute"), std::string::npos) << r;
}

// Input-size independent bounds: a huge `fs read` line, many bad ports, many mounts each stop
// with a located error instead of building unbounded rule sets (and a quadratic `check`).
TEST(SandboxStatements, BoundedByLimitsNotByInputSize) {
  std::string paths = "fs read";
  for (int i = 0; i < 200000; ++i) paths += " /p" + std::to_string(i);
  auto a = apply_text(paths + "\n");
  ASSERT_FALSE(a.errors.empty());
  EXPECT_LE(a.spec.paths.size(), 4097u);
  EXPECT_NE(a.rendered().find(
                "box.policy(1:1): the sandbox statements give more than the limit of fs paths"),
            std::string::npos)
      << a.rendered().substr(0, 400);
  std::string ports = "net connect tcp";
  for (int i = 0; i < 100000; ++i) ports += " x";
  auto b = apply_text(ports + "\n");
  EXPECT_LE(b.errors.size(), 102u);
  EXPECT_NE(b.rendered().find("too many errors"), std::string::npos);
  std::string mounts;
  for (int i = 0; i < 3000; ++i) mounts += "mount tmpfs /t" + std::to_string(i) + "\n";
  auto c = apply_text(mounts);
  EXPECT_LE(c.spec.mounts.size(), 1025u);
  EXPECT_NE(c.rendered().find("limit of mounts"), std::string::npos);
}

TEST(SandboxStatements, InsideAnArchSectionIsAnError) {
  auto parsed = frontend::parse_policy_text("arch x86_64 {\nfs read /usr\n}\n", "p");
  EXPECT_FALSE(parsed.ok());
  EXPECT_NE(parsed.render().find("not allowed inside an arch section"), std::string::npos)
      << parsed.render();
}

TEST(SandboxStatements, Include) {
  char tmpl[] = "/tmp/sysfence-stmt-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  std::ofstream(dir + "/net.policy") << "net connect tcp 443\n";
  std::ofstream(dir + "/main.policy") << "fs read /usr\n@include \"net.policy\"\n";
  auto parsed = frontend::parse_policy_file(dir + "/main.policy");
  ASSERT_TRUE(parsed.ok()) << parsed.render();
  Spec s;
  StatementContext ctx;
  auto errors = apply_statements(parsed.value->sandbox, ctx, s);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(s.connect_tcp, (std::vector<uint16_t>{443}));
  ASSERT_EQ(parsed.value->sandbox.size(), 2u);
  EXPECT_NE(parsed.value->sandbox[1].where.file.find("net.policy"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(SandboxStatements, Lints) {
  auto loaded = frontend::load_policy_text(
      "default allow\nexecve: errno EPERM\nfs read /nonexistent/sysfence\nmount ro-bind /usr "
      "/usr\nfs write /usr/local\n",
      "lint.policy");
  ASSERT_TRUE(loaded.ok()) << loaded.render();
  Spec s;
  StatementContext ctx;
  ASSERT_TRUE(apply_statements(loaded.value->spec().sandbox, ctx, s).empty());
  auto warnings = lint(s, *loaded.value);
  std::string r;
  for (auto& w : warnings) r += w.render();
  EXPECT_NE(r.find("lint.policy(3:9): warning: '/nonexistent/sysfence' does not exist"),
            std::string::npos)
      << r;
  EXPECT_NE(
      r.find("lint.policy(5:10): warning: write rule for '/usr/local' under the read-only bind"),
      std::string::npos)
      << r;
  EXPECT_NE(r.find("does not allow execve"), std::string::npos) << r;
  // The same sandbox with execve allowed and existing paths: no finding.
  auto clean = frontend::load_policy_text("default allow\nfs read /usr\n", "clean.policy");
  ASSERT_TRUE(clean.ok());
  Spec c;
  ASSERT_TRUE(apply_statements(clean.value->spec().sandbox, ctx, c).empty());
  EXPECT_TRUE(lint(c, *clean.value).empty());
}

TEST(SandboxStatements, EmbeddedProfilesParse) {
  ASSERT_FALSE(profile_names().empty());
  for (const std::string& name : profile_names()) {
    auto parsed = frontend::parse_policy_text(profile_text(name), "<profile " + name + ">");
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.render();
    Spec s;
    StatementContext ctx;
    ctx.cwd = "/tmp";
    ctx.skip_missing_paths = true;
    auto errors = apply_statements(parsed.value->sandbox, ctx, s);
    EXPECT_TRUE(errors.empty()) << name;
    EXPECT_TRUE(Sandbox::make(s)) << name;
  }
  EXPECT_TRUE(profile_text("no-such-profile").empty());
}

}  // namespace
