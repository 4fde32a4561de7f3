// SqliteStore's read side: every query runs on a borrowed read connection (WAL snapshot).
#include <fmt/format.h>

#include <charconv>

#include "store/rows.h"
#include "store/sqlite_store.h"

namespace cairn::store {

namespace {

// SQLite's LIMIT for our "0 = all".
std::int64_t sql_limit(std::size_t limit) { return limit == 0 ? -1 : static_cast<std::int64_t>(limit); }

bool parse_int(std::string_view s, std::int64_t& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

// The search cursor: the (created_at, id) of the last run returned, as "<created_at>.<hex id>".
std::string encode_run_cursor(Millis created_at, const std::string& id) {
  std::string out = fmt::format("{}.", created_at);
  for (unsigned char c : id) out += fmt::format("{:02x}", c);
  return out;
}

bool decode_run_cursor(const std::string& cursor, Millis& created_at, std::string& id) {
  const auto dot = cursor.find('.');
  if (dot == std::string::npos || !parse_int(std::string_view(cursor).substr(0, dot), created_at)) return false;
  const std::string_view hex = std::string_view(cursor).substr(dot + 1);
  if (hex.empty() || hex.size() % 2 != 0) return false;
  id.clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned byte = 0;
    const auto [end, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, byte, 16);
    if (ec != std::errc() || end != hex.data() + i + 2) return false;
    id += static_cast<char>(byte);
  }
  return true;
}

}  // namespace

Result<RunRecord> SqliteStore::get_run(const std::string& id) {
  if (!ids_->may_contain(IdFilter::Kind::kRunId, id)) return no_run_with("id", id);  // never stored: no read
  return readers_->with([&](Db& db) { return select_run(db, "id", id); });
}

Result<RunRecord> SqliteStore::find_by_idempotency_key(const std::string& key) {
  if (!ids_->may_contain(IdFilter::Kind::kIdempotencyKey, key)) return no_run_with("idempotency_key", key);
  return readers_->with([&](Db& db) { return select_run(db, "idempotency_key", key); });
}

Result<std::vector<Event>> SqliteStore::load_history(const std::string& id, std::int64_t after,
                                                     std::size_t limit) {
  auto page = read_history(id, after, limit, 0);
  if (!page) return page.status();
  return std::move(page->events);
}

Result<HistoryPage> SqliteStore::history_page(const std::string& id, std::int64_t after, std::size_t limit,
                                              std::size_t max_bytes) {
  if (limit == 0 || max_bytes == 0)
    return invalid(fmt::format("store: history page of run {}: limit and max bytes must be at least 1", id));
  return read_history(id, after, limit, max_bytes);
}

Result<HistoryPage> SqliteStore::read_history(const std::string& id, std::int64_t after, std::size_t limit,
                                              std::size_t max_bytes) {
  if (after < 0) return invalid(fmt::format("store: history of run {}: negative seq {}", id, after));
  return readers_->with([&](Db& db) -> Result<HistoryPage> {
    // One statement, so "unknown run" (no row) and "no events after `after`" (one row of NULLs)
    // come from the same snapshot. One row more than the page tells whether more follow.
    auto stmt = db.cached(
        "SELECT e.seq, e.type, e.cmd, e.at, e.data, e.crc, r.rk FROM runs r LEFT JOIN events e "
        "ON e.rk = r.rk AND e.seq > ?2 WHERE r.id = ?1 ORDER BY e.seq LIMIT ?3");
    if (!stmt) return stmt.status();
    StmtRun q(*stmt);
    q.bind(1, id).bind(2, after).bind(3, sql_limit(limit == 0 ? 0 : limit + 1));
    bool found = false;
    ChecksumChain chain;
    HistoryPage page;
    std::size_t bytes = 0;
    int rc = SQLITE_DONE;
    while ((rc = q.step()) == SQLITE_ROW) {
      if (!found) chain = ChecksumChain(q.int64(6) >= checksummed_from_rk_);
      found = true;
      if (q.is_null(0)) break;
      // The page is full, or this event's data (not read yet) would take it to max_bytes.
      if ((limit > 0 && page.events.size() == limit) ||
          (max_bytes > 0 && !page.events.empty() && bytes + q.bytes(4) >= max_bytes)) {
        page.more = true;
        break;
      }
      Event& e = page.events.emplace_back(
          Event{q.int64(0), static_cast<EventType>(q.int64(1)), q.int64(2), q.int64(3), q.text(4)});
      e.checksum = chain.check(id, e.seq, e.type, e.cmd, e.at, e.data,
                               q.is_null(5) ? std::nullopt : std::optional(q.int64(5)));
      bytes += e.data.size();
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db.status(rc, fmt::format("store: history of run {}", id));
    if (!found) return Status(Errc::kNotFound, fmt::format("store: history: no run with id \"{}\"", id));
    return page;
  });
}

Result<RunPage> SqliteStore::search(const RunFilter& f) {
  if (f.limit == 0) return invalid("store: search: limit must be at least 1");
  std::optional<RunStatus> status = f.status;
  if (f.stuck == true) {
    if (status && *status != RunStatus::kStuck) return RunPage{};  // contradictory filters
    status = RunStatus::kStuck;
  }
  const bool not_stuck = f.stuck == false;
  if (not_stuck && status == RunStatus::kStuck) return RunPage{};
  Millis cursor_at = 0;
  std::string cursor_id;
  if (!f.cursor.empty() && !decode_run_cursor(f.cursor, cursor_at, cursor_id)) {
    return invalid(fmt::format("store: search: malformed cursor \"{}\"", f.cursor));
  }
  // One cached statement per combination of filters, so each can use its index.
  std::string sql = fmt::format("SELECT {} FROM runs WHERE 1", kRunColumns);
  if (status) sql += " AND status = ?1";
  if (not_stuck) sql += fmt::format(" AND status <> {}", static_cast<int>(RunStatus::kStuck));
  if (f.type) sql += " AND type = ?2";
  if (f.created_after) sql += " AND created_at >= ?3";
  if (f.created_before) sql += " AND created_at < ?4";
  if (!f.cursor.empty()) sql += " AND (created_at, id) < (?5, ?6)";
  sql += " ORDER BY created_at DESC, id DESC LIMIT ?7";

  return readers_->with([&](Db& db) -> Result<RunPage> {
    auto stmt = db.cached(sql);
    if (!stmt) return stmt.status();
    StmtRun q(*stmt);
    if (status) q.bind(1, static_cast<std::int64_t>(*status));
    if (f.type) q.bind(2, *f.type);
    if (f.created_after) q.bind(3, *f.created_after);
    if (f.created_before) q.bind(4, *f.created_before);
    if (!f.cursor.empty()) q.bind(5, cursor_at).bind(6, cursor_id);
    q.bind(7, static_cast<std::int64_t>(f.limit) + 1);  // one more tells whether a next page exists
    RunPage page;
    Status st = for_each_row(db, q, "search runs", [&](const StmtRun& r) { page.runs.push_back(read_run(r)); });
    if (!st) return st;
    if (page.runs.size() > f.limit) {
      page.runs.pop_back();
      page.next_cursor = encode_run_cursor(page.runs.back().created_at, page.runs.back().id);
    }
    return page;
  });
}

Result<std::vector<std::string>> SqliteStore::unfinished_runs() {
  return readers_->with([&](Db& db) -> Result<std::vector<std::string>> {
    auto stmt = db.cached(fmt::format("SELECT id FROM runs WHERE status IN ({}, {}, {}) ORDER BY created_at, id",
                                      static_cast<int>(RunStatus::kRunning), static_cast<int>(RunStatus::kWaiting),
                                      static_cast<int>(RunStatus::kStuck)));
    if (!stmt) return stmt.status();
    StmtRun q(*stmt);
    std::vector<std::string> ids;
    Status st = for_each_row(db, q, "list unfinished runs", [&](const StmtRun& r) { ids.push_back(r.text(0)); });
    if (!st) return st;
    return ids;
  });
}

Result<std::int64_t> SqliteStore::count_runs(RunStatus status) {
  return readers_->with([&](Db& db) -> Result<std::int64_t> {
    auto stmt = db.cached("SELECT count(*) FROM runs WHERE status = ?1");
    if (!stmt) return stmt.status();
    StmtRun q(*stmt);
    q.bind(1, static_cast<std::int64_t>(status));
    std::int64_t n = 0;
    Status st = for_each_row(db, q, "count runs", [&](const StmtRun& r) { n = r.int64(0); });
    if (!st) return st;
    return n;
  });
}

Result<std::vector<Timer>> SqliteStore::due_timers(Millis due_before, std::size_t limit) {
  return readers_->with([&](Db& db) -> Result<std::vector<Timer>> {
    auto stmt = db.cached("SELECT run_id, cmd, due FROM timers WHERE due <= ?1 ORDER BY due, run_id, cmd LIMIT ?2");
    if (!stmt) return stmt.status();
    StmtRun q(*stmt);
    q.bind(1, due_before).bind(2, sql_limit(limit));
    std::vector<Timer> timers;
    Status st = for_each_row(db, q, "list due timers",
                             [&](const StmtRun& r) { timers.push_back(Timer{r.text(0), r.int64(1), r.int64(2)}); });
    if (!st) return st;
    return timers;
  });
}

Result<AuditPage> SqliteStore::audit(const std::string& cursor, std::size_t limit) {
  if (limit == 0) return invalid("store: audit: limit must be at least 1");
  std::int64_t before = INT64_MAX;
  if (!cursor.empty() && (!parse_int(cursor, before) || before < 1)) {  // entry ids start at 1
    return invalid(fmt::format("store: audit: malformed cursor \"{}\"", cursor));
  }
  return readers_->with([&](Db& db) -> Result<AuditPage> {
    auto stmt = db.cached(
        "SELECT id, at, actor, role, action, target, outcome FROM audit WHERE id < ?1 ORDER BY id DESC LIMIT ?2");
    if (!stmt) return stmt.status();
    StmtRun q(*stmt);
    q.bind(1, before).bind(2, static_cast<std::int64_t>(limit) + 1);
    AuditPage page;
    Status st = for_each_row(db, q, "read audit log", [&](const StmtRun& r) {
      page.entries.push_back(AuditEntry{r.int64(0), r.int64(1), r.text(2), r.text(3), r.text(4), r.text(5), r.text(6)});
    });
    if (!st) return st;
    if (page.entries.size() > limit) {
      page.entries.pop_back();
      page.next_cursor = std::to_string(page.entries.back().id);
    }
    return page;
  });
}

Result<Rows> SqliteStore::scan_table(const std::string& table, const std::string& prefix) {
  return readers_->with([&](Db& db) { return scan_kv(db, table, prefix); });
}

}  // namespace cairn::store
