// DenialBudget: 401s audited one by one up to a rate, the rest summarised (see denial_budget.h).
#include "api/denial_budget.h"

#include <utility>

namespace cairn::api {

bool DenialBudget::admit(std::int64_t now_ms, std::int64_t& suppressed) {
  std::lock_guard lock(mu_);
  suppressed = 0;
  const std::int64_t second = now_ms / 1000;
  if (second != second_) {
    second_ = second;
    audited_ = 0;
  }
  if (audited_ >= kPerSecond) {
    ++unreported_;
    return false;
  }
  ++audited_;
  suppressed = std::exchange(unreported_, 0);
  return true;
}

}  // namespace cairn::api
