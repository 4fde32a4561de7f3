// Test support: a temp directory and a `cairn serve` child process (started with port 0, ready
// once it printed its `listening on` line), shared by the api and cli suites.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "api/http_client.h"

namespace cairn::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cairn-api-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Runs `<binary> serve --listen 127.0.0.1:0 --db <db> <extra...>`; stderr goes to <db>.log. The
// test suites use the `cairn` they were built with; cairn_torture passes its own.
class ServerProcess {
 public:
#ifdef CAIRN_BINARY
  explicit ServerProcess(const std::string& db, std::vector<std::string> extra = {})
      : ServerProcess(CAIRN_BINARY, db, std::move(extra)) {}
#endif
  ServerProcess(std::string binary, const std::string& db, std::vector<std::string> extra) {
    std::vector<std::string> argv = {std::move(binary), "serve", "--listen", "127.0.0.1:0", "--db", db};
    argv.insert(argv.end(), extra.begin(), extra.end());
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(out[1], 1);
      std::FILE* log = std::fopen((db + ".log").c_str(), "a");
      if (log) dup2(fileno(log), 2);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    ::close(out[1]);
    stdout_ = fdopen(out[0], "r");
    char line[256];
    // Blocks until the server prints its line (or exits: then fgets sees EOF).
    while (std::fgets(line, sizeof line, stdout_)) {
      std::string s = line;
      if (s.rfind("listening on ", 0) == 0) {
        port_ = static_cast<std::uint16_t>(std::stoi(s.substr(s.rfind(':') + 1)));
        return;
      }
    }
    exit_code_ = wait_exit();
  }
  ~ServerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait_exit();
    }
    if (stdout_) std::fclose(stdout_);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool started() const { return port_ != 0; }
  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  api::HttpClient client() const { return api::HttpClient("127.0.0.1", port_); }

  // Sends `sig` and returns the exit status (exit code, or 128 + signal).
  int stop(int sig = SIGTERM) {
    signal(sig);
    return wait_exit();
  }
  void signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  // Waits for the process to end; returns its exit status as stop() does.
  int wait_exit() {
    int status = 0;
    if (pid_ <= 0) return exit_code_;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }
  int exit_code() const { return exit_code_; }

 private:

  pid_t pid_ = -1;
  std::FILE* stdout_ = nullptr;
  std::uint16_t port_ = 0;
  int exit_code_ = -1;
};

}  // namespace cairn::test
