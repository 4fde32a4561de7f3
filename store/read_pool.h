// ReadPool: a few read-only connections shared by every reading thread (WAL readers never block
// the writer). A reader borrows one for the length of a query.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cairn/status.h"
#include "store/sqlite_db.h"

namespace cairn::store {

class ReadPool {
 public:
  // Opens `n` read connections on `path` (the writer must have created and migrated it).
  static Result<std::unique_ptr<ReadPool>> open(const std::string& path, std::size_t n);

  // Db::report_corruption_to on every connection.
  void report_corruption_to(std::atomic<bool>* seen) {
    for (auto& db : dbs_) db->report_corruption_to(seen);
  }

  // Runs f(Db&) on a free connection, waiting for one if all are busy; returns f's result.
  template <class F>
  auto with(F&& f) {
    Lease lease(*this);
    return f(*lease.db);
  }

 private:
  struct Lease {
    explicit Lease(ReadPool& p) : pool(p), db(p.acquire()) {}
    ~Lease() { pool.release(db); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ReadPool& pool;
    Db* db;
  };

  Db* acquire();
  void release(Db* db);

  std::vector<std::unique_ptr<Db>> dbs_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<Db*> free_;  // guarded by mu_
};

}  // namespace cairn::store
