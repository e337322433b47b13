// OCI runtime-spec LinuxSeccomp and Docker/moby seccomp profiles: import to, export from the IR.
#include "sysfence/frontend/oci.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <unordered_set>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "frontend/names.hpp"
#include "sysfence/diagnostics.hpp"
#include "sysfence/arch/constants.hpp"
#include "sysfence/bpf/actions.hpp"
#include "sysfence/input_file.hpp"

namespace sysfence::frontend {
namespace {

using arch::Arch;
using ir::Action;
using ir::ActionKind;
using ir::ArgCmp;
using ir::CmpOp;
using json = nlohmann::json;

constexpr uint16_t kEperm = 1;

// Action names: bpf::kActionTable's `oci` (and `oci_alias`: SCMP_ACT_KILL is kill_thread), in
// precedence order.
struct ActName {
  std::string_view name;
  ActionKind kind;
};
const std::vector<ActName>& oci_actions() {
  static const std::vector<ActName> v = [] {
    std::vector<ActName> out;
    for (const bpf::ActionInfo& a : bpf::kActionTable) {
      out.push_back({a.oci, a.kind});
      if (!a.oci_alias.empty()) out.push_back({a.oci_alias, a.kind});
    }
    return out;
  }();
  return v;
}

struct OpName {
  std::string_view name;
  CmpOp op;
};
constexpr OpName kOps[] = {
    {"SCMP_CMP_NE", CmpOp::Ne},
    {"SCMP_CMP_LT", CmpOp::Lt},
    {"SCMP_CMP_LE", CmpOp::Le},
    {"SCMP_CMP_EQ", CmpOp::Eq},
    {"SCMP_CMP_GE", CmpOp::Ge},
    {"SCMP_CMP_GT", CmpOp::Gt},
    {"SCMP_CMP_MASKED_EQ", CmpOp::MaskedEq},
};

struct FlagName {
  std::string_view name;
  uint32_t bit;
};
constexpr FlagName kFlags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", kFlagTsync},
    {"SECCOMP_FILTER_FLAG_LOG", kFlagLog},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", kFlagSpecAllow},
    {"SECCOMP_FILTER_FLAG_NEW_LISTENER", kFlagNewListener},
    {"SECCOMP_FILTER_FLAG_TSYNC_ESRCH", kFlagTsyncEsrch},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", kFlagWaitKillableRecv},
};

// libseccomp's arch names (SCMP_ARCH_*) and the GOARCH-style names moby uses in
// includes/excludes.arches: arch::ArchInfo's oci_name and go_name.
using ScmpArch = arch::ArchInfo;
const ScmpArch* scmp_of(Arch a) { return &arch::info(a); }

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
      return j.get<int64_t>() < 0 ? "a negative number" : "a number";
    case json::value_t::number_unsigned: return "a number";
    case json::value_t::number_float: {
      // nlohmann reads integers beyond 64 bits (2^64, -2^63-1) as doubles: name them for what
      // they are, not "fractional".
      const double d = j.get<double>();
      if (d != std::floor(d)) return "a fractional number";
      if (d >= 18446744073709551616.0)
        return "a number out of range (above 18446744073709551615, 2^64-1)";
      if (d < -9223372036854775808.0) return "a negative number out of range (below -2^63)";
      return "a number in floating-point notation";
    }
    default: return "a value";
  }
}

template <class List>
std::string list_names(const List& l) {
  std::string s;
  for (const auto& x : l) s += (s.empty() ? "" : ", ") + std::string(x.name);
  return s;
}

// (major, minor, patch) from "6.18.0-rc1+" style strings; nullopt when there is no number.
std::optional<std::array<int, 3>> parse_kernel_version(std::string_view s) {
  std::array<int, 3> v{0, 0, 0};
  size_t i = 0;
  for (int part = 0; part < 3; ++part) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') {
      if (part < 2) return std::nullopt;  // need at least major.minor
      break;
    }
    long n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + (s[i] - '0');
      if (n > 1000000) return std::nullopt;
      ++i;
    }
    v[static_cast<size_t>(part)] = static_cast<int>(n);
    if (i < s.size() && s[i] == '.')
      ++i;
    else
      break;
  }
  return v;
}

// Watches nlohmann's parse events for what its DOM hides: duplicate keys (the DOM keeps the
// last one silently) and nesting deeper than any profile needs (a 16 MiB `[[[[...` would build
// millions of nested values). Knows the JSON path of the value being read.
class JsonShape {
 public:
  struct Stop {};
  static constexpr int kMaxDepth = 64;
  static constexpr size_t kMaxProblems = 20;
  // (path, (message, hint))
  std::vector<std::pair<std::string, std::pair<std::string, std::string>>> problems;

  bool see(int depth, json::parse_event_t ev, const json& parsed) {
    using E = json::parse_event_t;
    switch (ev) {
      case E::object_start:
      case E::array_start:
        if (depth > kMaxDepth) {
          problems.push_back({path(),
                              {"JSON nested more than " + std::to_string(kMaxDepth) + " deep",
                               "a seccomp profile needs a few levels"}});
          throw Stop{};
        }
        frames_.push_back(Frame{ev == E::object_start, {}, 0, {}});
        break;
      case E::key: {
        Frame& f = frames_.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second) {
          problems.push_back({path(),
                              {"duplicate key " + quote(f.key) + " in this object",
                               "give each key once (JSON readers differ on which one counts)"}});
          if (problems.size() >= kMaxProblems) throw Stop{};
        }
        break;
      }
      case E::object_end:
      case E::array_end:
        if (!frames_.empty()) frames_.pop_back();
        element_done();
        break;
      case E::value: element_done(); break;
    }
    return true;
  }

 private:
  struct Frame {
    bool object;
    std::string key;  // object: the key being read
    size_t index;     // array: the element being read
    std::unordered_set<std::string> keys;
  };
  std::vector<Frame> frames_;

  void element_done() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
  }
  std::string path() const {
    std::string p;
    for (const Frame& f : frames_) {
      if (f.object)
        p += (p.empty() ? "" : ".") + f.key;
      else
        p += "[" + std::to_string(f.index) + "]";
    }
    return p;
  }
};

// Feeds nlohmann's SAX events to a JsonShape. A separate pass, not parse()'s callback: the
// callback parser rescans the parent container for discarded values at every object's end,
// quadratic in the length of an array (50,000 syscall entries took minutes under ASan).
struct JsonShapeSax {
  JsonShape& shape;
  int depth = 0;
  const json none{};
  bool value() { return shape.see(depth, json::parse_event_t::value, none); }
  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(json::number_integer_t) { return value(); }
  bool number_unsigned(json::number_unsigned_t) { return value(); }
  bool number_float(json::number_float_t, const json::string_t&) { return value(); }
  bool string(json::string_t&) { return value(); }
  bool binary(json::binary_t&) { return value(); }
  bool start_object(std::size_t) {
    return shape.see(depth++, json::parse_event_t::object_start, none);
  }
  bool key(json::string_t& k) { return shape.see(depth, json::parse_event_t::key, json(k)); }
  bool end_object() { return shape.see(--depth, json::parse_event_t::object_end, none); }
  bool start_array(std::size_t) {
    return shape.see(depth++, json::parse_event_t::array_start, none);
  }
  bool end_array() { return shape.see(--depth, json::parse_event_t::array_end, none); }
  // A syntax error: stop here; the DOM pass below reports it with its position.
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }
};

class Importer {
 public:
  Importer(const OciImportOptions& o) : opt_(o) {}

  Parsed<OciImport> run(std::string_view text) {
    if (text.size() > kMaxInputBytes) {
      Error err;
      err.message = "the profile is larger than " + describe_size(kMaxInputBytes);
      err.where.file = opt_.filename.empty() ? "<json>" : opt_.filename;
      diag_.report(std::move(err));
      return finish();
    }
    json root;
    JsonShape shape;
    try {
      JsonShapeSax sax{shape};
      if (json::sax_parse(text.begin(), text.end(), &sax) && !shape.problems.empty())
        throw JsonShape::Stop{};
      root = json::parse(text.begin(), text.end());
    } catch (const JsonShape::Stop&) {
      for (const auto& [path, msg] : shape.problems) error(path, msg.first, msg.second);
      return finish();
    } catch (const json::parse_error& e) {
      syntax_error(text, e);
      return finish();
    } catch (const json::exception& e) {
      // e.g. out_of_range 406: a number too large for a double. nlohmann gives no position.
      std::string what = e.what();
      if (auto q = what.find("] "); q != std::string::npos) what = what.substr(q + 2);
      Error err;
      err.message = "invalid JSON: " + what;
      err.where.file = opt_.filename.empty() ? "<json>" : opt_.filename;
      diag_.report(std::move(err));
      return finish();
    }
    if (!shape.problems.empty()) {
      for (const auto& [path, msg] : shape.problems) error(path, msg.first, msg.second);
      return finish();
    }
    if (!root.is_object()) {
      error("", "expected a JSON object at the top level, found " + type_name(root));
      return finish();
    }
    host_ = opt_.host_arch.value_or(arch::native_arch());
    caps_ = opt_.caps ? *opt_.caps : host_effective_caps();
    std::string kv = opt_.kernel_version.value_or(host_kernel_version());
    if (auto k = parse_kernel_version(kv))
      kernel_ = *k;
    else
      error("", "cannot read kernel version " + quote(kv), "give it as major.minor, e.g. 6.1");

    static const std::set<std::string_view> known = {
        "defaultAction", "defaultErrnoRet",  "defaultErrno", "architectures", "flags",
        "listenerPath",  "listenerMetadata", "syscalls",     "archMap",       "comment"};
    for (auto it = root.begin(); it != root.end(); ++it)
      if (!known.count(it.key())) warn(it.key(), "unknown field ignored");

    // defaultAction / defaultErrnoRet
    if (!root.contains("defaultAction")) {
      error("defaultAction", "missing required field",
            "e.g. \"defaultAction\": \"SCMP_ACT_ERRNO\"");
    } else {
      std::optional<uint32_t> ret;
      if (root.contains("defaultErrnoRet"))
        ret = u32_field(root["defaultErrnoRet"], "defaultErrnoRet");
      ret = podman_errno(root, "defaultErrno", "defaultErrnoRet", "", ret);
      if (auto a = action(root["defaultAction"], "defaultAction", ret, "defaultErrnoRet"))
        out_.spec.default_action = *a;
    }
    arches(root);
    if (root.contains("flags")) flags(root["flags"]);
    if (root.contains("listenerPath"))
      out_.listener_path = string_field(root["listenerPath"], "listenerPath");
    if (root.contains("listenerMetadata"))
      out_.listener_metadata = string_field(root["listenerMetadata"], "listenerMetadata");
    if (root.contains("syscalls")) syscalls(root["syscalls"]);
    if (uses_notify_ && out_.listener_path.empty())
      warn("listenerPath", "SCMP_ACT_NOTIFY is used but no listenerPath is set",
           "the runtime needs a listener to send the notification descriptor to");
    if (out_.spec.default_action.kind == ActionKind::UserNotif)
      error("defaultAction", "SCMP_ACT_NOTIFY cannot be the default action",
            "the runtime's own syscalls would wait for the listener forever");
    out_.spec.missing_syscall = ir::MissingSyscall::Ignore;
    out_.spec.loc.file = opt_.filename;
    drop_overridden_rules();
    return finish();
  }

 private:
  const OciImportOptions& opt_;
  OciImport out_;
  Diagnostics diag_;  // every error and warning, in document order
  Arch host_ = Arch::X86_64;
  std::vector<std::string> caps_;
  std::array<int, 3> kernel_{0, 0, 0};
  bool uses_notify_ = false;
  std::set<std::string> warned_names_;
  // libseccomp's precedence per syscall name (see entry()).
  struct NameState {
    std::optional<Action> unconditional;
    std::string unconditional_path;
    std::vector<size_t> conditional;  // indexes into out_.spec.rules
  };
  std::map<std::string, NameState> by_name_;
  std::set<size_t> dropped_;
  std::set<std::string> warned_contradiction_, warned_caps_;

  static std::string act_text(const Action& a) {
    for (const ActName& n : oci_actions())
      if (n.kind == a.kind) {
        std::string s(n.name);
        if (a.kind == ActionKind::Errno || a.kind == ActionKind::Trace)
          s += "(" + std::to_string(a.data) + ")";
        return s;
      }
    return a.to_string();
  }

  void contradiction(const std::string& name, const std::string& np, const std::string& first,
                     const Action& ignored, const Action& kept) {
    if (!warned_contradiction_.insert(name).second) return;
    warn(np,
         "this " + act_text(ignored) + " rule for " + quote(name) + " has no effect: " + first +
             " already makes it " + act_text(kept) +
             " unconditionally, and runc and crun "
             "(libseccomp) keep the first unconditional rule of a syscall",
         "the profile contradicts itself: remove one of the two entries");
  }

  void drop_overridden_rules() {
    if (dropped_.empty()) return;
    std::vector<ir::Rule> kept;
    kept.reserve(out_.spec.rules.size());
    for (size_t i = 0; i < out_.spec.rules.size(); ++i)
      if (!dropped_.count(i)) kept.push_back(std::move(out_.spec.rules[i]));
    out_.spec.rules = std::move(kept);
  }

  void check_cap_name(const std::string& s, const std::string& path) {
    if (arch::capability_from_name(s)) return;
    if (!warned_caps_.insert(s).second) return;
    std::vector<std::string_view> names;
    names.reserve(static_cast<size_t>(arch::kCapabilityCount));
    for (int c = 0; c < arch::kCapabilityCount; ++c) names.push_back(*arch::capability_name(c));
    std::string near = detail::nearest_of(s, names);
    if (near.empty() && s.rfind("CAP_", 0) != 0) {
      std::string up = "CAP_";
      for (char ch : s) up += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (arch::capability_from_name(up)) near = up;
    }
    warn(path, "unknown capability " + quote(s) + ": no capability set has it",
         near.empty() ? "capability names look like \"CAP_SYS_ADMIN\""
                      : "did you mean " + quote(near) + "?");
  }

  // Podman's profiles name errno values beside the numbers ("errno": "EPERM" beside
  // "errnoRet": 1, "defaultErrno" beside "defaultErrnoRet"). The number wins when both are
  // given; they must agree.
  std::optional<uint32_t> podman_errno(const json& obj, const char* key, const char* num_key,
                                       const std::string& prefix, std::optional<uint32_t> num) {
    if (!obj.contains(key)) return num;
    const std::string path = prefix + key;
    const std::string name = string_field(obj[key], path);
    if (!obj[key].is_string()) return num;
    auto v = detail::errno_value(name);
    if (!v) {
      std::vector<std::string_view> names;
      for (const auto& c : arch::errno_names()) names.push_back(c.name);
      std::string near = detail::nearest_of(name, names);
      error(path, "unknown errno name " + quote(name),
            near.empty() ? "e.g. \"EPERM\"" : "did you mean " + quote(near) + "?");
      return num;
    }
    if (num && *num != static_cast<uint32_t>(*v))
      warn(path, quote(name) + " (" + std::to_string(*v) + ") disagrees with " +
                     std::string(num_key) + " (" + std::to_string(*num) + "); " + num_key +
                     " is used, as runc does");
    return num ? num : std::optional<uint32_t>(static_cast<uint32_t>(*v));
  }

  Parsed<OciImport> finish() {
    Parsed<OciImport> r;
    r.errors = std::move(diag_.errors);
    r.warnings = std::move(diag_.warnings);
    if (r.errors.empty()) r.value = std::move(out_);
    return r;
  }

  SourceLoc at(const std::string& path) const {
    SourceLoc l;
    l.file = opt_.filename;
    l.json_path = path;
    return l;
  }
  void error(const std::string& path, std::string msg, std::string hint = {}) {
    diag_.report(Error::make(ErrorCode::Syntax, std::move(msg), std::move(hint), at(path)));
  }
  void warn(const std::string& path, std::string msg, std::string hint = {}) {
    diag_.report(Error::warning(ErrorCode::Unsupported, std::move(msg), std::move(hint), at(path)));
  }

  void syntax_error(std::string_view text, const json::parse_error& e) {
    // e.byte is 1-based, one past the offending character.
    size_t off = e.byte > 0 ? e.byte - 1 : 0;
    if (off > text.size()) off = text.size();
    int line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < off && i < text.size(); ++i)
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string what = e.what();
    // nlohmann: "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error
    // while parsing value - invalid literal; last read: 'x'". Keep the part after "error ".
    if (auto p = what.find("syntax error while parsing "); p != std::string::npos)
      what = what.substr(p);
    else if (auto q = what.find(": "); q != std::string::npos)
      what = what.substr(q + 2);
    Error err;
    err.message = "invalid JSON: " + what;
    err.where.file = opt_.filename.empty() ? "<json>" : opt_.filename;
    err.where.line = line;
    err.where.col = static_cast<int>(off - line_start) + 1;
    std::string src(text.substr(line_start, line_end - line_start));
    if (!src.empty() && src.back() == '\r') src.pop_back();
    if (src.size() > 200) src.clear();  // a minified document: the line is no help
    err.where.source_line = src;
    diag_.report(std::move(err));
  }

  std::string string_field(const json& j, const std::string& path) {
    if (!j.is_string()) {
      error(path, "expected a string, found " + type_name(j));
      return {};
    }
    return j.get<std::string>();
  }

  std::optional<uint64_t> u64_field(const json& j, const std::string& path) {
    if (j.is_number_unsigned()) return j.get<uint64_t>();
    if (j.is_number_integer() && j.get<int64_t>() >= 0)
      return static_cast<uint64_t>(j.get<int64_t>());
    error(path, "expected an unsigned integer, found " + type_name(j),
          j.is_number_integer() ? "write negative numbers as their unsigned 64-bit value, e.g. "
                                  "18446744073709551615 for -1"
                                : std::string());
    return std::nullopt;
  }

  std::optional<uint32_t> u32_field(const json& j, const std::string& path) {
    auto v = u64_field(j, path);
    if (!v) return std::nullopt;
    if (*v > 0xffffffffULL) {
      error(path, "value " + std::to_string(*v) + " is too large");
      return std::nullopt;
    }
    return static_cast<uint32_t>(*v);
  }

  std::optional<Action> action(const json& j, const std::string& path, std::optional<uint32_t> ret,
                               const std::string& ret_path) {
    if (!j.is_string()) {
      error(path, "expected a string, found " + type_name(j));
      return std::nullopt;
    }
    std::string s = j.get<std::string>();
    const ActName* found = nullptr;
    for (const ActName& a : oci_actions())
      if (a.name == s) found = &a;
    if (!found) {
      std::vector<std::string_view> names;
      for (const ActName& a : oci_actions()) names.push_back(a.name);
      std::string near = detail::nearest_of(s, names);
      error(path, "unknown action " + quote(s),
            (near.empty() ? "" : "did you mean " + quote(near) + "? ") +
                "valid actions: " + list_names(oci_actions()));
      return std::nullopt;
    }
    Action a;
    a.kind = found->kind;
    if (ret && found->kind != ActionKind::Errno && found->kind != ActionKind::Trace) {
      error(ret_path,
            std::string("only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take a return value, not ") + s);
      return std::nullopt;
    }
    if (found->kind == ActionKind::Errno || found->kind == ActionKind::Trace) {
      uint32_t v = ret.value_or(kEperm);
      uint32_t max = found->kind == ActionKind::Errno ? 4095 : 0xffff;
      if (v > max) {
        error(ret_path, "value " + std::to_string(v) + " is out of range for " + s,
              "the largest is " + std::to_string(max));
        return std::nullopt;
      }
      a.data = static_cast<uint16_t>(v);
    }
    if (a.kind == ActionKind::UserNotif) uses_notify_ = true;
    return a;
  }

  // "SCMP_ARCH_X86_64" -> the entry, with an error at `path` when unknown.
  const ScmpArch* scmp_arch(const json& j, const std::string& path) {
    std::string s = string_field(j, path);
    if (s.empty() && !j.is_string()) return nullptr;
    if (s == "SCMP_ARCH_NATIVE") return scmp_of(arch::native_arch());
    for (const ScmpArch& a : arch::all_arches())
      if (a.oci_name == s) return &a;
    std::vector<std::string_view> names;
    for (const ScmpArch& a : arch::all_arches()) names.push_back(a.oci_name);
    std::string near = detail::nearest_of(s, names);
    error(path, "unknown architecture " + quote(s),
          near.empty() ? "e.g. SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64"
                       : "did you mean " + quote(near) + "?");
    return nullptr;
  }

  void add_arch(const ScmpArch* a, const std::string& path) {
    (void)path;
    if (!a) return;
    auto& v = out_.spec.arches;
    if (std::find(v.begin(), v.end(), a->arch) == v.end()) v.push_back(a->arch);
  }

  void arches(const json& root) {
    if (root.contains("architectures")) {
      const json& l = root["architectures"];
      if (!l.is_array()) {
        error("architectures", "expected an array, found " + type_name(l));
      } else {
        for (size_t i = 0; i < l.size(); ++i) {
          std::string p = "architectures[" + std::to_string(i) + "]";
          add_arch(scmp_arch(l[i], p), p);
        }
      }
    }
    if (root.contains("archMap")) {
      const json& m = root["archMap"];
      if (!m.is_array()) {
        error("archMap", "expected an array, found " + type_name(m));
        return;
      }
      bool explicit_list = root.contains("architectures") && root["architectures"].is_array() &&
                           !root["architectures"].empty();
      if (explicit_list) {
        error("archMap", "both \"architectures\" and \"archMap\" are given", "keep one of them");
        return;
      }
      for (size_t i = 0; i < m.size(); ++i) {
        std::string p = "archMap[" + std::to_string(i) + "]";
        const json& e = m[i];
        if (!e.is_object()) {
          error(p, "expected an object, found " + type_name(e));
          continue;
        }
        if (!e.contains("architecture")) {
          error(p + ".architecture", "missing required field");
          continue;
        }
        const ScmpArch* main = scmp_arch(e["architecture"], p + ".architecture");
        std::vector<std::pair<const ScmpArch*, std::string>> subs;
        if (e.contains("subArchitectures") && !e["subArchitectures"].is_null()) {
          const json& s = e["subArchitectures"];
          if (!s.is_array()) {
            error(p + ".subArchitectures", "expected an array, found " + type_name(s));
          } else {
            for (size_t k = 0; k < s.size(); ++k) {
              std::string sp = p + ".subArchitectures[" + std::to_string(k) + "]";
              subs.emplace_back(scmp_arch(s[k], sp), sp);
            }
          }
        }
        // moby: only the entry for the host's arch counts.
        if (main && main->arch == host_) {
          add_arch(main, p + ".architecture");
          for (auto& [sa, sp] : subs) add_arch(sa, sp);
        }
      }
    }
    if (out_.spec.arches.empty()) {
      out_.spec.arches = opt_.default_arches;
      if (out_.spec.arches.empty()) out_.spec.arches.push_back(host_);
    }
  }

  void flags(const json& f) {
    if (!f.is_array()) {
      error("flags", "expected an array, found " + type_name(f));
      return;
    }
    for (size_t i = 0; i < f.size(); ++i) {
      std::string p = "flags[" + std::to_string(i) + "]";
      std::string s = string_field(f[i], p);
      if (!f[i].is_string()) continue;
      const FlagName* found = nullptr;
      for (const FlagName& fl : kFlags)
        if (fl.name == s) found = &fl;
      if (!found) {
        error(p, "unknown flag " + quote(s), "valid flags: " + list_names(kFlags));
        continue;
      }
      out_.flags.push_back(s);
      out_.flag_bits |= found->bit;
    }
  }

  bool has_cap(const std::string& c) const {
    return std::find(caps_.begin(), caps_.end(), c) != caps_.end();
  }

  // moby's includes/excludes: returns whether the entry applies.
  bool filter_applies(const json& entry, const std::string& p) {
    bool applies = true;
    for (const char* which : {"includes", "excludes"}) {
      if (!entry.contains(which)) continue;
      const json& f = entry[which];
      std::string fp = p + "." + which;
      if (f.is_null()) continue;
      if (!f.is_object()) {
        error(fp, "expected an object, found " + type_name(f));
        continue;
      }
      bool inc = std::string_view(which) == "includes";
      for (auto it = f.begin(); it != f.end(); ++it) {
        const std::string& k = it.key();
        std::string kp = fp + "." + k;
        const json& v = it.value();
        if (k == "caps" || k == "arches") {
          if (v.is_null()) continue;
          if (!v.is_array()) {
            error(kp, "expected an array, found " + type_name(v));
            continue;
          }
          if (v.empty()) continue;
          bool any = false, all = true;
          for (size_t i = 0; i < v.size(); ++i) {
            std::string s = string_field(v[i], kp + "[" + std::to_string(i) + "]");
            bool hit;
            if (k == "caps") {
              hit = has_cap(s);
              out_.uses_caps = true;
              if (v[i].is_string()) check_cap_name(s, kp + "[" + std::to_string(i) + "]");
            } else {
              const ScmpArch* h = scmp_of(host_);
              hit = h && (s == h->go_name || (s == "x86_64" && h->go_name == "amd64") ||
                          (s == "aarch64" && h->go_name == "arm64") ||
                          (s == "386" && h->go_name == "x86"));
            }
            any = any || hit;
            all = all && hit;
          }
          // includes.caps: every cap needed; includes.arches: the host is one of them.
          // excludes: any match drops the entry.
          if (inc)
            applies = applies && (k == "caps" ? all : any);
          else
            applies = applies && !any;
        } else if (k == "minKernel") {
          if (v.is_null()) continue;
          std::string s = string_field(v, kp);
          if (!v.is_string()) continue;
          auto want = parse_kernel_version(s);
          if (!want) {
            error(kp, "invalid kernel version " + quote(s), "write major.minor, e.g. \"4.8\"");
            continue;
          }
          bool newer = kernel_ >= *want;
          applies = applies && (inc ? newer : !newer);
        } else {
          warn(kp, "unknown field ignored");
        }
      }
    }
    return applies;
  }

  void syscalls(const json& l) {
    if (!l.is_array()) {
      error("syscalls", "expected an array, found " + type_name(l));
      return;
    }
    for (size_t i = 0; i < l.size(); ++i) entry(l[i], "syscalls[" + std::to_string(i) + "]");
  }

  void entry(const json& e, const std::string& p) {
    if (!e.is_object()) {
      error(p, "expected an object, found " + type_name(e));
      return;
    }
    static const std::set<std::string_view> known = {
        "names", "name", "action", "errnoRet", "errno", "args", "comment", "includes", "excludes"};
    for (auto it = e.begin(); it != e.end(); ++it)
      if (!known.count(it.key())) warn(p + "." + it.key(), "unknown field ignored");
    size_t errs = diag_.error_count();
    // names (moby also accepts the older single "name").
    std::vector<std::pair<std::string, std::string>> names;  // name, path
    if (e.contains("names")) {
      const json& n = e["names"];
      if (!n.is_array()) {
        error(p + ".names", "expected an array, found " + type_name(n));
      } else {
        for (size_t k = 0; k < n.size(); ++k) {
          std::string np = p + ".names[" + std::to_string(k) + "]";
          std::string s = string_field(n[k], np);
          if (n[k].is_string()) {
            if (s.empty())
              error(np, "empty syscall name");
            else
              names.emplace_back(s, np);
          }
        }
      }
    }
    if (e.contains("name")) {
      std::string s = string_field(e["name"], p + ".name");
      if (!s.empty()) names.emplace_back(s, p + ".name");
    }
    if (!e.contains("names") && !e.contains("name"))
      error(p + ".names", "missing required field");
    else if (names.empty() && diag_.error_count() == errs)
      warn(p + ".names", "no syscall names: the entry has no effect");

    std::optional<Action> act;
    if (!e.contains("action")) {
      error(p + ".action", "missing required field");
    } else {
      std::optional<uint32_t> ret;
      if (e.contains("errnoRet")) ret = u32_field(e["errnoRet"], p + ".errnoRet");
      ret = podman_errno(e, "errno", "errnoRet", p + ".", ret);
      act = action(e["action"], p + ".action", ret, p + ".errnoRet");
    }
    std::vector<ArgCmp> conds;
    if (e.contains("args") && !e["args"].is_null()) {
      const json& a = e["args"];
      if (!a.is_array())
        error(p + ".args", "expected an array, found " + type_name(a));
      else
        for (size_t k = 0; k < a.size(); ++k)
          if (auto c = arg(a[k], p + ".args[" + std::to_string(k) + "]")) conds.push_back(*c);
    }
    bool applies = filter_applies(e, p);
    if (diag_.error_count() != errs || !act || !applies) return;
    if (*act == out_.spec.default_action) return;  // as runc: nothing to add

    // runc: two conditions on one argument index become separate (ORed) rules.
    std::vector<std::vector<ArgCmp>> rule_conds;
    bool repeated = false;
    for (size_t x = 0; x < conds.size(); ++x)
      for (size_t y = x + 1; y < conds.size(); ++y)
        if (conds[x].arg == conds[y].arg) repeated = true;
    if (repeated) {
      warn(p + ".args", "two conditions on one argument: read as alternatives (ORed), as runc does",
           "give each alternative its own syscalls[] entry to make this explicit");
      for (const ArgCmp& c : conds) rule_conds.push_back({c});
    } else {
      rule_conds.push_back(conds);
    }

    for (const auto& [name, np] : names) {
      std::vector<Arch> have;
      for (Arch a : out_.spec.arches)
        if (arch::syscall_number(a, name)) have.push_back(a);
      if (have.empty()) {
        bool named_anywhere = false;
        for (std::string_view k : arch::all_syscall_names())
          if (k == name) {
            named_anywhere = true;
            break;
          }
        if (!named_anywhere) {
          if (warned_names_.insert(name).second) {
            out_.skipped_names.push_back(name);
            std::string near = arch::nearest_syscall_name(name);
            warn(
                np, "unknown syscall " + quote(name) + " skipped",
                near.empty() || near == name ? std::string() : "did you mean " + quote(near) + "?");
          }
        }
        continue;  // known, but not on any target arch: nothing to do, as in runc
      }
      // libseccomp's precedence, which runc and crun inherit: the first unconditional rule of a
      // syscall stays (later rules of that syscall are ignored); an unconditional rule replaces
      // the conditional rules added before it. The entries are the same on every arch.
      NameState& st = by_name_[name];
      const bool unconditional = conds.empty();
      if (st.unconditional) {
        if (!(*st.unconditional == *act))
          contradiction(name, np, st.unconditional_path, *act, *st.unconditional);
        continue;
      }
      if (unconditional) {
        for (size_t idx : st.conditional) {
          if (!(out_.spec.rules[idx].action == *act) && warned_contradiction_.insert(name).second)
            warn(np,
                 quote(name) + " is " + act_text(*act) +
                     " unconditionally here, which replaces the "
                     "conditional " +
                     act_text(out_.spec.rules[idx].action) + " rule at " +
                     out_.spec.rules[idx].loc.json_path +
                     " (as in runc and crun: libseccomp drops it)",
                 "the profile contradicts itself: remove one of the two entries");
          dropped_.insert(idx);
        }
        st.conditional.clear();
        st.unconditional = *act;
        st.unconditional_path = np;
      }
      bool everywhere = have.size() == out_.spec.arches.size();
      for (Arch a : everywhere ? std::vector<Arch>{out_.spec.arches[0]} : have) {
        for (const auto& cs : rule_conds) {
          ir::Rule r;
          r.syscall = name;
          if (!everywhere) r.only_arch = a;
          r.conds = cs;
          r.action = *act;
          r.loc = at(np);
          if (!unconditional) st.conditional.push_back(out_.spec.rules.size());
          out_.spec.rules.push_back(std::move(r));
        }
      }
    }
  }

  std::optional<ArgCmp> arg(const json& a, const std::string& p) {
    if (!a.is_object()) {
      error(p, "expected an object, found " + type_name(a));
      return std::nullopt;
    }
    static const std::set<std::string_view> known = {"index", "value", "valueTwo", "op"};
    for (auto it = a.begin(); it != a.end(); ++it)
      if (!known.count(it.key())) warn(p + "." + it.key(), "unknown field ignored");
    size_t errs = diag_.error_count();
    ArgCmp c;
    c.loc = at(p);
    if (!a.contains("index")) {
      error(p + ".index", "missing required field");
    } else if (auto i = u64_field(a["index"], p + ".index")) {
      if (*i > 5)
        error(p + ".index", "argument index " + std::to_string(*i) + " is out of range",
              "syscalls have arguments 0..5");
      else
        c.arg = static_cast<uint8_t>(*i);
    }
    std::optional<uint64_t> value, two;
    if (!a.contains("value"))
      error(p + ".value", "missing required field");
    else
      value = u64_field(a["value"], p + ".value");
    if (a.contains("valueTwo")) two = u64_field(a["valueTwo"], p + ".valueTwo");
    if (!a.contains("op")) {
      error(p + ".op", "missing required field");
    } else if (a["op"].is_string()) {
      std::string s = a["op"].get<std::string>();
      const OpName* found = nullptr;
      for (const OpName& o : kOps)
        if (o.name == s) found = &o;
      if (!found) {
        std::vector<std::string_view> names;
        for (const OpName& o : kOps) names.push_back(o.name);
        std::string near = detail::nearest_of(s, names);
        error(p + ".op", "unknown operator " + quote(s),
              (near.empty() ? "" : "did you mean " + quote(near) + "? ") +
                  "valid operators: " + list_names(kOps));
      } else {
        c.op = found->op;
      }
    } else {
      error(p + ".op", "expected a string, found " + type_name(a["op"]));
    }
    if (diag_.error_count() != errs) return std::nullopt;
    if (c.op == CmpOp::MaskedEq) {
      // runtime-spec: value is the mask, valueTwo the datum.
      c.mask = *value;
      c.value = two.value_or(0);
      if (c.value & ~c.mask) {
        error(p + ".valueTwo",
              "datum has bits outside the mask (value): the condition can never hold");
        return std::nullopt;
      }
    } else {
      c.value = *value;
      if (two && *two != 0)
        warn(p + ".valueTwo", "valueTwo is used only by SCMP_CMP_MASKED_EQ; ignored");
    }
    return c;
  }
};

std::string opname(CmpOp op) {
  for (const OpName& o : kOps)
    if (o.op == op) return std::string(o.name);
  return "?";
}

std::string scmp_action(ActionKind k) { return std::string(bpf::action_info(k).oci); }

// ---------------------------------------------------------------- export: one meaning in libseccomp
//
// libseccomp (hence runc and crun) does not apply sysfence's precedence: an unconditional rule of
// a syscall overrides all its conditional rules, and overlapping conditional rules with different
// actions are decided in an order of its own. The export therefore gives every rule the region of
// argument values where sysfence lets it decide: its own conditions, minus the conditions of every
// rule of the same syscall that comes before it in sysfence's order (more restrictive action; equal
// kind: earlier rule). The regions of different actions are then disjoint, and whatever order
// libseccomp tries them in, a call matches entries of one action only: the profile means to runc
// what the policy means to sysfence. A region is a union of terms; a term ANDs at most one OCI
// comparison per argument (runc ORs several comparisons on one argument), so every term is one
// syscalls[] entry.

constexpr uint64_t kAll = ~0ULL;
constexpr uint64_t kLow32Mask = 0xffffffffULL;
// More entries than this for one syscall is an error: libseccomp spends a few instructions per
// entry, and the kernel loads at most 4096.
constexpr size_t kMaxEntriesPerSyscall = 256;
// More terms than this for one rule is an error: each term is at least one entry, so such a rule
// could not be exported anyway, and simplify() is quadratic in the terms (at 1024, a random
// policy took minutes under ASan).
constexpr size_t kMaxTerms = kMaxEntriesPerSyscall;

// The values of one argument that one OCI comparison accepts.
struct Atom {
  enum Kind : uint8_t { Range, Pattern, NotPoint } kind = Range;
  uint64_t a = 0;  // Range: lo; Pattern: mask; NotPoint: the value
  uint64_t b = 0;  // Range: hi; Pattern: value (within mask)
  // The comparison as written in the policy, while the atom is exactly it (kept for output).
  std::optional<ArgCmp> as_written;

  static Atom range(uint64_t lo, uint64_t hi) { return {Range, lo, hi, {}}; }
  static Atom pattern(uint64_t mask, uint64_t value) { return {Pattern, mask, value & mask, {}}; }
  static Atom not_point(uint64_t v) { return {NotPoint, v, 0, {}}; }
  bool any() const { return (kind == Range && a == 0 && b == kAll) || (kind == Pattern && a == 0); }
  bool contains(uint64_t x) const {
    switch (kind) {
      case Range: return a <= x && x <= b;
      case Pattern: return (x & a) == b;
      case NotPoint: return x != a;
    }
    return false;
  }
};

// [lo, hi] as aligned blocks, each one bit pattern; `width_mask` limits the masks (0xffffffff:
// the range is of the low word, the high word is free).
std::vector<Atom> range_patterns(uint64_t lo, uint64_t hi, uint64_t width_mask) {
  std::vector<Atom> out;
  while (true) {
    // The largest block starting at lo (aligned) that stays within hi.
    int k = 0;
    while (k < 64) {
      const uint64_t size_minus_1 = (k + 1 == 64) ? kAll : ((1ULL << (k + 1)) - 1);
      if ((lo & size_minus_1) != 0 || size_minus_1 > hi - lo) break;
      ++k;
    }
    const uint64_t block_minus_1 = k == 64 ? kAll : (1ULL << k) - 1;
    out.push_back(Atom::pattern(~block_minus_1 & width_mask, lo));
    if (hi - lo == block_minus_1) break;
    lo += block_minus_1 + 1;
  }
  return out;
}

// The values `x` does not accept, as atoms (disjoint).
std::vector<Atom> complement(const Atom& x) {
  std::vector<Atom> out;
  switch (x.kind) {
    case Atom::Range:
      if (x.a == x.b) {
        out.push_back(Atom::not_point(x.a));
        break;
      }
      if (x.a > 0) out.push_back(Atom::range(0, x.a - 1));
      if (x.b < kAll) out.push_back(Atom::range(x.b + 1, kAll));
      break;
    case Atom::Pattern:
      // The first mask bit (from the top) that differs from the pattern decides.
      for (int k = 63; k >= 0; --k) {
        const uint64_t bit = 1ULL << k;
        if (!(x.a & bit)) continue;
        const uint64_t above = x.a & ~((bit << 1) - 1);  // k == 63: nothing above
        out.push_back(Atom::pattern(above | bit, (x.b & above) | (~x.b & bit)));
      }
      break;
    case Atom::NotPoint: out.push_back(Atom::range(x.a, x.a)); break;
  }
  return out;
}

// The values both accept, as atoms (empty: none).
std::vector<Atom> intersect(const Atom& x, const Atom& y) {
  if (x.any()) return {y};
  if (y.any()) return {x};
  if (x.kind > y.kind) return intersect(y, x);  // Range < Pattern < NotPoint
  std::vector<Atom> out;
  if (y.kind == Atom::NotPoint) {
    if (!x.contains(y.a)) return {x};
    if (x.kind == Atom::NotPoint) {  // two different points: x's two ranges
      std::vector<Atom> ranges;
      if (x.a > 0) ranges.push_back(Atom::range(0, x.a - 1));
      if (x.a < kAll) ranges.push_back(Atom::range(x.a + 1, kAll));
      for (const Atom& r : ranges)
        for (const Atom& z : intersect(r, y)) out.push_back(z);
      return out;
    }
    if (x.kind == Atom::Range) {
      if (x.a < y.a) out.push_back(Atom::range(x.a, y.a - 1));
      if (y.a < x.b) out.push_back(Atom::range(y.a + 1, x.b));
      return out;
    }
    for (const Atom& c : complement(Atom::pattern(kAll, y.a)))
      for (const Atom& z : intersect(x, c)) out.push_back(z);
    return out;
  }
  if (x.kind == Atom::Range && y.kind == Atom::Range) {
    const uint64_t lo = std::max(x.a, y.a), hi = std::min(x.b, y.b);
    if (lo <= hi) out.push_back(Atom::range(lo, hi));
    return out;
  }
  if (x.kind == Atom::Pattern) {  // both patterns
    if ((x.b ^ y.b) & x.a & y.a) return out;
    out.push_back(Atom::pattern(x.a | y.a, x.b | y.b));
    return out;
  }
  // A range and a pattern.
  if (x.a == x.b) {
    if (y.contains(x.a)) out.push_back(x);
    return out;
  }
  for (const Atom& p : range_patterns(x.a, x.b, kAll))
    for (const Atom& z : intersect(p, y)) out.push_back(z);
  return out;
}

// x accepts no value that y does not (false when unsure).
bool subset(const Atom& x, const Atom& y) {
  if (y.any()) return true;
  if (x.kind == Atom::Range && x.a == x.b) return y.contains(x.a);
  if (x.kind == Atom::Range && y.kind == Atom::Range) return y.a <= x.a && x.b <= y.b;
  if (x.kind == Atom::Range && y.kind == Atom::NotPoint) return !x.contains(y.a);
  if (x.kind == Atom::Pattern && y.kind == Atom::Pattern)
    return (y.a & ~x.a) == 0 && ((x.b ^ y.b) & y.a) == 0;
  if (x.kind == Atom::Pattern && y.kind == Atom::NotPoint) return !x.contains(y.a);
  if (x.kind == Atom::NotPoint && y.kind == Atom::NotPoint) return x.a == y.a;
  return false;
}

// ANDed comparisons, at most one per argument, in the order the policy wrote them.
using Term = std::vector<std::pair<uint8_t, Atom>>;
using Region = std::vector<Term>;

const Atom* slot(const Term& t, uint8_t arg) {
  for (const auto& [a, x] : t)
    if (a == arg) return &x;
  return nullptr;
}

// t AND (arg in x): zero or more terms.
void and_atom(const Term& t, uint8_t arg, const Atom& x, Region& out) {
  const Atom* old = slot(t, arg);
  if (!old) {
    Term n = t;
    if (!x.any()) n.emplace_back(arg, x);
    out.push_back(std::move(n));
    return;
  }
  for (const Atom& z : intersect(*old, x)) {
    Term n;
    for (const auto& [a, y] : t)
      if (a != arg)
        n.emplace_back(a, y);
      else if (!z.any())
        n.emplace_back(a, z);
    out.push_back(std::move(n));
  }
}

bool term_subset(const Term& x, const Term& y) {
  for (const auto& [a, ya] : y) {
    const Atom* xa = slot(x, a);
    if (!xa || !subset(*xa, ya)) return false;
  }
  return true;
}

bool terms_meet(const Term& x, const Term& y) {
  for (const auto& [a, xa] : x)
    if (const Atom* ya = slot(y, a); ya && intersect(xa, *ya).empty()) return false;
  return true;
}

// The arguments a term constrains, one bit each.
unsigned args_of(const Term& t) {
  unsigned m = 0;
  for (const auto& [a, x] : t) m |= 1u << a;
  return m;
}

// Drops terms that another term covers (same action: the entries are ORed).
void simplify(Region& r) {
  std::vector<bool> covered(r.size(), false);
  // x can be inside y only if y constrains no argument that x leaves free.
  std::vector<unsigned> args(r.size());
  for (size_t i = 0; i < r.size(); ++i) args[i] = args_of(r[i]);
  for (size_t i = 0; i < r.size(); ++i)
    for (size_t j = 0; j < r.size() && !covered[i]; ++j) {
      if (i == j || covered[j] || (args[j] & ~args[i]) != 0 || !term_subset(r[i], r[j])) continue;
      covered[i] = !term_subset(r[j], r[i]) || j < i;  // of two equal terms keep the first
    }
  Region out;
  for (size_t i = 0; i < r.size(); ++i)
    if (!covered[i]) out.push_back(std::move(r[i]));
  r = std::move(out);
}

// The atoms that accept what `c` accepts.
std::vector<Atom> atoms_of(const ArgCmp& c, Arch cmp_arch) {
  ir::EffectiveCmp e = ir::effective(c, cmp_arch);
  // On a 32-bit arch the high word is always 0: a 64-bit comparison of the low word is the same.
  if (!arch::info(cmp_arch).args_are_64bit && c.width == ir::Width::Bits64) {
    e.low32 = false;
    if (e.op != CmpOp::MaskedEq) e.mask = kAll;
  }
  const uint64_t top = e.low32 ? kLow32Mask : kAll;
  const uint64_t v = e.value;
  auto range = [&](uint64_t lo, uint64_t hi) -> std::vector<Atom> {
    if (lo > hi) return {};
    if (!e.low32) return {Atom::range(lo, hi)};
    return range_patterns(lo, hi, kLow32Mask);
  };
  std::vector<Atom> out;
  switch (e.op) {
    case CmpOp::Eq:
      out = e.low32 ? std::vector<Atom>{Atom::pattern(kLow32Mask, v)} : range(v, v);
      break;
    case CmpOp::Ne:
      out = e.low32 ? complement(Atom::pattern(kLow32Mask, v))
                    : std::vector<Atom>{Atom::not_point(v)};
      break;
    case CmpOp::Lt: out = v == 0 ? std::vector<Atom>{} : range(0, v - 1); break;
    case CmpOp::Le: out = range(0, v); break;
    case CmpOp::Gt: out = v == top ? std::vector<Atom>{} : range(v + 1, top); break;
    case CmpOp::Ge: out = range(v, top); break;
    case CmpOp::MaskedEq: out = {Atom::pattern(e.mask, v)}; break;
  }
  if (out.size() == 1 && !e.low32) {
    ArgCmp w = c;
    w.value = e.value;
    w.mask = e.mask;
    w.width = ir::Width::Bits64;
    out[0].as_written = w;
  }
  return out;
}

// The conjunction of `conds` as a region.
Region region_of(const std::vector<ArgCmp>& conds, Arch cmp_arch) {
  Region r{Term{}};
  for (const ArgCmp& c : conds) {
    Region n;
    const std::vector<Atom> atoms = atoms_of(c, cmp_arch);
    for (const Term& t : r)
      for (const Atom& x : atoms) and_atom(t, c.arg, x, n);
    r = std::move(n);
  }
  simplify(r);
  return r;
}

// r minus the values of `cut`; false when it grows past kMaxTerms.
bool subtract(Region& r, const Term& cut) {
  Region out;
  for (Term& t : r) {
    if (!terms_meet(t, cut)) {
      out.push_back(std::move(t));
      continue;
    }
    if (term_subset(t, cut)) continue;
    // t AND NOT cut = OR over cut's arguments of (t AND arg outside cut's atom).
    for (const auto& [a, x] : cut)
      for (const Atom& c : complement(x)) and_atom(t, a, c, out);
    if (out.size() > 4 * kMaxTerms) return false;
  }
  simplify(out);
  r = std::move(out);
  return r.size() <= kMaxTerms;
}

// One OCI comparison per atom; a range with two bounds is split into aligned blocks.
// `positive_only`: no SCMP_CMP_NE, _LT or _LE. libseccomp (measured on 2.5.4) builds those as
// the negation of ==, >= and >, and beside another entry of the same syscall its program can
// then take the wrong branch: ioctl with {arg1 & 0x40000000000003 == 0, arg0 <= 0} and
// {arg0 > 0x100000000, arg1 == 0x7fffffff}, both ERRNO(2), returns ERRNO(2) for ioctl(0,
// 0x7fffffff), which matches neither (the kernel agrees with its program, not with the rules).
// So a syscall with several entries gets only ==, >=, > and masks: x != v is x < v or x > v,
// and x <= v is aligned blocks of values.
std::vector<ArgCmp> oci_cmps(uint8_t arg, const Atom& x, bool positive_only) {
  if (x.as_written &&
      !(positive_only && (x.as_written->op == CmpOp::Ne || x.as_written->op == CmpOp::Lt ||
                          x.as_written->op == CmpOp::Le)))
    return {*x.as_written};
  std::vector<ArgCmp> out;
  auto blocks = [&](uint64_t lo, uint64_t hi) {
    for (const Atom& p : range_patterns(lo, hi, kAll))
      for (const ArgCmp& c : oci_cmps(arg, p, positive_only)) out.push_back(c);
  };
  switch (x.kind) {
    case Atom::Range:
      if (x.a == x.b) return {ArgCmp::eq(arg, x.a)};
      if (x.b == kAll) return {ArgCmp::ge(arg, x.a)};
      if (x.a == 0 && !positive_only) return {ArgCmp::le(arg, x.b)};
      blocks(x.a, x.b);
      return out;
    case Atom::Pattern:
      if (x.a == kAll) return {ArgCmp::eq(arg, x.b)};
      return {ArgCmp::masked_eq(arg, x.a, x.b)};
    case Atom::NotPoint:
      if (!positive_only) return {ArgCmp::ne(arg, x.a)};
      if (x.a > 0) blocks(0, x.a - 1);
      if (x.a < kAll) out.push_back(ArgCmp::gt(arg, x.a));
      return out;
  }
  return out;
}

// The syscalls[] entries' comparisons for a term (one list per entry).
std::vector<std::vector<ArgCmp>> oci_entries(const Term& t, bool positive_only) {
  std::vector<std::vector<ArgCmp>> out{{}};
  for (const auto& [a, x] : t) {
    std::vector<std::vector<ArgCmp>> next;
    for (const ArgCmp& c : oci_cmps(a, x, positive_only))
      for (const auto& e : out) {
        next.push_back(e);
        next.back().push_back(c);
      }
    out = std::move(next);
  }
  return out;
}

}  // namespace

Parsed<OciImport> import_oci(std::string_view text, const OciImportOptions& options) {
  Importer imp(options);
  return imp.run(text);
}

Parsed<OciImport> import_oci_file(const std::string& path, OciImportOptions options) {
  if (options.filename.empty()) options.filename = path;
  Result<std::string> text = read_input_file(path);
  if (!text) {
    Parsed<OciImport> out;
    Error e = text.error();
    const auto* file = std::get_if<FileProblem>(&e.payload);
    e.message = "cannot read " + quote(path) + ": " + (file ? file->reason : e.message);
    out.errors.push_back(std::move(e));
    return out;
  }
  return import_oci(*text, options);
}

Parsed<std::string> export_oci(const ir::ValidatedPolicy& policy, const OciExportOptions& options) {
  Parsed<std::string> out;
  const ir::PolicySpec& spec = policy.spec();
  auto rule_error = [&](const ir::Rule& r, std::string msg, std::string hint = {}) {
    Error e;
    e.message = std::move(msg);
    e.where = r.loc;
    e.hint = std::move(hint);
    out.errors.push_back(std::move(e));
  };
  auto warn = [&](std::string msg) {
    out.warnings.push_back(Error::warning(ErrorCode::Unsupported, std::move(msg)));
  };
  json root = json::object();
  auto put_action = [](json& j, const Action& a, const char* key, const char* ret_key) {
    j[key] = scmp_action(a.kind);
    if (a.kind == ActionKind::Errno || a.kind == ActionKind::Trace) j[ret_key] = a.data;
  };
  put_action(root, spec.default_action, "defaultAction", "defaultErrnoRet");
  if (spec.default_action.kind == ActionKind::Trap && spec.default_action.data)
    warn("the trap data of the default action is lost (OCI has no field for it)");
  json archs = json::array();
  for (Arch a : policy.arches()) archs.push_back(std::string(scmp_of(a)->oci_name));
  root["architectures"] = archs;
  if (options.flag_bits) {
    json f = json::array();
    for (const FlagName& fl : kFlags)
      if (options.flag_bits & fl.bit) f.push_back(std::string(fl.name));
    root["flags"] = f;
  }
  if (!options.listener_path.empty()) root["listenerPath"] = options.listener_path;
  if (!options.listener_metadata.empty()) root["listenerMetadata"] = options.listener_metadata;
  if (spec.unknown_syscall_action)
    warn("the unknown-syscall action (" + spec.unknown_syscall_action->to_string() +
         ") has no OCI equivalent: syscalls the policy does not name get the default action");
  if (spec.bad_arch_action != Action::kill_process())
    warn("the bad-arch action (" + spec.bad_arch_action.to_string() +
         ") has no OCI equivalent: the runtime chooses it");

  // Group rules with identical action and conditions; keep first-appearance order.
  struct Group {
    Action action;
    std::vector<ArgCmp> conds;
    std::vector<std::string> names;
  };
  std::vector<Group> groups;
  auto same_conds = [](const std::vector<ArgCmp>& a, const std::vector<ArgCmp>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].arg != b[i].arg || a[i].op != b[i].op || a[i].value != b[i].value ||
          a[i].mask != b[i].mask || a[i].width != b[i].width)
        return false;
    return true;
  };
  // A 64-bit target arch decides how comparisons read (on a 32-bit one every argument is one word).
  Arch cmp_arch = policy.arches()[0];
  for (Arch a : policy.arches())
    if (arch::info(a).args_are_64bit) {
      cmp_arch = a;
      break;
    }
  std::vector<std::string> names(spec.rules.size());
  for (size_t i = 0; i < spec.rules.size(); ++i) {
    const ir::Rule& r = spec.rules[i];
    names[i] = r.syscall;
    if (names[i].empty() && r.nr) {
      Arch a = r.only_arch.value_or(policy.arches()[0]);
      auto n = arch::syscall_name(a, *r.nr);
      if (!n) {
        rule_error(r, "syscall number " + std::to_string(*r.nr) + " has no name on " +
                          std::string(arch::info(a).name) + "; OCI profiles name syscalls");
        continue;
      }
      names[i] = std::string(*n);
    }
  }
  // The rule `o` applies on every target arch that has its syscall, with the same conditions:
  // it may narrow a rule that applies everywhere.
  auto same_on_every_arch = [&](const ir::Rule& o, const std::string& name) {
    if (!o.only_arch) return true;
    for (Arch a : policy.arches()) {
      if (a == *o.only_arch || !arch::syscall_number(a, name)) continue;
      bool twin = std::any_of(spec.rules.begin(), spec.rules.end(), [&](const ir::Rule& x) {
        return x.syscall == name && x.only_arch == a && x.action == o.action &&
               same_conds(x.conds, o.conds);
      });
      if (!twin) return false;
    }
    return true;
  };
  // sysfence's order among the rules of one syscall: more restrictive action first; of two
  // rules with one kind of action the earlier one (compiler.cpp's stable sort).
  auto comes_before = [&](size_t o, size_t r) {
    const Action& x = spec.rules[o].action;
    const Action& y = spec.rules[r].action;
    if (x == y) return false;
    if (x.more_restrictive_than(y)) return true;
    return !y.more_restrictive_than(x) && o < r;
  };
  std::set<std::string> seen_rule;  // per-arch copies of one rule collapse into one entry
  std::vector<std::pair<size_t, Region>> decided;  // rule index, where it decides
  for (size_t i = 0; i < spec.rules.size(); ++i) {
    const ir::Rule& r = spec.rules[i];
    const std::string& name = names[i];
    if (name.empty()) continue;
    // Rules with the default action get no entry: where they decide, the default applies. They
    // still narrow the rules they come before.
    if (r.action == spec.default_action) continue;
    Region region = region_of(r.conds, cmp_arch);
    bool bad = false;
    for (size_t j = 0; j < spec.rules.size() && !bad && !region.empty(); ++j) {
      const ir::Rule& o = spec.rules[j];
      if (j == i || names[j] != name || !comes_before(j, i)) continue;
      if (o.only_arch && r.only_arch && *o.only_arch != *r.only_arch) continue;
      if (o.only_arch && !r.only_arch && !same_on_every_arch(o, name)) {
        rule_error(
            r,
            "the rule for " + quote(name) + " is narrowed on " +
                std::string(arch::info(*o.only_arch).name) + " only, which OCI cannot express",
            "export for one arch at a time, or give the syscall the same rule on every arch");
        bad = true;
        break;
      }
      for (const Term& cut : region_of(o.conds, cmp_arch))
        if (!subtract(region, cut)) {
          rule_error(r,
                     "the rule for " + quote(name) + " needs more than " +
                         std::to_string(kMaxTerms) +
                         " OCI entries to keep its meaning beside the rules that come before it",
                     "simplify the conditions of the rules of " + quote(name));
          bad = true;
          break;
        }
    }
    if (bad || region.empty()) continue;  // empty: never decides (another rule always comes first)
    if (r.only_arch && !same_on_every_arch(r, name)) {
      // OCI cannot limit a rule to one arch. That is harmless when every target arch that has
      // this syscall gets the same rule (the per-arch copies collapse below).
      size_t before = out.errors.size();
      rule_error(r,
                 "the rule for " + quote(name) +
                     " differs between target arches, which OCI cannot express",
                 "export for one arch at a time, or give the syscall the same rule on every arch");
      for (size_t k = 0; k < before; ++k)
        if (out.errors[k].render() == out.errors.back().render()) {
          out.errors.pop_back();
          break;
        }
      continue;
    }
    decided.emplace_back(i, std::move(region));
  }
  // Syscalls with several entries get positive comparisons only (see oci_cmps).
  std::map<std::string, std::set<std::string>> entries_of;
  auto entry_key = [](const std::string& name, const Action& act,
                      const std::vector<ArgCmp>& conds) {
    std::string key = name + "|" + act.to_string();
    for (const ArgCmp& c : conds)
      key += "|" + std::to_string(c.arg) + "," + std::to_string(static_cast<int>(c.op)) + "," +
             std::to_string(c.value) + "," + std::to_string(c.mask);
    return key;
  };
  std::map<std::string, std::set<uint8_t>> args_of;
  std::set<std::string> chained;  // syscalls with an entry of two or more comparisons
  for (const auto& [i, region] : decided)
    for (const Term& t : region)
      for (const std::vector<ArgCmp>& conds : oci_entries(t, false)) {
        entries_of[names[i]].insert(entry_key(names[i], spec.rules[i].action, conds));
        for (const ArgCmp& c : conds) args_of[names[i]].insert(c.arg);
        if (conds.size() > 1) chained.insert(names[i]);
      }
  // libseccomp turns a syscall's entries into one decision tree over the argument words, which
  // it walks without going back: when entries compare different arguments and one of them ANDs
  // several comparisons, a call can go down that entry's branch, fail there, and never reach
  // the entry that matches (measured on 2.5.4: allow {arg0 >= 2, arg1 > 2} beside kill-process
  // {arg0 >= 3, arg1 <= 1}, disjoint, kills read(2, 0)). Entries of one comparison each, or all
  // on one argument, are exact (the differential tests in tests/compiler/oci_libseccomp_test.cpp);
  // anything else is an error, never a profile that means something else to runc.
  std::set<std::string> refused;
  for (const auto& [i, region] : decided) {
    const std::string& name = names[i];
    if (entries_of[name].size() > kMaxEntriesPerSyscall && refused.insert(name).second) {
      rule_error(spec.rules[i],
                 "the rules of " + quote(name) + " need " +
                     std::to_string(entries_of[name].size()) +
                     " OCI entries to keep their meaning (at most " +
                     std::to_string(kMaxEntriesPerSyscall) +
                     " are written: libseccomp's program would grow past what the kernel loads)",
                 "simplify the conditions of the rules of " + quote(name) +
                     " (64-bit masks and ranges beside each other need many entries)");
      continue;
    }
    if (entries_of[name].size() < 2 || args_of[name].size() < 2 || !chained.count(name) ||
        !refused.insert(name).second)
      continue;
    std::string args;
    for (uint8_t a : args_of[name]) args += (args.empty() ? "arg" : ", arg") + std::to_string(a);
    rule_error(
        spec.rules[i],
        "the rules of " + quote(name) + " compare " + args + " in " +
            std::to_string(entries_of[name].size()) +
            " OCI entries, some with several comparisons, which libseccomp (runc, crun) does not "
            "decide faithfully",
        "libseccomp walks one tree per syscall without going back: export only when the rules of " +
            quote(name) +
            " compare one argument between them, or each entry compares one argument");
  }
  for (const auto& [i, region] : decided) {
    const ir::Rule& r = spec.rules[i];
    const std::string& name = names[i];
    if (refused.count(name)) continue;
    const bool positive_only = entries_of[name].size() > 1;
    bool entered = false;
    for (const Term& t : region) {
      for (const std::vector<ArgCmp>& conds : oci_entries(t, positive_only)) {
        if (!seen_rule.insert(entry_key(name, r.action, conds)).second) continue;
        entered = true;
        auto g = std::find_if(groups.begin(), groups.end(), [&](const Group& x) {
          return x.action == r.action && same_conds(x.conds, conds);
        });
        if (g == groups.end()) {
          groups.push_back(Group{r.action, conds, {}});
          g = groups.end() - 1;
        }
        if (std::find(g->names.begin(), g->names.end(), name) == g->names.end())
          g->names.push_back(name);
      }
    }
    if (entered && r.action.kind == ActionKind::Trap && r.action.data)
      warn("the trap data of the rule for " + quote(name) + " is lost (OCI has no field for it)");
  }
  json sc = json::array();
  for (const Group& g : groups) {
    json e = json::object();
    e["names"] = g.names;
    put_action(e, g.action, "action", "errnoRet");
    if (!g.conds.empty()) {
      json args = json::array();
      for (const ArgCmp& c : g.conds) {
        json a = json::object();
        a["index"] = c.arg;
        if (c.op == CmpOp::MaskedEq) {
          a["value"] = c.mask;
          a["valueTwo"] = c.value;
        } else {
          a["value"] = c.value;
          a["valueTwo"] = 0;
        }
        a["op"] = opname(c.op);
        args.push_back(a);
      }
      e["args"] = args;
    }
    sc.push_back(e);
  }
  root["syscalls"] = sc;
  if (out.errors.empty()) out.value = root.dump(options.indent) + "\n";
  return out;
}

std::optional<std::string_view> cap_name(unsigned bit) {
  return arch::capability_name(static_cast<int>(bit));  // the one capability table
}

std::vector<std::string> docker_default_caps() {
  // moby's oci/caps/defaults.go (DefaultCapabilities).
  return {"CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
          "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
          "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
          "CAP_KILL",    "CAP_AUDIT_WRITE"};
}

std::vector<std::string> host_effective_caps() {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    uint64_t mask = std::strtoull(line.c_str() + 7, nullptr, 16);
    for (unsigned b = 0; b < 64; ++b)
      if (mask & (1ULL << b))
        if (auto n = cap_name(b)) out.emplace_back(*n);
  }
  return out;
}

std::string host_kernel_version() {
  struct utsname u {};
  if (uname(&u) != 0) return "0.0";
  std::string r = u.release;
  size_t i = 0;
  while (i < r.size() && ((r[i] >= '0' && r[i] <= '9') || r[i] == '.')) ++i;
  return r.substr(0, i);
}

}  // namespace sysfence::frontend
