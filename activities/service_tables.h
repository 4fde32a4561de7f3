// Helpers the simulated services share: JSON rows in cairn::Tables, counters, and exactly-once
// effects keyed by an activity's idempotency key.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "cairn/json.h"
#include "cairn/tables.h"

namespace cairn::activities {

// Milliseconds since the epoch; the services stamp ledger entries and notifications with it.
using NowFn = std::function<std::int64_t()>;
std::int64_t wall_clock_ms();
// "2026-01-01T00:00:00.000Z"
std::string rfc3339(std::int64_t ms);

// What one mutating operation did. kRetry commits the transaction's writes (an attempt counter)
// but records nothing under the key, so the next attempt runs again.
struct Effect {
  enum class Kind { kOk, kTerminal, kRetry };
  Kind kind = Kind::kOk;
  Json value;
  std::string error_type;
  std::string error_message;

  static Effect ok(Json v) { return Effect{Kind::kOk, std::move(v), {}, {}}; }
  static Effect terminal(std::string type, std::string message) {
    return Effect{Kind::kTerminal, nullptr, std::move(type), std::move(message)};
  }
  static Effect retry(std::string type, std::string message) {
    return Effect{Kind::kRetry, nullptr, std::move(type), std::move(message)};
  }
};

// Runs `fn` in one transaction unless operation `op` already ran under `key`; the outcome (value
// or terminal error) is stored with fn's writes, and a repeat returns it without calling fn.
// Returns the value; throws TerminalError for a terminal outcome, RetryableError for kRetry and
// when the store fails (the activity's retry policy then decides).
Json run_once(Tables& tables, const std::string& op, const std::string& key,
              const std::function<Effect(TableTx&)>& fn);

std::optional<Json> get_json(TableTx& tx, const std::string& table, const std::string& key);
void put_json(TableTx& tx, const std::string& table, const std::string& key, const Json& value);
// Increments and returns counter `name` (1 for the first call).
std::int64_t next_seq(TableTx& tx, const std::string& name);
// Zero-padded so that keys sort in number order.
std::string seq_key(std::int64_t n);
// Committed rows of `table` under `prefix`, parsed; throws RetryableError when the store fails.
std::vector<std::pair<std::string, Json>> scan_json(Tables& tables, const std::string& table,
                                                    const std::string& prefix);

}  // namespace cairn::activities
