// Thin RAII layer over the SQLite C API: a connection, prepared statements cached per connection,
// and the one place where SQLite result codes become cairn::Status (STYLE.md section 3).
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cairn/status.h"

namespace cairn::store {

// Maps an SQLite result code to a Status: SQLITE_FULL -> kDiskFull, SQLITE_IOERR / CANTOPEN /
// READONLY / PERM -> kIoError, SQLITE_CORRUPT / NOTADB -> kCorruption, SQLITE_BUSY / LOCKED ->
// kUnavailable, anything else -> kInternal. The message is "<context>: <sqlite message>".
Status sqlite_status(int rc, std::string_view sqlite_message, std::string_view context);

// A prepared statement. Use it through a StmtRun so it is always reset after use: a statement
// left mid-step would pin a read snapshot (and block WAL checkpoints).
class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  sqlite3_stmt* get() const { return s_.get(); }

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  std::unique_ptr<sqlite3_stmt, Finalize> s_;
};

// One use of a cached statement: bind, step, read columns; resets and clears bindings on scope
// exit. Bind indexes are 1-based, column indexes 0-based (SQLite's convention).
class StmtRun {
 public:
  explicit StmtRun(sqlite3_stmt* s) : s_(s) {}
  ~StmtRun() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  StmtRun(const StmtRun&) = delete;
  StmtRun& operator=(const StmtRun&) = delete;

  StmtRun& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  // Binds without copying: `v` must stay alive until the statement is reset.
  StmtRun& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  StmtRun& bind_null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(s_); }

  std::int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  // The bytes of a text or blob column, without copying them.
  std::size_t bytes(int col) const { return static_cast<std::size_t>(sqlite3_column_bytes(s_, col)); }
  // A text column without copying it: valid until the next step() or the reset.
  std::string_view view(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string_view();
  }
  std::string text(int col) const { return std::string(view(col)); }

 private:
  sqlite3_stmt* s_;
};

// A connection plus its statement cache. Used by one thread at a time (opened NOMUTEX).
class Db {
 public:
  Db() = default;
  // Opens `path` (creating it when `create`), with extended result codes and `busy_ms` of busy
  // timeout, through the VFS named `vfs` (SQLite's default when null). On failure returns the
  // Status and leaves *this closed.
  Status open(const std::string& path, bool create, int busy_ms, const char* vfs = nullptr);
  // Opens `path` read-only: nothing is written to it. `immutable`: nor beside it (SQLite reads no
  // -wal and creates no -shm); only for a file that no one writes and that has no -wal.
  Status open_read_only(const std::string& path, int busy_ms, bool immutable);
  bool is_open() const { return db_ != nullptr; }
  sqlite3* get() const { return db_.get(); }

  // Runs one or more statements that return no rows we need.
  Status exec(const char* sql, std::string_view context);
  // Runs one statement (not cached) and returns the first column of every row as text.
  Result<std::vector<std::string>> query_column(const char* sql, std::string_view context);
  // The statement for `sql`, prepared once and kept (SQLITE_PREPARE_PERSISTENT). `sql` must be a
  // single statement.
  Result<sqlite3_stmt*> cached(const std::string& sql);
  // The Status for `rc` as just returned by this connection (message from sqlite3_errmsg).
  Status status(int rc, std::string_view context) const;
  // Sets *seen (for good) whenever this connection reports corruption (SQLITE_CORRUPT,
  // SQLITE_NOTADB) through exec(), query_column(), cached() or status().
  void report_corruption_to(std::atomic<bool>* seen) { corruption_seen_ = seen; }

 private:
  struct Close {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  Status noted(Status st) const;
  Status open_with(const std::string& path, int flags, int busy_ms, const char* vfs = nullptr);

  std::unique_ptr<sqlite3, Close> db_;
  std::atomic<bool>* corruption_seen_ = nullptr;
  // Declared after db_, so destroyed first: statements are finalized before the connection closes.
  std::unordered_map<std::string, Stmt> stmts_;
};

// Runs `q` (already bound) and calls row(q) for each row; the error names `what`.
template <class Row>
Status for_each_row(Db& db, StmtRun& q, std::string_view what, Row&& row) {
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) row(q);
  return rc == SQLITE_DONE ? Status::ok() : db.status(rc, "store: " + std::string(what));
}

// Runs `sql` (no parameters; its statement cached) and calls row(q) for each row; the error names
// `what`.
template <class Row>
Status for_each_row_of(Db& db, const std::string& sql, std::string_view what, Row&& row) {
  auto stmt = db.cached(sql);
  if (!stmt) return stmt.status();
  StmtRun q(*stmt);
  return for_each_row(db, q, what, std::forward<Row>(row));
}

}  // namespace cairn::store
