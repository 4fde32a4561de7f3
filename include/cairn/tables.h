// Tables: durable key -> JSON-text rows for activities that keep state of their own (the simulated
// payment gateway, inventory, ...), in the engine's database. A transaction is serialised with
// every other write and is durable when transact() returns ok, so a check-then-write inside one
// (reserve stock if available, record an idempotency key if new) cannot race.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cairn/status.h"

namespace cairn {

using Rows = std::vector<std::pair<std::string, std::string>>;

class TableTx {
 public:
  virtual ~TableTx() = default;
  virtual std::optional<std::string> get(const std::string& table, const std::string& key) = 0;
  virtual void put(const std::string& table, const std::string& key, const std::string& value) = 0;
  // Inserts only if absent; false when the key existed (nothing changed).
  virtual bool insert(const std::string& table, const std::string& key, const std::string& value) = 0;
  virtual void erase(const std::string& table, const std::string& key) = 0;
  // Rows whose key starts with `prefix`, in key order.
  virtual Rows scan(const std::string& table, const std::string& prefix) = 0;
};

class Tables {
 public:
  virtual ~Tables() = default;
  // Runs `fn` in one transaction (all of its writes or none); returns once durable. A non-ok
  // Status from fn rolls its writes back and is returned. May block; call from activity threads.
  virtual Status transact(const std::function<Status(TableTx&)>& fn) = 0;
  // Committed rows whose key starts with `prefix`, in key order.
  virtual Result<Rows> scan_table(const std::string& table, const std::string& prefix) = 0;
};

}  // namespace cairn
