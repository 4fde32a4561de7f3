// BatchWriter: applies JournalBatches and Tables transactions inside the writer's open
// transaction, each all-or-nothing (invariant 1). Used by the writer thread only.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "cairn/status.h"
#include "cairn/tables.h"
#include "store/id_filter.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace cairn::store {

class BatchWriter {
 public:
  // Prepares every statement of the write path on `db`, which must outlive the writer, as must
  // `ids`: each run id the writer inserts is added to it before the insert can commit.
  static Result<std::unique_ptr<BatchWriter>> create(Db& db, IdFilter& ids);

  Status begin();   // BEGIN IMMEDIATE
  Status commit();  // COMMIT: durable when it returns ok (at synchronous=FULL)
  // Ends a transaction that failed; harmless when SQLite already rolled it back itself.
  void rollback();

  // Applies one batch inside the open transaction. `out` is the batch's own outcome: applied, or
  // not applied with the reason (conflict, existing run, claimed signal key, bad argument), in
  // which case nothing of the batch remains. A non-ok return is an SQLite error that broke the
  // whole transaction: the caller must roll it back and fail every batch in it (invariant 5).
  Status apply(const JournalBatch& batch, BatchResult& out);

  // Runs `fn` inside the open transaction in a savepoint; a non-ok Status (or an exception) from
  // fn rolls back fn's writes only and is stored in `fn_status`. A non-ok return is an SQLite
  // error, with the same meaning as for apply().
  Status transact(const std::function<Status(TableTx&)>& fn, Status& fn_status);

  Db& db() { return db_; }

 private:
  class Tx;

  BatchWriter(Db& db, IdFilter& ids) : db_(db), ids_(ids) {}
  Status prepare();
  // Writes the batch; sets out.status / out.existing on a failed precondition, which only
  // happens before the batch wrote anything or inside a savepoint (apply decides which).
  Status write(const JournalBatch& batch, BatchResult& out);
  // `row_written`: the run's index row was written by create_run() with this append's values.
  Status append(const Append& a, Millis now, BatchResult& out, bool row_written);
  // `first`: the batch's append of the run's first events, whose index values the row gets at
  // once (one INSERT instead of an INSERT and an UPDATE); nullptr when the batch has none.
  Status create_run(const CreateRun& c, Millis now, const Append* first, BatchResult& out);
  Result<sqlite3_stmt*> advance_stmt(const RunUpdate& u);
  // Gives the run just created with run key `rk` the key above every key the journal and the runs
  // hold, and returns it: `rk` holds rows of no run.
  Result<std::int64_t> move_new_run(const std::string& id, std::int64_t rk);
  Status step_done(sqlite3_stmt* s, const char* what);

  Db& db_;
  IdFilter& ids_;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* rollback_ = nullptr;
  sqlite3_stmt* savepoint_ = nullptr;
  sqlite3_stmt* release_ = nullptr;
  sqlite3_stmt* rollback_to_ = nullptr;
  sqlite3_stmt* insert_run_ = nullptr;
  sqlite3_stmt* run_seq_ = nullptr;
  sqlite3_stmt* key_in_use_ = nullptr;
  sqlite3_stmt* disarm_run_ = nullptr;
  sqlite3_stmt* move_run_ = nullptr;
  sqlite3_stmt* insert_event_ = nullptr;
  sqlite3_stmt* disarm_ = nullptr;
  sqlite3_stmt* arm_ = nullptr;
  sqlite3_stmt* signal_seq_ = nullptr;
  sqlite3_stmt* insert_signal_ = nullptr;
  sqlite3_stmt* insert_audit_ = nullptr;
  sqlite3_stmt* kv_get_ = nullptr;
  sqlite3_stmt* kv_put_ = nullptr;
  sqlite3_stmt* kv_insert_ = nullptr;
  sqlite3_stmt* kv_erase_ = nullptr;
  // "UPDATE runs SET last_seq, updated_at[, the fields RunUpdate sets] WHERE rk = ?", one per
  // combination of set fields (bit i = field i), prepared on first use. Setting only the fields
  // that change keeps the status index untouched on the common append. (An UPDATE by rowid is a
  // one-row write, so SQLite opens no statement journal for it; RETURNING would force one.)
  std::array<sqlite3_stmt*, 32> advance_{};

  // The rk and last seq of runs written recently, so an append skips the SELECT by id. Exact
  // because this writer is the journal's only writer (invariant 8, held by the store's
  // ProcessLock); a rollback (of a transaction or a savepoint) could leave entries ahead of the
  // database, so every rollback clears it. Terminal runs leave it; it is cleared when full.
  struct KnownRun {
    std::int64_t rk = 0;
    std::int64_t last_seq = 0;
  };
  static constexpr std::size_t kMaxKnownRuns = 65'536;
  void remember(const std::string& id, KnownRun run);
  std::unordered_map<std::string, KnownRun> known_;
  // At least the highest run key any event row has held since this writer was made (read at
  // prepare(), raised by every append, never lowered: a rollback leaves it high, which costs only
  // a read). A new run's key above it holds no rows of a deleted run.
  std::int64_t highest_event_rk_ = 0;
};

}  // namespace cairn::store
