// Server: HTTP/1.1 with keep-alive over Boost.Beast, feeding requests to a Router. The only file
// of api/ that includes Beast.
//
// Each connection is a coroutine on its own strand: read one request (with a deadline, so slow
// clients are cut off), dispatch it, write the answer, repeat while keep-alive holds. Bounds:
// `max_connections` open connections and `max_in_flight` dispatched requests (operational routes
// excepted); over either, requests are answered 429 `overloaded` with `Retry-After: 1`.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/context.h"
#include "api/router.h"
#include "cairn/status.h"

namespace cairn::api {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see Server::port())
  std::size_t threads = 2;
  std::int64_t max_connections = 10'000;
  std::int64_t max_in_flight = 4096;
  // A request (headers and body) must arrive within this; an idle keep-alive connection is
  // closed after it too.
  std::chrono::milliseconds read_timeout{15'000};
  // After drain(), how long connections that are still open may bring a request (answered 503
  // `unavailable`): wait_idle() waits this long for them to close.
  std::chrono::milliseconds drain_grace{2'000};
};

class Server {
 public:
  // `router` and `ctx` must outlive the server.
  Server(Router& router, Context& ctx, ServerOptions options);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the threads. kInvalidArgument for a bad host, kIoError when the
  // address cannot be bound.
  Status start();
  // The bound port (the actual one when options.port was 0).
  std::uint16_t port() const;
  // Stops accepting; requests that arrive later on open connections are answered 503
  // `unavailable` with `Connection: close`. Requests already dispatched finish normally.
  void drain();
  // Waits, at most `timeout`, until no request is being handled or written and every connection
  // has closed or had options.drain_grace since drain() to send one; true when so. Call it from
  // the thread that called drain().
  bool wait_idle(std::chrono::milliseconds timeout);
  // Closes every connection and joins the threads. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when `host` is a loopback address (127.0.0.0/8, ::1 or `localhost`).
bool is_loopback_host(const std::string& host);

// Binds host:port and lets go of it at once: whether Server::start() could listen there (the same
// errors), asked before anything else is set up, such as a database created. Port 0 always can.
Status check_can_listen(const std::string& host, std::uint16_t port);

}  // namespace cairn::api
