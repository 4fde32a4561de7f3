// Context: what every route handler may use — the engine, auth, the demo tables and counters.
#pragma once

#include <atomic>
#include <cstdint>

#include "api/auth.h"
#include "api/blocking_pool.h"
#include "api/denial_budget.h"
#include "api/watches.h"
#include "cairn/tables.h"
#include "engine/engine.h"

namespace cairn::api {

// HTTP-level counters, exported by /metrics. Updated by the router and the server.
struct HttpCounters {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> by_class[6] = {};  // answers by status class: [2] = 2xx ... [5] = 5xx
  std::atomic<std::uint64_t> shed{0};           // answered 429 by the server's bounds
  std::atomic<std::uint64_t> unaudited_401{0};  // 401s past DenialBudget's rate: counted, summarised
  std::atomic<std::uint64_t> unaudited_guard_403{0};  // the browser guard's 403s past that rate
  std::atomic<std::int64_t> in_flight{0};       // dispatched, not yet answered
  std::atomic<std::int64_t> connections{0};
};

struct Context {
  Context(engine::Engine& e, Auth a, Tables* demo_tables) : engine(e), auth(std::move(a)), demo(demo_tables) {}

  engine::Engine& engine;
  Auth auth;
  Tables* demo = nullptr;  // the demo services' tables; null: no demo routes (`--no-demo`)
  HttpCounters counters;
  Watches watches;           // long-polls in progress (answered 503 at shutdown)
  DenialBudget denials;      // which 401s are audited one by one
  DenialBudget guard_denials;  // which of the browser guard's 403s (decided before auth) are
  BlockingPool blocking{2};  // for handlers whose calls block (demo table transactions)
};

}  // namespace cairn::api
