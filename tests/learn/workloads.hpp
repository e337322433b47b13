// tests/learn/workloads.hpp — the real workloads `learn` is proven on (tests) and measured on
// (bench): each is a shell command run in a fresh directory.
#pragma once

#include <string>
#include <vector>

#include <unistd.h>

inline bool on_path(const std::string& name) {
  for (const char* d : {"/usr/local/bin/", "/usr/bin/", "/bin/"})
    if (::access((d + name).c_str(), X_OK) == 0) return true;
  return false;
}

inline std::vector<std::string> with(std::vector<std::string> a,
                                     const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct Workload {
  std::string name;
  std::string needs;   // programs, space-separated
  std::string script;  // run by sh in the directory given as $1
  bool available() const {
    size_t s = 0;
    while (s < needs.size()) {
      size_t e = needs.find(' ', s);
      if (e == std::string::npos) e = needs.size();
      if (!on_path(needs.substr(s, e - s))) return false;
      s = e + 1;
    }
    return true;
  }
  std::vector<std::string> command(const std::string& dir) const {
    return {"sh", "-c", script, "sh", dir};
  }
};

inline Workload python_workload() {
  return {
      "python", "python3",
      "cd \"$1\" && python3 - <<'EOF'\n"
      "import json, sqlite3, threading, subprocess, socket\n"
      "d = json.loads(json.dumps({'a': [1, 2, 3]}))\n"
      "db = sqlite3.connect('t.db')\n"
      "db.execute('create table t (x)'); db.execute('insert into t values (?)', (d['a'][0],)); "
      "db.commit()\n"
      "assert db.execute('select x from t').fetchone()[0] == 1\n"
      "res = []\n"
      "ts = [threading.Thread(target=lambda i=i: res.append(i * i)) for i in range(4)]\n"
      "[t.start() for t in ts]; [t.join() for t in ts]\n"
      "assert sorted(res) == [0, 1, 4, 9]\n"
      "assert subprocess.run(['echo', 'hi'], capture_output=True, text=True).stdout == 'hi\\n'\n"
      "a, b = socket.socketpair(); a.sendall(b'ping'); assert b.recv(4) == b'ping'\n"
      "EOF\n"};
}

inline Workload git_workload() {
  return {"git", "git",
          "cd \"$1\" && git init -q . && echo hello > f && git add f && "
          "git -c user.email=t@example.com -c user.name=t commit -qm first && test \"$(git log "
          "--oneline | wc -l)\" = 1"};
}

inline Workload tar_workload() {
  return {"tar", "tar gzip",
          "cd \"$1\" && mkdir -p d/sub && echo a > d/a && echo b > d/sub/b && tar czf d.tgz d && "
          "gzip -t d.tgz"};
}

inline Workload make_workload() {
  return {"make", "make gcc",
          "cd \"$1\" && printf 'int main(void) { return 0; }\\n' > m.c && "
          "printf 'm: m.c\\n\\tgcc -O1 -o m m.c\\n' > Makefile && make -s && ./m"};
}
