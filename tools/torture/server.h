// The `cairn serve` child the torture kills: started on port 0 with one database, its stderr
// appended to <db>.log, and an endpoint (port plus a generation number bumped at every start)
// that the load's workers wait on when the server they talked to is gone.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "api/server_process.h"
#include "cairn/status.h"

namespace cairn::torture {

struct Endpoint {
  std::uint64_t generation = 0;  // 0: no server yet
  std::uint16_t port = 0;        // 0: down
};

class Server {
 public:
  Server(std::string binary, std::string db);
  ~Server() = default;  // SIGKILLs a running child
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Starts the child and waits for its `listening on` line; kIoError when it exits first.
  Status start();
  // SIGKILL, reaped; the endpoint goes down.
  void kill();
  // SIGTERM and the exit code (128 + signal when killed by one).
  int terminate();

  Endpoint endpoint() const;
  // Waits until the endpoint's generation differs from `seen` and the server is up, or until
  // `timeout` passes; returns the endpoint then.
  Endpoint wait_change(std::uint64_t seen, std::chrono::milliseconds timeout) const;
  const std::string& log_path() const { return log_; }

 private:
  int stop(int sig);
  void set_port(std::uint16_t port);

  std::string binary_;
  std::string db_;
  std::string log_;
  std::unique_ptr<test::ServerProcess> child_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  Endpoint endpoint_;  // guarded by mu_
};

}  // namespace cairn::torture
