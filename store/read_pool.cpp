// The pool of read-only connections.
#include "store/read_pool.h"

#include "store/schema.h"

namespace cairn::store {

Result<std::unique_ptr<ReadPool>> ReadPool::open(const std::string& path, std::size_t n) {
  auto pool = std::make_unique<ReadPool>();
  for (std::size_t i = 0; i < n; ++i) {
    auto db = std::make_unique<Db>();
    if (Status st = open_reader(*db, path); !st) return st;
    pool->free_.push_back(db.get());
    pool->dbs_.push_back(std::move(db));
  }
  return pool;
}

Db* ReadPool::acquire() {
  std::unique_lock lk(mu_);
  freed_.wait(lk, [&] { return !free_.empty(); });
  Db* db = free_.back();
  free_.pop_back();
  return db;
}

void ReadPool::release(Db* db) {
  {
    std::lock_guard lk(mu_);
    free_.push_back(db);
  }
  freed_.notify_one();
}

}  // namespace cairn::store
