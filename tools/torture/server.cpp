// Starts, SIGKILLs and SIGTERMs the `cairn serve` child (test::ServerProcess) and publishes its endpoint.
#include "tools/torture/server.h"

#include <signal.h>

#include <vector>

namespace cairn::torture {

Server::Server(std::string binary, std::string db) : binary_(std::move(binary)), db_(std::move(db)), log_(db_ + ".log") {}

Status Server::start() {
  try {
    child_ = std::make_unique<test::ServerProcess>(binary_, db_, std::vector<std::string>{});
  } catch (const std::exception& e) {  // pipe or fork failed
    return {Errc::kIoError, std::string("cannot start cairn serve: ") + e.what()};
  }
  if (!child_->started()) {
    const int code = child_->exit_code();
    child_.reset();
    return {Errc::kIoError, "cairn serve exited with " + std::to_string(code) + " before listening (see " + log_ + ")"};
  }
  set_port(child_->port());
  return Status::ok();
}

void Server::kill() { (void)stop(SIGKILL); }

int Server::terminate() { return stop(SIGTERM); }

int Server::stop(int sig) {
  if (!child_) return -1;
  const int code = child_->stop(sig);
  child_.reset();
  set_port(0);
  return code;
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
