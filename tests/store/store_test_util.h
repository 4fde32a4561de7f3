// Helpers shared by the store tests: a temporary directory, a store opened in it, batch builders,
// damage done to a database under an open store, and a gate that holds the writer thread so
// queued batches commit in one transaction.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <string>
#include <thread>

#include "store/sqlite_store.h"
#include "store/store.h"

namespace cairn::store::test {

// A fresh directory on the same disk as the build (not tmpfs), removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cairn-store-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline SqliteOptions options_in(const TempDir& dir) {
  SqliteOptions o;
  o.path = dir.file("cairn.db");
  return o;
}

inline std::unique_ptr<SqliteStore> open_store(const SqliteOptions& o) {
  auto s = SqliteStore::open(o);
  REQUIRE_MESSAGE(s.is_ok(), s.status().to_string());
  return std::move(s).value();
}

inline NewEvent event(EventType type, std::string data = "{}", std::int64_t cmd = 0) {
  return NewEvent{type, cmd, 1000, std::move(data)};
}

// Creates run `id` and appends its WorkflowStarted (seq 1), as the engine starts a run.
inline JournalBatch create_batch(const std::string& id, Millis created_at = 1000,
                                 const std::string& type = "order.place", const std::string& key = "") {
  JournalBatch b;
  b.now = created_at;
  b.create = CreateRun{id, type, 1, R"({"n":1})", "", key, created_at};
  const std::string started = R"({"input":{"n":1},"parent_id":"","type":")" + type + R"(","version":1})";
  b.appends.push_back(Append{id, 0, {event(EventType::kWorkflowStarted, started)}, {}});
  return b;
}

// Appends `n` SideEffect events to run `id` after seq `expected`.
inline JournalBatch append_batch(const std::string& id, std::int64_t expected, int n = 1, Millis now = 2000) {
  JournalBatch b;
  b.now = now;
  Append a{id, expected, {}, {}};
  for (int i = 0; i < n; ++i) a.events.push_back(event(EventType::kSideEffect, R"({"value":1})", expected + i + 1));
  b.appends.push_back(std::move(a));
  return b;
}

// Runs `sql` on a connection of its own (another process, as far as SQLite is concerned).
inline void outside(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  CHECK_MESSAGE(rc == SQLITE_OK, (err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
}

// Turns the (closed) database at `path` into what schema version `version` (1, 2 or 3) was: none
// had the kv.crc and signal_keys.crc of version 4, versions 1 and 2 not the meta table of version
// 3, version 1 no events.crc.
inline void downgrade_schema(const std::string& path, int version) {
  if (version < 4) outside(path, "ALTER TABLE kv DROP COLUMN crc; ALTER TABLE signal_keys DROP COLUMN crc");
  if (version < 3) outside(path, "DROP TABLE meta");
  if (version < 2) outside(path, "ALTER TABLE events DROP COLUMN crc");
  outside(path, fmt::format("PRAGMA user_version = {}", version).c_str());
}

// The first column of the first row of `sql`, read with a connection of our own.
inline std::string query_one(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// Damages the database at `path` under whoever has it open: checkpoints everything into the
// file, overwrites `table`'s root page with 0xff bytes, then commits from another connection so
// that every connection's cached pages are stale and the next read of the table fails.
inline void damage_root_page(const std::string& path, const char* table) {
  outside(path, "PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  const std::string sql = fmt::format("SELECT rootpage FROM sqlite_master WHERE name = '{}'", table);
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &q, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(q) == SQLITE_ROW);
  const int page = sqlite3_column_int(q, 0);
  sqlite3_finalize(q);
  sqlite3_close(db);
  const int fd = ::open(path.c_str(), O_WRONLY);
  REQUIRE(fd >= 0);
  const std::string garbage(4096, '\xff');
  REQUIRE(::pwrite(fd, garbage.data(), garbage.size(), static_cast<off_t>(page - 1) * 4096) == 4096);
  ::close(fd);
  outside(path, "INSERT INTO kv(tbl, k, v) VALUES ('test', 'damage', '')");
}

inline void commit_ok(Store& s, JournalBatch b) {
  const BatchResult r = s.commit(std::move(b));
  REQUIRE_MESSAGE(r.status.is_ok(), r.status.to_string());
  REQUIRE(r.applied);
}

// Holds the writer thread inside a transact() until release(): batches submitted meanwhile
// queue up and are committed together in the writer's next transaction.
class WriterGate {
 public:
  explicit WriterGate(Store& s) {
    auto entered = entered_.get_future();
    thread_ = std::thread([this, &s] {
      const Status st = s.transact([this](TableTx&) {
        entered_.set_value();
        open_.get_future().wait();
        return Status::ok();
      });
      CHECK(st.is_ok());
    });
    entered.wait();
  }
  ~WriterGate() { release(); }
  WriterGate(const WriterGate&) = delete;
  WriterGate& operator=(const WriterGate&) = delete;
  // Lets the writer finish the held transaction; returns once transact() returned.
  void release() {
    if (!thread_.joinable()) return;
    open_.set_value();
    thread_.join();
  }

 private:
  std::promise<void> entered_;
  std::promise<void> open_;
  std::thread thread_;
};

}  // namespace cairn::store::test
