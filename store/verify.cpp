// verify_database(): a read-only connection, PRAGMA integrity_check, and one pass over the events
// with their run ids and one over the kv and signal_keys rows, recomputing each checksum.
#include "store/verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <utility>

#include "store/journal_format.h"
#include "store/journal_shape.h"
#include "store/rows.h"
#include "store/schema.h"
#include "store/sqlite_db.h"

namespace cairn::store {

namespace {

// `type`: the kind of the row at `seq`, nullopt for a seq missing from the journal.
void note(VerifyReport& report, std::size_t max_listed, std::string run_id, std::int64_t seq,
          std::optional<EventType> type, std::string problem) {
  ++report.damaged;
  if (report.listed.size() >= max_listed) return;
  std::string name;
  if (type) name = event_type_name(*type).empty() ? std::to_string(static_cast<int>(*type)) : std::string(event_type_name(*type));
  report.listed.push_back({std::move(run_id), seq, std::move(name), std::move(problem)});
}

Status check_events(Db& db, std::size_t max_listed, VerifyReport& report) {
  // Schema version 1 has no checksum column: every event is then unchecked.
  auto checksummed_from = checksummed_from_rk(db, report.schema_version);
  if (!checksummed_from) return checksummed_from.status();
  const std::string sql = fmt::format("SELECT r.id, e.seq, e.type, e.cmd, e.at, e.data, {}, e.rk FROM events e "
                                      "LEFT JOIN runs r ON r.rk = e.rk ORDER BY e.rk, e.seq",
                                      report.schema_version >= 2 ? "e.crc" : "NULL");
  std::int64_t rk = 0;  // of the rows being read
  ChecksumChain chain;
  return for_each_row_of(db, sql, "read events", [&](const StmtRun& r) {
    ++report.events;
    const auto type = static_cast<EventType>(r.int64(2));
    const std::string run = r.text(0);
    if (r.int64(7) != rk) {
      rk = r.int64(7);
      chain = ChecksumChain(rk >= *checksummed_from);
    }
    const auto verdict = chain.check(run, r.int64(1), type, r.int64(3), r.int64(4), r.text(5),
                                     r.is_null(6) ? std::nullopt : std::optional(r.int64(6)));
    if (verdict == ChecksumChain::Verdict::kUnchecked) ++report.unchecked;
    std::string problem = r.is_null(0) ? fmt::format("belongs to no run (run key {})", r.text(7))
                          : verdict == ChecksumChain::Verdict::kMissing  ? "has no checksum, which every row of its run has"
                          : verdict == ChecksumChain::Verdict::kMismatch ? "does not match its checksum"
                                                                         : "";
    if (!problem.empty()) note(report, max_listed, run, r.int64(1), type, std::move(problem));
  });
}

// Each run's journal against journal_flaw() (what replay checks), its seqs and first kind only:
// checksums are check_events()'s. SQL finds the runs whose journal cannot be sound; each of those
// is then read whole, to name its first flaw as replay would.
Status check_run_journals(Db& db, std::size_t max_listed, VerifyReport& report) {
  const char* sql =
      "SELECT r.id, r.rk, r.last_seq FROM runs r LEFT JOIN events e ON e.rk = r.rk GROUP BY r.rk "
      "HAVING count(e.seq) != r.last_seq OR coalesce(min(e.seq), 0) != 1 OR coalesce(max(e.seq), 0) != r.last_seq "
      "OR (SELECT type FROM events WHERE rk = r.rk AND seq = 1) IS NOT 1";
  auto rows_of_run = db.cached("SELECT seq, type FROM events WHERE rk = ?1 ORDER BY seq");
  if (!rows_of_run) return rows_of_run.status();
  Status read;  // of the runs' rows: the first error ends the pass
  Status st = for_each_row_of(db, sql, "check each run's seqs", [&](const StmtRun& run) {
    if (!read) return;
    std::vector<Event> journal;
    StmtRun q(*rows_of_run);
    q.bind(1, run.int64(1));
    read = for_each_row(db, q, "read a run's seqs", [&](const StmtRun& r) {
      journal.push_back(Event{r.int64(0), static_cast<EventType>(r.int64(1)), 0, 0, {}});
    });
    if (!read) return;
    const auto flaw = journal_flaw(journal, run.int64(2));
    if (!flaw) return;
    const auto row = std::find_if(journal.begin(), journal.end(), [&](const Event& e) { return e.seq == flaw->seq; });
    note(report, max_listed, run.text(0), flaw->seq, row == journal.end() ? std::nullopt : std::optional(row->type),
         flaw->problem);
  });
  return st ? read : st;
}

// The run row's input, version and parent against its WorkflowStarted event (seq 1), which holds
// the same, and its type since 2026-12-03 (Run::matches_identity does this on replay). Both were
// written from one JSON dump, so SQLite's values of each (minified text for an object) compare
// equal when nothing was edited.
Status check_run_rows(Db& db, std::size_t max_listed, VerifyReport& report) {
  const char* sql =
      "SELECT r.id, CASE "
      "WHEN NOT json_valid(e.data) THEN NULL "
      "WHEN json_type(e.data, '$.input') IS NOT NULL AND "
      "     (NOT json_valid(r.input) OR json_extract(r.input, '$') IS NOT json_extract(e.data, '$.input')) "
      "     THEN 'input' "
      "WHEN json_type(e.data, '$.type') = 'text' AND r.type IS NOT json_extract(e.data, '$.type') THEN 'type' "
      "WHEN json_type(e.data, '$.version') = 'integer' AND r.version IS NOT json_extract(e.data, '$.version') "
      "     THEN 'version' "
      "WHEN json_type(e.data, '$.parent_id') = 'text' AND r.parent_id IS NOT json_extract(e.data, '$.parent_id') "
      "     THEN 'parent_id' END AS differs "
      "FROM runs r JOIN events e ON e.rk = r.rk AND e.seq = 1 AND e.type = 1 WHERE differs IS NOT NULL";
  return for_each_row_of(db, sql, "compare runs with their WorkflowStarted", [&](const StmtRun& r) {
    note(report, max_listed, r.text(0), 1, EventType::kWorkflowStarted,
         fmt::format("the run's {} in its index row differs from it", r.text(1)));
  });
}

// The run row's status against the event at its last seq (invariant 3: the row follows the
// journal). An ended row needs the event that ends a run so; a row not ended, an event that does
// not end it. A `terminated` row is not checked: terminating a sealed run writes its row only.
Status check_run_status(Db& db, std::size_t max_listed, VerifyReport& report) {
  const char* sql =
      "SELECT r.id, r.last_seq, e.type, typeof(r.status) = 'integer', r.status, quote(r.status) "
      "FROM runs r LEFT JOIN events e ON e.rk = r.rk AND e.seq = r.last_seq";
  return for_each_row_of(db, sql, "compare runs' status with their journals", [&](const StmtRun& r) {
    const std::int64_t raw = r.int64(4);
    const auto status = static_cast<RunStatus>(raw);
    const std::optional<EventType> last =
        r.is_null(2) ? std::nullopt : std::optional(static_cast<EventType>(r.int64(2)));
    const bool ends = last && (*last == ending_event(RunStatus::kCompleted) || *last == ending_event(RunStatus::kFailed) ||
                               *last == ending_event(RunStatus::kCancelled) || *last == ending_event(RunStatus::kTerminated));
    std::string problem;
    if (r.int64(3) == 0 || raw < static_cast<int>(RunStatus::kRunning) || raw > static_cast<int>(RunStatus::kTerminated))
      problem = fmt::format("the run row's status {} is none Cairn writes", r.text(5));
    else if (!is_terminal(status) && ends)
      problem = fmt::format("the run row says {}, but this event ended the run", run_status_name(status));
    else if (is_terminal(status) && status != RunStatus::kTerminated && last != ending_event(status))
      problem = fmt::format("the run row says {}, but the journal does not end so here", run_status_name(status));
    if (!problem.empty()) note(report, max_listed, r.text(0), r.int64(1), last, std::move(problem));
  });
}

// The kv and signal_keys rows against their checksums (schema version 4; none before it).
Status check_state_rows(Db& db, std::size_t max_listed, VerifyReport& report) {
  const char* crc = report.schema_version >= 4 ? "crc" : "NULL";
  const auto checked = [&](const StmtRun& r, const Status& verdict) {
    ++report.state_rows;
    if (r.is_null(3)) ++report.state_unchecked;
    if (verdict.is_ok()) return;
    ++report.state_damaged;
    if (report.state_listed.size() < max_listed) report.state_listed.push_back(verdict.message());
  };
  Status st = for_each_row_of(db, fmt::format("SELECT tbl, k, v, {} FROM kv ORDER BY tbl, k", crc), "read kv rows",
                              [&](const StmtRun& r) { checked(r, kv_checked(r, 3, r.view(0), r.view(1), r.view(2))); });
  if (!st) return st;
  return for_each_row_of(
      db, fmt::format("SELECT run_id, key, seq, {} FROM signal_keys ORDER BY run_id, key", crc), "read signal keys",
      [&](const StmtRun& r) { checked(r, signal_key_checked(r, 3, r.view(0), r.view(1), r.int64(2))); });
}

}  // namespace

Result<VerifyReport> verify_database(const std::string& path, std::size_t max_listed) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return Status(Errc::kNotFound, fmt::format("store: no database file at {}", path));
  // A file with no -wal beside it (a stopped server's copy, a VACUUM INTO backup) holds everything
  // in itself: opened immutable, nothing is created beside it, even in a directory it cannot
  // write. With a -wal (a live server, or one killed) that must be read too.
  const bool has_wal = std::filesystem::exists(path + "-wal", ec);
  Db db;
  if (Status st = db.open_read_only(path, kBusyTimeoutMs, !has_wal); !st) return st;
  if (Status st = refuse_unusable(db, path); !st) return st;
  VerifyReport report;
  auto version = user_version(db);
  if (!version) return version.status();
  if (*version == 0)
    return Status(Errc::kInvalidArgument, fmt::format("store: {} is empty, not a Cairn database", path));
  report.schema_version = *version;
  // One snapshot for every count below, also beside a server that keeps writing (ended by close).
  if (Status st = db.exec("BEGIN", "store: begin read"); !st) return st;
  // On a page too damaged to read, SQLite lists what it found and then stops with an error: both
  // are findings, and what is left of the checks, which would stop at the same page, is not run.
  std::vector<std::string> integrity;
  Status st = for_each_row_of(db, "PRAGMA integrity_check", "check pages and indexes",
                              [&](const StmtRun& row) { integrity.push_back(row.text(0)); });
  if (!(integrity.size() == 1 && integrity[0] == "ok")) report.integrity = std::move(integrity);
  if (st) {
    auto runs = db.query_column("SELECT count(*) FROM runs", "store: count runs");
    if (runs) report.runs = std::stoll(runs->at(0));
    st = runs.status();
  }
  for (auto check : {check_events, check_run_journals, check_run_rows, check_run_status, check_state_rows})
    if (st) st = check(db, max_listed, report);
  if (st) return report;
  if (st.code() != Errc::kCorruption) return st;
  report.integrity.push_back("SQLite stopped the check: " + st.to_string());
  return report;
}

}  // namespace cairn::store
