// What the torture found: violations (each one line naming the order and the invariant), kept
// thread-safe because the load's workers report too.
#pragma once

#include <mutex>
#include <string>
#include <vector>

namespace cairn::torture {

class Report {
 public:
  void violation(std::string what) {
    std::lock_guard lock(mu_);
    violations_.push_back(std::move(what));
  }
  std::vector<std::string> violations() const {
    std::lock_guard lock(mu_);
    return violations_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> violations_;
};

}  // namespace cairn::torture
