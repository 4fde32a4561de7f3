// Run-record decoding and the kv prefix scan with its rows' checksums, shared by the writer and
// the read connections.
#include "store/rows.h"

#include <fmt/format.h>

#include "store/journal_format.h"

namespace cairn::store {

namespace {

// The smallest string greater than every string starting with `prefix` (memcmp order, which is
// SQLite's BINARY collation); empty when there is none (prefix is all 0xff bytes).
std::string prefix_end(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

// A row that fails its checksum, `what` naming it.
Status damaged(const std::string& what) {
  return Status(Errc::kCorruption,
                fmt::format("store: {} no longer matches the checksum it was written with (changed outside "
                            "Cairn, or damaged on disk)", what));
}

}  // namespace

RunRecord read_run(const StmtRun& row) {
  RunRecord r;
  r.id = row.text(0);
  r.type = row.text(1);
  r.version = static_cast<int>(row.int64(2));
  r.status = static_cast<RunStatus>(row.int64(3));
  r.input = row.text(4);
  r.result = row.text(5);
  r.error = row.text(6);
  r.stuck_reason = row.text(7);
  if (!row.is_null(8)) r.waiting_on = WaitingOn{row.text(8), row.text(9), row.int64(10)};
  r.created_at = row.int64(11);
  r.updated_at = row.int64(12);
  r.parent_id = row.text(13);
  r.idempotency_key = row.text(14);
  r.last_seq = row.int64(15);
  return r;
}

Status no_run_with(const char* column, const std::string& value) {
  return Status(Errc::kNotFound, fmt::format("store: no run with {} \"{}\"", column, value));
}

Result<RunRecord> select_run(Db& db, const char* column, const std::string& value) {
  // The partial index on idempotency_key is used only when the query implies its WHERE clause.
  const std::string sql = fmt::format("SELECT {} FROM runs WHERE {} = ?1 AND {} <> ''", kRunColumns,
                                      column, column);
  auto stmt = db.cached(sql);
  if (!stmt) return stmt.status();
  StmtRun q(*stmt);
  q.bind(1, value);
  const int rc = q.step();
  if (rc == SQLITE_ROW) return read_run(q);
  if (rc == SQLITE_DONE) return no_run_with(column, value);
  return db.status(rc, fmt::format("store: read run {} \"{}\"", column, value));
}

Result<Rows> scan_kv(Db& db, const std::string& table, const std::string& prefix) {
  const std::string end = prefix_end(prefix);
  auto stmt = db.cached(end.empty() ? "SELECT k, v, crc FROM kv WHERE tbl = ?1 AND k >= ?2 ORDER BY k"
                                    : "SELECT k, v, crc FROM kv WHERE tbl = ?1 AND k >= ?2 AND k < ?3 ORDER BY k");
  if (!stmt) return stmt.status();
  StmtRun q(*stmt);
  q.bind(1, table).bind(2, prefix);
  if (!end.empty()) q.bind(3, end);
  Rows rows;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    if (Status st = kv_checked(q, 2, table, q.view(0), q.view(1)); !st) return st;
    rows.emplace_back(q.text(0), q.text(1));
  }
  if (rc != SQLITE_DONE) return db.status(rc, fmt::format("store: scan table {}", table));
  return rows;
}

Status kv_checked(const StmtRun& row, int crc_col, std::string_view table, std::string_view key,
                  std::string_view value) {
  if (row.is_null(crc_col) || row.int64(crc_col) == kv_checksum(table, key, value)) return Status::ok();
  return damaged(fmt::format("table {} row \"{}\"", table, key));
}

Status signal_key_checked(const StmtRun& row, int crc_col, std::string_view run_id, std::string_view key,
                          std::int64_t seq) {
  if (row.is_null(crc_col) || row.int64(crc_col) == signal_key_checksum(run_id, key, seq)) return Status::ok();
  return damaged(fmt::format("the signal key \"{}\" of run {}", key, run_id));
}

}  // namespace cairn::store
