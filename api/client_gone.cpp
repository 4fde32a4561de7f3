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
    if (gone_) return;
    gone_ = true;
    fn = std::exchange(fn_, nullptr);
  }
  if (fn) fn();
}

bool ClientGone::is_gone() const {
  std::lock_guard lock(mu_);
  return gone_;
}

}  // namespace cairn::api
