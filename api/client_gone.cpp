// ClientGone: the long-poll's "client went away" hook (see client_gone.h).
#include "api/client_gone.h"

#include <utility>

namespace cairn::api {

void ClientGone::on_gone(std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    if (!gone_) {
      fn_ = std::move(fn);
      return;
    }
  }
  fn();
}

void ClientGone::gone() {
  std::function<void()> fn;
  {
    std::lock_guard lock(mu_);
    if (gone_ || answered_) return;
    gone_ = true;
    fn = std::exchange(fn_, nullptr);
  }
  if (fn) fn();
}

bool ClientGone::is_gone() const {
  std::lock_guard lock(mu_);
  return gone_;
}

void ClientGone::answered() {
  std::lock_guard lock(mu_);
  answered_ = true;
  fn_ = nullptr;
}

bool ClientGone::is_answered() const {
  std::lock_guard lock(mu_);
  return answered_;
}

}  // namespace cairn::api
