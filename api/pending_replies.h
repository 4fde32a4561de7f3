// PendingReplies: the sessions waiting for a route's answer, owned by the server.
//
// A route may answer long after it was called, from an engine thread (a long poll, a commit),
// and the engine can outlive the server. So the engine never holds a session's completion
// handler: it holds a ticket, and the handler stays here. After close() (the server's threads
// are joined) a late answer finds nothing and touches nothing, and the waiting handlers are
// destroyed while the io_context that owns their sockets is still alive. resolve() posts under
// the lock, so close() also waits for an answer that is being posted at that moment.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>

#include "api/http_types.h"

namespace cairn::api {

class PendingReplies {
 public:
  // Parks `handler` (called with the Response on its associated executor); returns its ticket.
  template <class Handler>
  std::uint64_t park(Handler handler) {
    auto waiting = std::make_unique<Parked<Handler>>(std::move(handler));
    std::lock_guard lock(mutex_);
    std::uint64_t ticket = ++last_ticket_;
    if (open_) waiting_.emplace(ticket, std::move(waiting));
    return ticket;
  }

  // Hands `response` to the handler parked under `ticket`; a no-op after close().
  void resolve(std::uint64_t ticket, Response response) {
    std::lock_guard lock(mutex_);
    auto it = waiting_.find(ticket);
    if (it == waiting_.end()) return;
    std::unique_ptr<Waiting> waiting = std::move(it->second);
    waiting_.erase(it);
    waiting->post(std::move(response));
  }

  // Refuses further answers and destroys the handlers still waiting. Call with no thread
  // running the handlers' executor.
  void close() {
    std::unordered_map<std::uint64_t, std::unique_ptr<Waiting>> abandoned;
    {
      std::lock_guard lock(mutex_);
      open_ = false;
      abandoned.swap(waiting_);
    }
  }

 private:
  struct Waiting {
    virtual ~Waiting() = default;
    virtual void post(Response response) = 0;
  };
  template <class Handler>
  struct Parked final : Waiting {
    explicit Parked(Handler h) : handler(std::move(h)) {}
    void post(Response response) override {
      auto ex = boost::asio::get_associated_executor(handler);
      boost::asio::post(ex, [h = std::move(handler), r = std::move(response)]() mutable { h(std::move(r)); });
    }
    Handler handler;
  };

  std::mutex mutex_;
  bool open_ = true;
  std::uint64_t last_ticket_ = 0;
  std::unordered_map<std::uint64_t, std::unique_ptr<Waiting>> waiting_;
};

}  // namespace cairn::api
