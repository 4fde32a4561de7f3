// SQLite connection, statement cache and result-code-to-Status conversion.
#include "store/sqlite_db.h"

#include <fmt/format.h>

namespace cairn::store {

namespace {

Errc errc_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL: return Errc::kDiskFull;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM: return Errc::kIoError;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return Errc::kCorruption;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Errc::kUnavailable;
    default: return Errc::kInternal;
  }
}

// Process-wide, before SQLite initializes (this runs at program start): no memory statistics.
// With them every sqlite3_malloc and sqlite3_free takes a global mutex, 6 % of the writer thread's
// time at full load (docs/BENCHMARKS.md); nothing of ours reads them.
[[maybe_unused]] const int kMemstatusOff = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);

}  // namespace

Status sqlite_status(int rc, std::string_view sqlite_message, std::string_view context) {
  return Status(errc_for(rc), fmt::format("{}: {} (sqlite code {})", context, sqlite_message, rc));
}

Status Db::open(const std::string& path, bool create, int busy_ms, const char* vfs) {
  return open_with(path, SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0), busy_ms, vfs);
}

Status Db::open_read_only(const std::string& path, int busy_ms, bool immutable) {
  if (!immutable) return open_with(path, SQLITE_OPEN_READONLY, busy_ms);
  std::string uri = "file:";  // https://sqlite.org/uri.html: %, ? and # are escaped in the path
  for (const char c : path) {
    if (c == '%' || c == '?' || c == '#')
      uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    else
      uri += c;
  }
  return open_with(uri + "?immutable=1", SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, busy_ms);
}

Status Db::open_with(const std::string& path, int flags, int busy_ms, const char* vfs) {
  flags |= SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, vfs);
  db_.reset(raw);  // closed by the deleter even when the open failed
  if (rc != SQLITE_OK) {
    Status st = sqlite_status(rc, raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc),
                              fmt::format("store: open {}", path));
    db_.reset();
    return st;
  }
  sqlite3_busy_timeout(raw, busy_ms);
  return Status::ok();
}

Status Db::exec(const char* sql, std::string_view context) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::ok();
  Status st = noted(sqlite_status(rc, err ? err : sqlite3_errstr(rc), context));
  sqlite3_free(err);
  return st;
}

Result<std::vector<std::string>> Db::query_column(const char* sql, std::string_view context) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr);
  Stmt stmt(raw);
  if (rc != SQLITE_OK) return status(rc, context);
  std::vector<std::string> rows;
  StmtRun run(raw);
  while ((rc = run.step()) == SQLITE_ROW) rows.push_back(run.text(0));
  if (rc != SQLITE_DONE) return status(rc, context);
  return rows;
}

Result<sqlite3_stmt*> Db::cached(const std::string& sql) {
  auto it = stmts_.find(sql);
  if (it != stmts_.end()) return it->second.get();
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v3(db_.get(), sql.c_str(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(s);
    return status(rc, fmt::format("store: prepare \"{}\"", sql));
  }
  stmts_.emplace(sql, Stmt(s));
  return s;
}

Status Db::status(int rc, std::string_view context) const {
  return noted(sqlite_status(rc, sqlite3_errmsg(db_.get()), context));
}

Status Db::noted(Status st) const {
  if (corruption_seen_ && st.code() == Errc::kCorruption) corruption_seen_->store(true, std::memory_order_relaxed);
  return st;
}

}  // namespace cairn::store
