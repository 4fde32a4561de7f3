// ClientGone: how a long-poll learns that its client went away. The server sets one on a request
// that may wait (`?wait=`) and watches the socket while the answer is pending; the route tells it
// what to do then (answer the poll at once, which frees its in-flight slot). Without it a client
// that gave up (or a proxy with a shorter timeout) held a slot until the wait ended: enough of
// them turned every request into 429 for up to a minute (an outside audit).
#pragma once

#include <functional>
#include <mutex>

namespace cairn::api {

class ClientGone {
 public:
  // What to do once the client is gone; runs at once if it already is. Called by the route.
  void on_gone(std::function<void()> fn);
  // The client closed or reset its connection: runs what on_gone() set, once, unless the answer
  // came first. Called by the server.
  void gone();
  bool is_gone() const;
  // The answer came: from now on gone() does nothing, and the server stops watching the socket.
  void answered();
  bool is_answered() const;

 private:
  mutable std::mutex mu_;
  std::function<void()> fn_;
  bool gone_ = false;
  bool answered_ = false;
};

}  // namespace cairn::api
