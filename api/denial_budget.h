// DenialBudget: keeps 401s from becoming unbounded durable writes. Every 401 used to be written
// to the audit log (a commit) before it was answered, so anyone who can reach the port could
// make the server commit, and grow the audit table, as fast as it answers. Up to kPerSecond 401s
// a second are audited one by one, as before; past that they are only counted, and the count is
// written as one entry with the next 401 audited after that second (an outside code review).
// The browser guard's 403s (a cross-site Origin, or a Host that is no loopback name on an open
// server) are decided before any token is read, so anyone can send them too: they have a budget
// of their own (Context::guard_denials; an outside network audit). The other 403s (a known
// caller doing what its role may not) are always audited.
#pragma once

#include <cstdint>
#include <mutex>

namespace cairn::api {

class DenialBudget {
 public:
  static constexpr int kPerSecond = 20;

  // For a 401 at `now_ms`: true when it is audited on its own, false when it was only counted.
  // `suppressed` is set to the 401s counted in earlier seconds that no entry reported yet (their
  // summary goes to the log with this one), else 0.
  bool admit(std::int64_t now_ms, std::int64_t& suppressed);

 private:
  std::mutex mu_;
  std::int64_t second_ = -1;
  int audited_ = 0;             // in second_
  std::int64_t unreported_ = 0;  // counted, not yet summarised
};

}  // namespace cairn::api
