// MemoryTables: an in-process cairn::Tables for service tests; transactions are serialised by one
// mutex and applied all or nothing, like the store's. Outlives engine crashes in TestEnv tests,
// as a real external service would.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "cairn/tables.h"

namespace cairn::test {

class MemoryTables final : public Tables {
 public:
  Status transact(const std::function<Status(TableTx&)>& fn) override {
    std::lock_guard lock(mu_);
    Tx tx{data_};
    Status st = fn(tx);
    if (st.is_ok()) data_ = std::move(tx.data);
    ++transactions_;
    return st;
  }
  Result<Rows> scan_table(const std::string& table, const std::string& prefix) override {
    std::lock_guard lock(mu_);
    return scan(data_, table, prefix);
  }
  int transactions() {
    std::lock_guard lock(mu_);
    return transactions_;
  }

 private:
  using Data = std::map<std::string, std::map<std::string, std::string>>;

  static Rows scan(const Data& data, const std::string& table, const std::string& prefix) {
    Rows out;
    auto t = data.find(table);
    if (t == data.end()) return out;
    for (auto it = t->second.lower_bound(prefix); it != t->second.end() && it->first.rfind(prefix, 0) == 0; ++it)
      out.emplace_back(it->first, it->second);
    return out;
  }

  // Works on a copy; transact() keeps it only when the function succeeded.
  struct Tx final : TableTx {
    explicit Tx(Data d) : data(std::move(d)) {}
    std::optional<std::string> get(const std::string& table, const std::string& key) override {
      auto t = data.find(table);
      if (t == data.end()) return std::nullopt;
      auto it = t->second.find(key);
      if (it == t->second.end()) return std::nullopt;
      return it->second;
    }
    void put(const std::string& table, const std::string& key, const std::string& value) override {
      data[table][key] = value;
    }
    bool insert(const std::string& table, const std::string& key, const std::string& value) override {
      return data[table].emplace(key, value).second;
    }
    void erase(const std::string& table, const std::string& key) override { data[table].erase(key); }
    Rows scan(const std::string& table, const std::string& prefix) override {
      return MemoryTables::scan(data, table, prefix);
    }
    Data data;
  };

  std::mutex mu_;
  Data data_;
  int transactions_ = 0;
};

}  // namespace cairn::test
