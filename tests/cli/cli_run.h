// Test support for the cli suite: runs the `cairn` binary and collects its output and exit code.
#pragma once

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace cairn::test {

struct Run {
  int code = -1;
  std::string out;  // stdout (unless sent elsewhere) and stderr together
};

// Runs `<env> cairn <args>` (through the shell, so quote as in a terminal; env as VAR=value ...).
// `stdout_to` sends stdout there instead (`/dev/full`); stderr is still collected.
inline Run cairn_plain(const std::string& args, const std::string& env = "", const std::string& stdout_to = "") {
  std::string cmd = env + " " + std::string(CAIRN_BINARY) + " " + args + " 2>&1";
  if (!stdout_to.empty()) cmd += " >" + stdout_to;
  std::FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  Run r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline Run cairn_cli(const std::string& server, const std::string& args) {
  return cairn_plain(args + " --server " + server);
}

inline bool has(const Run& r, const std::string& text) { return r.out.find(text) != std::string::npos; }

}  // namespace cairn::test
