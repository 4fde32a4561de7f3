// Fork/exec of `cairn serve`, its `listening on` line, SIGKILL and SIGTERM.
#include "tools/torture/server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

namespace cairn::torture {

Server::Server(std::string binary, std::string db) : binary_(std::move(binary)), db_(std::move(db)), log_(db_ + ".log") {}

Server::~Server() {
  if (pid_ > 0) kill();
}

Status Server::start() {
  std::vector<std::string> argv = {binary_, "serve", "--listen", "127.0.0.1:0", "--db", db_};
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return {Errc::kIoError, "pipe failed"};
  pid_ = fork();
  if (pid_ < 0) return {Errc::kIoError, "fork failed"};
  if (pid_ == 0) {
    dup2(out[1], 1);
    if (std::FILE* log = std::fopen(log_.c_str(), "a")) dup2(fileno(log), 2);
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
  std::uint16_t port = 0;
  // Blocks until the server prints its line, or exits (EOF).
  while (port == 0 && std::fgets(line, sizeof line, stdout_)) {
    std::string s = line;
    if (s.rfind("listening on ", 0) == 0) port = static_cast<std::uint16_t>(std::stoi(s.substr(s.rfind(':') + 1)));
  }
  if (port == 0) {
    const int code = reap();
    return {Errc::kIoError, "cairn serve exited with " + std::to_string(code) + " before listening (see " + log_ + ")"};
  }
  set_port(port);
  return Status::ok();
}

void Server::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  reap();
}

int Server::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  return reap();
}

int Server::reap() {
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (stdout_) std::fclose(stdout_);
  stdout_ = nullptr;
  set_port(0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void Server::set_port(std::uint16_t port) {
  std::lock_guard lock(mu_);
  endpoint_.port = port;
  if (port != 0) ++endpoint_.generation;
  changed_.notify_all();
}

Endpoint Server::endpoint() const {
  std::lock_guard lock(mu_);
  return endpoint_;
}

Endpoint Server::wait_change(std::uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  changed_.wait_for(lock, timeout, [&] { return endpoint_.generation != seen && endpoint_.port != 0; });
  return endpoint_;
}

}  // namespace cairn::torture
