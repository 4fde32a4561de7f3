// Applies one JournalBatch (or one Tables transaction) inside the writer's group transaction.
#include "store/batch_writer.h"

#include <fmt/format.h>

#include <exception>
#include <string>

#include "store/rows.h"

namespace cairn::store {

namespace {

// Every argument check happens before the first write, so a refused batch leaves nothing.
Status validate(const JournalBatch& b) {
  if (b.create) {
    if (b.create->id.empty()) return invalid("store: create run: empty id");
    if (b.create->type.empty()) return invalid(fmt::format("store: create run {}: empty type", b.create->id));
  }
  for (const Append& a : b.appends) {
    if (a.run_id.empty()) return invalid("store: append: empty run id");
    // Without events, a status change of a run whose row's last seq was edited below 0 (sealed).
    if (a.expected_last_seq < 0 && !a.events.empty()) {
      return invalid(fmt::format("store: append run {}: negative expected seq {}", a.run_id,
                                 a.expected_last_seq));
    }
    for (const NewEvent& e : a.events) {
      if (event_type_name(e.type).empty()) {
        return invalid(fmt::format("store: append run {}: unknown event type {}", a.run_id,
                                   static_cast<int>(e.type)));
      }
    }
    if (a.update.status && run_status_name(*a.update.status).empty()) {
      return invalid(fmt::format("store: append run {}: unknown status {}", a.run_id,
                                 static_cast<int>(*a.update.status)));
    }
  }
  for (const TimerKey& t : b.disarm)
    if (t.run_id.empty()) return invalid("store: disarm timer: empty run id");
  for (const std::string& run_id : b.disarm_runs)
    if (run_id.empty()) return invalid("store: disarm a run's timers: empty run id");
  for (const Timer& t : b.arm)
    if (t.run_id.empty()) return invalid("store: arm timer: empty run id");
  if (b.signal_key) {
    const SignalKey& k = *b.signal_key;
    if (k.run_id.empty() || k.key.empty() || k.seq < 1) {
      return invalid(fmt::format("store: signal key \"{}\" of run \"{}\": needs a run, a key and a seq >= 1",
                                 k.key, k.run_id));
    }
  }
  return Status::ok();
}

// How many writes of the batch can fail a precondition. With at most one, it is the first write
// (creates and appends come first, the signal key is checked before writing), so failing it
// leaves nothing and no savepoint is needed. The first append to the run the batch creates,
// expecting seq 0, cannot fail once the create succeeded.
int fallible_writes(const JournalBatch& b) {
  int n = b.create ? 1 : 0;
  bool seen_created = false;
  for (const Append& a : b.appends) {
    if (b.create && !seen_created && a.run_id == b.create->id) {
      seen_created = true;
      if (a.expected_last_seq == 0) continue;
    }
    ++n;
  }
  return n;
}

enum UpdateBit { kStatusBit = 1, kResultBit = 2, kErrorBit = 4, kStuckBit = 8, kWaitingBit = 16 };

int update_mask(const RunUpdate& u) {
  return (u.status ? kStatusBit : 0) | (u.result ? kResultBit : 0) | (u.error ? kErrorBit : 0) |
         (u.stuck_reason ? kStuckBit : 0) | (u.waiting_on ? kWaitingBit : 0);
}

// Binds the index fields `u` sets at the parameters the run INSERT and the append UPDATE share:
// ?5 status, ?6 result, ?7 error, ?8 stuck reason, ?9-?11 waiting on. Unset ones stay NULL (the
// INSERT turns them into the column defaults; a cleared waiting-on is NULL in both).
void bind_index_fields(StmtRun& q, const RunUpdate& u) {
  if (u.status) q.bind(5, static_cast<std::int64_t>(*u.status));
  if (u.result) q.bind(6, *u.result);
  if (u.error) q.bind(7, *u.error);
  if (u.stuck_reason) q.bind(8, *u.stuck_reason);
  if (u.waiting_on && *u.waiting_on)
    q.bind(9, (*u.waiting_on)->kind).bind(10, (*u.waiting_on)->name).bind(11, (*u.waiting_on)->until);
}

}  // namespace

// The TableTx handed to transact()'s function. The first SQLite error is kept and turns every
// later call into a no-op; transact() then fails the whole transaction with it.
class BatchWriter::Tx final : public TableTx {
 public:
  explicit Tx(BatchWriter& w) : w_(w) {}
  const Status& error() const { return error_; }

  std::optional<std::string> get(const std::string& table, const std::string& key) override {
    if (!error_.is_ok()) return std::nullopt;
    StmtRun q(w_.kv_get_);
    q.bind(1, table).bind(2, key);
    const int rc = q.step();
    if (rc == SQLITE_ROW) {
      error_ = kv_checked(q, 1, table, key, q.view(0));
      if (error_.is_ok()) return q.text(0);
    } else if (rc != SQLITE_DONE) {
      fail(rc, "get", table, key);
    }
    return std::nullopt;
  }
  void put(const std::string& table, const std::string& key, const std::string& value) override {
    write(w_.kv_put_, "put", table, key, value);
  }
  bool insert(const std::string& table, const std::string& key, const std::string& value) override {
    return write(w_.kv_insert_, "insert", table, key, value) &&
           sqlite3_changes(w_.db_.get()) == 1;
  }
  void erase(const std::string& table, const std::string& key) override {
    if (!error_.is_ok()) return;
    StmtRun q(w_.kv_erase_);
    q.bind(1, table).bind(2, key);
    if (const int rc = q.step(); rc != SQLITE_DONE) fail(rc, "erase", table, key);
  }
  Rows scan(const std::string& table, const std::string& prefix) override {
    if (!error_.is_ok()) return {};
    auto rows = scan_kv(w_.db_, table, prefix);
    if (rows) return std::move(rows).value();
    error_ = rows.status();
    return {};
  }

 private:
  bool write(sqlite3_stmt* s, const char* what, const std::string& table, const std::string& key,
             const std::string& value) {
    if (!error_.is_ok()) return false;
    StmtRun q(s);
    q.bind(1, table).bind(2, key).bind(3, value);
    q.bind(4, static_cast<std::int64_t>(kv_checksum(table, key, value)));
    const int rc = q.step();
    if (rc == SQLITE_DONE) return true;
    fail(rc, what, table, key);
    return false;
  }
  void fail(int rc, const char* what, const std::string& table, const std::string& key) {
    error_ = w_.db_.status(rc, fmt::format("store: table {} {} \"{}\"", table, what, key));
  }

  BatchWriter& w_;
  Status error_;
};

Result<std::unique_ptr<BatchWriter>> BatchWriter::create(Db& db, IdFilter& ids) {
  std::unique_ptr<BatchWriter> w(new BatchWriter(db, ids));
  if (Status st = w->prepare(); !st) return st;
  return w;
}

Status BatchWriter::prepare() {
  const std::pair<sqlite3_stmt**, const char*> stmts[] = {
      {&begin_, "BEGIN IMMEDIATE"},
      {&commit_, "COMMIT"},
      {&rollback_, "ROLLBACK"},
      {&savepoint_, "SAVEPOINT item"},
      {&release_, "RELEASE item"},
      {&rollback_to_, "ROLLBACK TO item"},
      {&insert_run_,
       "INSERT OR IGNORE INTO runs(last_seq, updated_at, status, result, error, stuck_reason, waiting_kind, "
       "waiting_name, waiting_until, id, type, version, input, created_at, parent_id, idempotency_key) "
       "VALUES(?1, ?2, COALESCE(?5, 0), COALESCE(?6, ''), COALESCE(?7, ''), COALESCE(?8, ''), ?9, ?10, ?11, "
       "?12, ?13, ?14, ?15, ?16, ?17, ?18)"},
      {&run_seq_,
       "SELECT rk, last_seq, coalesce((SELECT max(seq) FROM events WHERE events.rk = runs.rk), 0) FROM runs "
       "WHERE id = ?1"},
      {&key_in_use_, "SELECT 1 FROM events WHERE rk = ?1 LIMIT 1"},
      {&move_run_,
       "UPDATE runs SET rk = 1 + max((SELECT CAST(coalesce(max(rk), 0) AS INTEGER) FROM events "
       "WHERE rk < 9223372036854775807), (SELECT max(rk) FROM runs)) WHERE rk = ?1 RETURNING rk"},
      {&insert_event_, "INSERT INTO events(rk, seq, type, cmd, at, data, crc) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
      {&disarm_, "DELETE FROM timers WHERE run_id = ?1 AND cmd = ?2"},
      {&disarm_run_, "DELETE FROM timers WHERE run_id = ?1"},
      {&arm_, "INSERT OR REPLACE INTO timers(run_id, cmd, due) VALUES(?1, ?2, ?3)"},
      {&signal_seq_, "SELECT seq, crc FROM signal_keys WHERE run_id = ?1 AND key = ?2"},
      {&insert_signal_, "INSERT INTO signal_keys(run_id, key, seq, crc) VALUES(?1, ?2, ?3, ?4)"},
      {&insert_audit_,
       "INSERT INTO audit(at, actor, role, action, target, outcome) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"},
      {&kv_get_, "SELECT v, crc FROM kv WHERE tbl = ?1 AND k = ?2"},
      {&kv_put_, "INSERT OR REPLACE INTO kv(tbl, k, v, crc) VALUES(?1, ?2, ?3, ?4)"},
      {&kv_insert_, "INSERT OR IGNORE INTO kv(tbl, k, v, crc) VALUES(?1, ?2, ?3, ?4)"},
      {&kv_erase_, "DELETE FROM kv WHERE tbl = ?1 AND k = ?2"},
  };
  for (const auto& [slot, sql] : stmts) {
    auto s = db_.cached(sql);
    if (!s) return s.status();
    *slot = *s;
  }
  // Numbers only: a key edited into text sorts above every number (it can hold no run's events).
  auto highest = db_.query_column("SELECT CAST(coalesce(max(rk), 0) AS INTEGER) FROM events "
                                  "WHERE rk <= 9223372036854775807",
                                  "store: read the highest run key");
  if (!highest) return highest.status();
  highest_event_rk_ = std::stoll(highest->front());
  return Status::ok();
}

Status BatchWriter::step_done(sqlite3_stmt* s, const char* what) {
  StmtRun q(s);
  const int rc = q.step();
  return rc == SQLITE_DONE ? Status::ok() : db_.status(rc, fmt::format("store: {}", what));
}

Status BatchWriter::begin() { return step_done(begin_, "begin transaction"); }
Status BatchWriter::commit() { return step_done(commit_, "commit"); }

void BatchWriter::rollback() {
  known_.clear();
  // After some errors (SQLITE_FULL, SQLITE_IOERR) SQLite has already rolled back.
  if (!sqlite3_get_autocommit(db_.get())) (void)step_done(rollback_, "rollback");
}

void BatchWriter::remember(const std::string& id, KnownRun run) {
  if (known_.size() >= kMaxKnownRuns) known_.clear();
  known_.insert_or_assign(id, run);
}

Result<sqlite3_stmt*> BatchWriter::advance_stmt(const RunUpdate& u) {
  const int mask = update_mask(u);
  if (advance_[mask] != nullptr) return advance_[mask];
  std::string sql = "UPDATE runs SET last_seq = ?1, updated_at = ?2";
  if (mask & kStatusBit) sql += ", status = ?5";
  if (mask & kResultBit) sql += ", result = ?6";
  if (mask & kErrorBit) sql += ", error = ?7";
  if (mask & kStuckBit) sql += ", stuck_reason = ?8";
  if (mask & kWaitingBit) sql += ", waiting_kind = ?9, waiting_name = ?10, waiting_until = ?11";
  sql += " WHERE rk = ?3";
  auto s = db_.cached(sql);
  if (s) advance_[mask] = *s;
  return s;
}

Status BatchWriter::create_run(const CreateRun& c, Millis now, const Append* first, BatchResult& out) {
  {
    StmtRun q(insert_run_);
    q.bind(1, first ? static_cast<std::int64_t>(first->events.size()) : 0).bind(2, now);
    if (first) bind_index_fields(q, first->update);  // else running, nothing set
    q.bind(12, c.id).bind(13, c.type).bind(14, c.version).bind(15, c.input).bind(16, c.created_at);
    q.bind(17, c.parent_id).bind(18, c.idempotency_key);
    if (const int rc = q.step(); rc != SQLITE_DONE) return db_.status(rc, fmt::format("store: create run {}", c.id));
  }
  if (sqlite3_changes(db_.get()) == 1) {
    // Before the commit: a reader that can see the row must find them (a rollback leaves a "maybe").
    ids_.add(IdFilter::Kind::kRunId, c.id);
    if (!c.idempotency_key.empty()) ids_.add(IdFilter::Kind::kIdempotencyKey, c.idempotency_key);
    remember(c.id, {sqlite3_last_insert_rowid(db_.get()), 0});
    return Status::ok();
  }
  // Ignored: the id or the idempotency key is taken. Report the run that holds it.
  auto existing = select_run(db_, "id", c.id);
  if (!existing && existing.status().code() == Errc::kNotFound)
    existing = select_run(db_, "idempotency_key", c.idempotency_key);
  if (existing) {
    out.existing = std::move(existing).value();
    return Status::ok();
  }
  if (existing.status().code() != Errc::kNotFound) return existing.status();
  out.status = Status(Errc::kInternal, fmt::format("store: create run {}: insert ignored, but neither "
                                                   "its id nor its idempotency key exists", c.id));
  return Status::ok();
}

Status BatchWriter::append(const Append& a, Millis now, BatchResult& out, bool row_written) {
  // Check the expected seq before writing anything, so a stale append leaves nothing
  // (invariant 2); the index row then changes with its events (invariant 3).
  std::int64_t rk = 0;
  std::int64_t found_seq = 0;
  bool journal_matches_row = true;  // a run this writer wrote (known_) does
  if (auto known = known_.find(a.run_id); known != known_.end()) {
    rk = known->second.rk;
    found_seq = known->second.last_seq;
  } else {
    StmtRun q(run_seq_);
    q.bind(1, a.run_id);
    const int rc = q.step();
    if (rc == SQLITE_DONE) {
      out.status = Status(Errc::kNotFound, fmt::format("store: append run {}: no such run", a.run_id));
      return Status::ok();
    }
    if (rc != SQLITE_ROW) return db_.status(rc, fmt::format("store: append run {}", a.run_id));
    rk = q.int64(0);
    found_seq = q.int64(1);
    const std::int64_t journal_end = q.int64(2);
    journal_matches_row = journal_end == found_seq;
    // Changed outside Cairn (a row deleted or added): its next seqs may be taken, and an insert
    // failing there would fail the whole group commit. Its status may still change (no event).
    if (!journal_matches_row && !a.events.empty()) {
      out.status = Status(Errc::kCorruption,
                          fmt::format("store: append run {}: its journal ends at seq {}, its run row at seq {}; "
                                      "not appending to a damaged journal (see cairn check)",
                                      a.run_id, journal_end, found_seq));
      return Status::ok();
    }
  }
  if (found_seq != a.expected_last_seq) {
    out.status = Status(Errc::kConflict, fmt::format("store: append run {}: expected last seq {}, found {}",
                                                     a.run_id, a.expected_last_seq, found_seq));
    return Status::ok();
  }
  if (!row_written) {
    auto stmt = advance_stmt(a.update);
    if (!stmt) return stmt.status();
    StmtRun q(*stmt);
    q.bind(1, a.expected_last_seq + static_cast<std::int64_t>(a.events.size())).bind(2, now).bind(3, rk);
    bind_index_fields(q, a.update);  // a cleared waiting-on stays NULL
    if (const int rc = q.step(); rc != SQLITE_DONE) return db_.status(rc, fmt::format("store: append run {}", a.run_id));
  }
  if (row_written && rk <= highest_event_rk_) {
    // The key a new run was given may hold rows of no run (its run row deleted outside Cairn, its
    // events left): the run then moves above every key in use, and its events with it. Above the
    // highest key that held events, it holds none (a new run's usual case: no read).
    StmtRun q(key_in_use_);
    q.bind(1, rk);
    const int rc = q.step();
    if (rc == SQLITE_ROW) {
      auto moved = move_new_run(a.run_id, rk);
      if (!moved) return moved.status();
      rk = *moved;
    } else if (rc != SQLITE_DONE) {
      return db_.status(rc, fmt::format("store: create run {}", a.run_id));
    }
  }
  // Before the inserts: one that fails at a key above it (rows added under this writer) makes the
  // next run given that key read it.
  if (!a.events.empty()) highest_event_rk_ = std::max(highest_event_rk_, rk);
  std::int64_t seq = a.expected_last_seq;
  for (const NewEvent& e : a.events) {
    StmtRun q(insert_event_);
    q.bind(1, rk).bind(2, ++seq).bind(3, static_cast<std::int64_t>(e.type)).bind(4, e.cmd);
    q.bind(5, e.at).bind(6, e.data);
    q.bind(7, static_cast<std::int64_t>(event_checksum(a.run_id, seq, e.type, e.cmd, e.at, e.data)));
    const int rc = q.step();
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      // Added outside Cairn while this writer knew the run: the batch fails alone (commit_group).
      return Status(Errc::kCorruption, fmt::format("store: append run {}: its journal already holds seq {}, past its "
                                                   "run row's last seq {}; the database was changed outside Cairn "
                                                   "(see cairn check)",
                                                   a.run_id, seq, a.expected_last_seq));
    }
    if (rc != SQLITE_DONE) return db_.status(rc, fmt::format("store: append run {}", a.run_id));
  }
  if ((a.update.status && is_terminal(*a.update.status)) || !journal_matches_row) {
    known_.erase(a.run_id);  // a damaged journal is checked again at its next append
  } else {
    remember(a.run_id, {rk, seq});
  }
  return Status::ok();
}

Result<std::int64_t> BatchWriter::move_new_run(const std::string& id, std::int64_t rk) {
  StmtRun q(move_run_);
  q.bind(1, rk);
  const int rc = q.step();
  if (rc != SQLITE_ROW) return db_.status(rc, fmt::format("store: create run {}: move it to a free run key", id));
  const std::int64_t moved = q.int64(0);
  fmt::print(stderr,
             "cairn store: run {}: run key {} already holds journal rows of no run (changed outside Cairn; cairn "
             "check lists them); the run takes key {}\n",
             id, rk, moved);
  return moved;
}

Status BatchWriter::write(const JournalBatch& b, BatchResult& out) {
  // The append of a new run's first events (the engine's WorkflowStarted) rides in its INSERT.
  const Append* first = nullptr;
  if (b.create && !b.appends.empty() && b.appends.front().run_id == b.create->id &&
      b.appends.front().expected_last_seq == 0)
    first = &b.appends.front();
  if (b.create) {
    Status st = create_run(*b.create, b.now, first, out);
    if (!st || !out.status || out.existing) return st;
  }
  for (const Append& a : b.appends) {
    Status st = append(a, b.now, out, &a == first);
    if (!st || !out.status) return st;
  }
  for (const TimerKey& t : b.disarm) {
    StmtRun q(disarm_);
    q.bind(1, t.run_id).bind(2, t.cmd);
    if (const int rc = q.step(); rc != SQLITE_DONE) return db_.status(rc, fmt::format("store: disarm timer of run {}", t.run_id));
  }
  for (const std::string& run_id : b.disarm_runs) {
    StmtRun q(disarm_run_);
    q.bind(1, run_id);
    if (const int rc = q.step(); rc != SQLITE_DONE) return db_.status(rc, fmt::format("store: disarm the timers of run {}", run_id));
  }
  for (const Timer& t : b.arm) {
    StmtRun q(arm_);
    q.bind(1, t.run_id).bind(2, t.cmd).bind(3, t.due);
    if (const int rc = q.step(); rc != SQLITE_DONE) return db_.status(rc, fmt::format("store: arm timer of run {}", t.run_id));
  }
  if (b.signal_key) {
    const SignalKey& k = *b.signal_key;
    StmtRun q(insert_signal_);
    q.bind(1, k.run_id).bind(2, k.key).bind(3, k.seq);
    q.bind(4, static_cast<std::int64_t>(signal_key_checksum(k.run_id, k.key, k.seq)));
    if (const int rc = q.step(); rc != SQLITE_DONE) return db_.status(rc, fmt::format("store: signal key of run {}", k.run_id));
  }
  for (const AuditEntry& e : b.audit) {
    StmtRun q(insert_audit_);
    q.bind(1, e.at).bind(2, e.actor).bind(3, e.role).bind(4, e.action).bind(5, e.target).bind(6, e.outcome);
    if (const int rc = q.step(); rc != SQLITE_DONE) return db_.status(rc, fmt::format("store: audit {} of {}", e.action, e.target));
  }
  return Status::ok();
}

Status BatchWriter::apply(const JournalBatch& b, BatchResult& out) {
  out = BatchResult{};
  if (Status st = validate(b); !st) {
    out.status = std::move(st);
    return Status::ok();
  }
  if (b.signal_key) {  // checked before any write (see fallible_writes)
    StmtRun q(signal_seq_);
    q.bind(1, b.signal_key->run_id).bind(2, b.signal_key->key);
    const int rc = q.step();
    if (rc == SQLITE_ROW) {
      // A damaged key cannot say which signal it answered: the signal is refused.
      out.status = signal_key_checked(q, 1, b.signal_key->run_id, b.signal_key->key, q.int64(0));
      if (out.status.is_ok()) out.existing_signal_seq = q.int64(0);
      return Status::ok();
    }
    if (rc != SQLITE_DONE) return db_.status(rc, fmt::format("store: signal key of run {}", b.signal_key->run_id));
  }
  const bool guarded = fallible_writes(b) > 1;
  if (guarded) {
    if (Status st = step_done(savepoint_, "savepoint"); !st) return st;
  }
  if (Status st = write(b, out); !st) return st;
  out.applied = out.status.is_ok() && !out.existing;
  if (!guarded) return Status::ok();
  if (!out.applied) {
    known_.clear();  // it may hold this batch's appends
    if (Status st = step_done(rollback_to_, "rollback to savepoint"); !st) return st;
  }
  return step_done(release_, "release savepoint");
}

Status BatchWriter::transact(const std::function<Status(TableTx&)>& fn, Status& fn_status) {
  if (Status st = step_done(savepoint_, "savepoint"); !st) return st;
  Tx tx(*this);
  try {
    fn_status = fn(tx);
  } catch (const std::exception& e) {
    fn_status = Status(Errc::kInternal, fmt::format("store: transact: the function threw: {}", e.what()));
  } catch (...) {
    fn_status = Status(Errc::kInternal, "store: transact: the function threw a non-exception");
  }
  if (!tx.error().is_ok()) return tx.error();
  if (!fn_status) {
    if (Status st = step_done(rollback_to_, "rollback to savepoint"); !st) return st;
  }
  return step_done(release_, "release savepoint");
}

}  // namespace cairn::store
