// PRAGMAs, integrity check and schema migrations (durability invariants: docs/journal_format.md).
#include "store/schema.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <span>
#include <string_view>

#include "store/journal_format.h"
#include "store/wal_write_buffer.h"

namespace cairn::store {

namespace {

struct Migration {
  int version;      // user_version once applied
  const char* sql;  // applied in one transaction together with the user_version bump
};

// Append only: a released migration is never edited; a schema change is a new entry and a bump
// of kSchemaVersion (docs/journal_format.md, "Versioning").
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE runs(
  rk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  version INTEGER NOT NULL,
  status INTEGER NOT NULL,
  input TEXT NOT NULL,
  result TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  stuck_reason TEXT NOT NULL DEFAULT '',
  waiting_kind TEXT,
  waiting_name TEXT,
  waiting_until INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  parent_id TEXT NOT NULL DEFAULT '',
  idempotency_key TEXT NOT NULL DEFAULT '',
  last_seq INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX runs_idempotency_key ON runs(idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX runs_created ON runs(created_at DESC, id DESC);
CREATE INDEX runs_status ON runs(status, created_at, id);
CREATE INDEX runs_type ON runs(type, created_at, id);
CREATE TABLE events(
  rk INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  type INTEGER NOT NULL,
  cmd INTEGER NOT NULL,
  at INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY(rk, seq)) WITHOUT ROWID;
CREATE TABLE timers(
  run_id TEXT NOT NULL,
  cmd INTEGER NOT NULL,
  due INTEGER NOT NULL,
  PRIMARY KEY(run_id, cmd)) WITHOUT ROWID;
CREATE INDEX timers_due ON timers(due);
CREATE TABLE signal_keys(
  run_id TEXT NOT NULL,
  key TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY(run_id, key)) WITHOUT ROWID;
CREATE TABLE audit(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  outcome TEXT NOT NULL);
CREATE TABLE kv(
  tbl TEXT NOT NULL,
  k TEXT NOT NULL,
  v TEXT NOT NULL,
  PRIMARY KEY(tbl, k)) WITHOUT ROWID;
)sql"},
    // Each event's checksum (event_checksum()); NULL in rows written before this version.
    {2, R"sql(
ALTER TABLE events ADD COLUMN crc INTEGER;
)sql"},
    // The first run whose every event row has a checksum (checksummed_from_rk()): the first one
    // whose WorkflowStarted has one, else the next run created.
    {3, R"sql(
CREATE TABLE meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta(k, v) VALUES('checksummed_from_rk', coalesce(
  (SELECT r.rk FROM runs r WHERE (SELECT e.crc FROM events e WHERE e.rk = r.rk AND e.seq = 1) IS NOT NULL
   ORDER BY r.rk LIMIT 1),
  (SELECT max(rk) + 1 FROM runs),
  1));
)sql"},
    // Each kv and signal_keys row's checksum (kv_checksum(), signal_key_checksum()); NULL in rows
    // written before this version.
    {4, R"sql(
ALTER TABLE kv ADD COLUMN crc INTEGER;
ALTER TABLE signal_keys ADD COLUMN crc INTEGER;
)sql"},
};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

// PRAGMA quick_check reads every page and checks the b-tree structure (not index contents): a
// torn or overwritten page is refused here rather than surfacing later as a failed append
// (invariant 7).
Status check_integrity(Db& db, const std::string& path) {
  auto rows = db.query_column("PRAGMA quick_check", fmt::format("store: open {}", path));
  if (!rows) {
    // A file that is not a database at all fails before quick_check can report anything.
    Status st = rows.status();
    if (st.code() != Errc::kCorruption) return st;
    return Status(Errc::kCorruption,
                  fmt::format("store: {} is not a usable Cairn database: {}", path, st.message()));
  }
  if (rows->size() == 1 && (*rows)[0] == "ok") return Status::ok();
  std::string report;
  for (const auto& r : *rows) report += (report.empty() ? "" : "; ") + r;
  return Status(Errc::kCorruption,
                fmt::format("store: {} failed PRAGMA quick_check, refusing to open: {}", path, report));
}

Status migrate(Db& db, const std::string& path) {
  auto current = user_version(db);
  if (!current) return current.status();
  for (const Migration& m : std::span(kMigrations)) {
    if (m.version <= *current) continue;
    const std::string context = fmt::format("store: migrate {} to schema version {}", path, m.version);
    // The schema change and its user_version bump commit together (invariant 6).
    if (Status st = db.exec("BEGIN IMMEDIATE", context); !st) return st;
    const std::string bump = fmt::format("PRAGMA user_version = {}", m.version);
    Status st = db.exec(m.sql, context);
    if (st) st = db.exec(bump.c_str(), context);
    if (st) st = db.exec("COMMIT", context);
    if (!st) {
      (void)db.exec("ROLLBACK", context);  // the error being reported is st
      return st;
    }
  }
  return Status::ok();
}

}  // namespace

Result<int> user_version(Db& db) {
  auto rows = db.query_column("PRAGMA user_version", "store: read user_version");
  if (!rows) return rows.status();
  return std::stoi(rows->at(0));
}

Result<std::int64_t> checksummed_from_rk(Db& db, int schema_version) {
  if (schema_version < 3) return std::numeric_limits<std::int64_t>::max();
  auto rows = db.query_column("SELECT CASE typeof(v) WHEN 'integer' THEN v END FROM meta WHERE k = 'checksummed_from_rk'",
                              "store: read meta");
  if (!rows) return rows.status();
  if (rows->empty()) return Status(Errc::kCorruption, "store: the meta table has no checksummed_from_rk row");
  if (rows->front().empty())  // changed outside Cairn into something else than a run key
    return Status(Errc::kCorruption, "store: the meta table's checksummed_from_rk is not a run key");
  return std::stoll(rows->front());
}

Status refuse_unusable(Db& db, const std::string& path) {
  auto version = user_version(db);
  if (!version) return version.status();
  if (*version > kSchemaVersion) {
    return Status(Errc::kUnavailable,
                  fmt::format("store: {} has schema version {}, newer than this binary's {}", path,
                              *version, kSchemaVersion));
  }
  auto tables = db.query_column("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                                "store: list tables");
  if (!tables) return tables.status();
  const bool has_runs = std::find(tables->begin(), tables->end(), "runs") != tables->end();
  if (*version == 0 ? tables->empty() : has_runs) return Status::ok();
  return Status(Errc::kInvalidArgument,
                fmt::format("store: {} is not a Cairn database (it has tables [{}] and schema version {}); "
                            "refusing to write to it",
                            path, fmt::join(*tables, ", "), *version));
}

Status open_writer(Db& db, const std::string& path, bool synchronous_full,
                   std::int64_t max_page_count) {
  // At FULL every commit syncs the WAL before other connections can see it, so its writes can be
  // gathered until then (wal_write_buffer.h); at NORMAL they cannot.
  const char* vfs = synchronous_full ? wal_write_buffer_vfs() : nullptr;
  if (Status st = db.open(path, /*create=*/true, kBusyTimeoutMs, vfs); !st) return st;
  if (Status st = check_integrity(db, path); !st) return st;
  if (Status st = refuse_unusable(db, path); !st) return st;
  // WAL: a commit appends to the -wal file and never rewrites the database in place, so a crash
  // at any instant leaves the last committed state, recovered from the WAL on the next open.
  auto mode = db.query_column("PRAGMA journal_mode = WAL", "store: set journal_mode");
  if (!mode) return mode.status();
  if (mode->empty() || (*mode)[0] != "wal") {
    return Status(Errc::kIoError, fmt::format("store: {} cannot use WAL mode (got \"{}\")", path,
                                              mode->empty() ? "" : (*mode)[0]));
  }
  // FULL: the WAL is fsync'd at every COMMIT, so a commit survives power loss once COMMIT returns
  // (invariant 1). NORMAL: fsync only at checkpoints; a process crash loses nothing, a power loss
  // may lose the last commits (callbacks already ran for them).
  const char* sync = synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
  if (Status st = db.exec(sync, "store: set synchronous"); !st) return st;
  if (Status st = migrate(db, path); !st) return st;
  return set_max_page_count(db, max_page_count);
}

Status open_reader(Db& db, const std::string& path) {
  if (Status st = db.open(path, /*create=*/false, kBusyTimeoutMs); !st) return st;
  // query_only: this connection can never write, so no code path on a reader can break the
  // single-writer rule (invariant 8); it has no effect on what survives a crash.
  return db.exec("PRAGMA query_only = 1", "store: set query_only");
}

Status set_max_page_count(Db& db, std::int64_t pages) {
  if (pages == 0) return Status::ok();
  // max_page_count: a transaction that would grow the file past the cap fails with SQLITE_FULL
  // and is rolled back whole, exactly like a full disk (invariant 5); committed data is untouched.
  const std::string sql = fmt::format("PRAGMA max_page_count = {}", pages);
  auto rows = db.query_column(sql.c_str(), "store: set max_page_count");
  return rows ? Status::ok() : rows.status();
}

}  // namespace cairn::store
