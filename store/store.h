// Store: the journal and everything kept beside it (run index, timers, signal keys, audit log,
// and the service tables of cairn::Tables). The engine talks to this interface only, so a PostgreSQL store can follow.
// The store knows nothing about coroutines or workflows: it stores events and rows.
//
// Invariants (cited by number in code and reviews):
// (1) A JournalBatch is applied whole or not at all, and its callback runs only after the
//     transaction holding it is durable (fsync'd at synchronous=FULL) or has definitely failed.
// (2) Events of a run are numbered seq = 1, 2, ... without gaps; an append names the last seq it
//     expects (optimistic concurrency) and fails with kConflict, changing nothing, if it is stale.
// (3) A run's index row (status, waiting-on, result, ...) changes only in the transaction that
//     appends the events it is derived from.
// (4) Batches submitted in order are applied in order; a batch's callback runs after the
//     callbacks of every batch submitted before it.
// (5) An I/O error or a full disk fails every batch of the failed transaction with kIoError /
//     kDiskFull, is reported (never swallowed), and leaves the store usable once space is freed.
//     A write failing for its own batch only (a row added outside Cairn in its way) fails that
//     batch alone: the others of its transaction are committed again without it.
//
// Threading: every method may be called from any thread. submit() never blocks on I/O; reads use
// their own connections and see every batch whose callback has run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cairn/status.h"
#include "cairn/tables.h"
#include "store/journal_format.h"

namespace cairn::store {

using Millis = std::int64_t;  // milliseconds since the Unix epoch, UTC

struct Event {
  std::int64_t seq = 0;
  EventType type = EventType::kWorkflowStarted;
  std::int64_t cmd = 0;  // the command number the event belongs to; 0 when none
  Millis at = 0;
  std::string data;  // JSON text
  // What its checksum says. kMismatch and kMissing: the row was changed outside Cairn, and what
  // it says cannot be trusted.
  ChecksumChain::Verdict checksum = ChecksumChain::Verdict::kIntact;
  bool intact() const {
    return checksum == ChecksumChain::Verdict::kIntact || checksum == ChecksumChain::Verdict::kUnchecked;
  }
};

struct WaitingOn {
  std::string kind;  // "signal", "timer", "activity", "child"
  std::string name;
  Millis until = 0;  // 0 = no deadline
  bool operator==(const WaitingOn&) const = default;
};

struct RunRecord {
  std::string id;
  std::string type;
  int version = 1;
  RunStatus status = RunStatus::kRunning;
  std::string input;         // JSON text
  std::string result;        // JSON text; empty = none
  std::string error;         // human text; empty = none
  std::string stuck_reason;  // empty = not stuck
  std::optional<WaitingOn> waiting_on;
  Millis created_at = 0;
  Millis updated_at = 0;
  std::string parent_id;        // empty = top-level run
  std::string idempotency_key;  // empty = none
  std::int64_t last_seq = 0;
};

// ---- Writes ---------------------------------------------------------------------------------

// Creates a run if absent. If the id exists (or the idempotency key names another id) the batch
// is not applied and BatchResult::existing says what exists; JSON-equal input is the caller's to
// judge (kept as text here).
struct CreateRun {
  std::string id;
  std::string type;
  int version = 1;
  std::string input;
  std::string parent_id;
  std::string idempotency_key;
  Millis created_at = 0;
};

struct NewEvent {
  EventType type = EventType::kWorkflowStarted;
  std::int64_t cmd = 0;
  Millis at = 0;
  std::string data;  // JSON text
};

// Fields of the index row to change; unset fields are left as they are.
struct RunUpdate {
  std::optional<RunStatus> status;
  std::optional<std::string> result;
  std::optional<std::string> error;
  std::optional<std::string> stuck_reason;
  std::optional<std::optional<WaitingOn>> waiting_on;  // set to nullopt-inside to clear
};

// Appends events to one run: they get seqs expected_last_seq+1, ... (invariant 2). Also updates
// the index row (updated_at = the batch's `now`).
struct Append {
  std::string run_id;
  std::int64_t expected_last_seq = 0;
  std::vector<NewEvent> events;
  RunUpdate update;
};

struct TimerKey {
  std::string run_id;
  std::int64_t cmd = 0;  // timers are named by the command that armed them
};
struct Timer {
  std::string run_id;
  std::int64_t cmd = 0;
  Millis due = 0;
};

// Claims a signal idempotency key for a run; if already claimed the batch is not applied and
// BatchResult::existing_signal_seq is the seq recorded with it. `seq` is the seq of the
// SignalReceived event appended in the same batch.
struct SignalKey {
  std::string run_id;
  std::string key;
  std::int64_t seq = 0;
};

struct AuditEntry {
  std::int64_t id = 0;  // assigned by the store (increasing)
  Millis at = 0;
  std::string actor;    // token name or "anonymous"
  std::string role;     // "admin", "service", "" when unauthenticated
  std::string action;   // "cancel", "terminate", "retry", "denied", ...
  std::string target;   // run id or route
  std::string outcome;  // "accepted", "forbidden", "unauthorized", "conflict", ...
};

// One unit of atomic work (invariant 1). Operations apply in this order: create, appends,
// timers to disarm (each, then every timer of disarm_runs), timers to arm, signal key, audit.
struct JournalBatch {
  Millis now = 0;  // updated_at for touched runs
  std::optional<CreateRun> create;
  std::vector<Append> appends;
  std::vector<TimerKey> disarm;
  std::vector<std::string> disarm_runs;  // runs whose every timer goes (a sealed run's terminate)
  std::vector<Timer> arm;  // replaces a timer with the same key
  std::optional<SignalKey> signal_key;
  std::vector<AuditEntry> audit;
};

struct BatchResult {
  Status status;                       // ok, kConflict (stale seq), kIoError, kDiskFull, ...
  bool applied = false;                // false also when `existing` or existing_signal_seq is set
  std::optional<RunRecord> existing;   // CreateRun found this run (same id, or same key)
  std::optional<std::int64_t> existing_signal_seq;
  // The batch failed and the store did not: it was refused (a journal that no longer ends at its
  // run row, a stale seq, no such run), or its own write failed (a row changed outside Cairn in its
  // way) and the batches of its transaction were committed again without it (invariant 5).
  bool failed_alone = false;
};

using BatchCallback = std::function<void(BatchResult)>;

// A batch and its callback, for submit_all().
struct Submission {
  JournalBatch batch;
  BatchCallback done;
};

// ---- Reads ----------------------------------------------------------------------------------

struct RunFilter {
  std::optional<RunStatus> status;
  std::optional<std::string> type;
  std::optional<bool> stuck;  // true: stuck runs only; false: every run but the stuck ones
  std::optional<Millis> created_after;   // inclusive
  std::optional<Millis> created_before;  // exclusive
  std::size_t limit = 100;
  std::string cursor;  // opaque, from RunPage::next_cursor; empty = first page
};

struct RunPage {
  std::vector<RunRecord> runs;  // newest first (created_at desc, id desc)
  std::string next_cursor;      // empty at the end
};

// One page of a run's journal (Store::history_page).
struct HistoryPage {
  std::vector<Event> events;  // in seq order
  bool more = false;          // events follow the last one
};

struct AuditPage {
  std::vector<AuditEntry> entries;  // newest first
  std::string next_cursor;          // empty at the end
};

struct StoreStats {
  std::uint64_t commits = 0;         // transactions committed
  std::uint64_t batches = 0;         // batches applied
  std::uint64_t batches_grouped = 0; // batches in committed transactions, applied or refused (a stale seq)
  std::uint64_t events = 0;          // events appended
  std::uint64_t failed_commits = 0;
  std::uint64_t commit_micros_total = 0;  // time inside COMMIT (fsync) summed
  std::uint64_t queue_depth = 0;     // batches waiting for the writer now
  std::vector<std::uint64_t> batches_per_commit_histogram;  // buckets 1,2-3,4-7,...,>=512
  Status last_error;                 // the most recent write failure (ok if none since open)
};

// ---- The interface --------------------------------------------------------------------------

// Also the cairn::Tables the simulated services keep their state in (same database, same writer).
class Store : public Tables {
 public:
  virtual ~Store() = default;

  // Queues a batch for the writer; `done` runs on the writer thread once the batch is durable or
  // has failed (invariants 1, 4). Must not block for long: hand work off to your own queue.
  virtual void submit(JournalBatch batch, BatchCallback done) = 0;
  // submit() of each, in order, queued at once: one lock, one wake-up, and the writer takes all
  // of them or none into its next group (split only past max_batches_per_commit).
  virtual void submit_all(std::vector<Submission> batches) = 0;
  // submit() and wait.
  virtual BatchResult commit(JournalBatch batch) = 0;

  virtual Result<RunRecord> get_run(const std::string& id) = 0;
  virtual Result<RunRecord> find_by_idempotency_key(const std::string& key) = 0;
  // Events with seq > after, at most `limit` (0 = all), in seq order. kNotFound for unknown runs.
  virtual Result<std::vector<Event>> load_history(const std::string& id, std::int64_t after, std::size_t limit) = 0;
  // The same as a page of at most `limit` (>= 1) events whose data stays under `max_bytes`: it ends
  // before the event that would bring its data to max_bytes or more, unless that is its first
  // event (shown alone), so a page of large events is never read whole into memory.
  virtual Result<HistoryPage> history_page(const std::string& id, std::int64_t after, std::size_t limit,
                                           std::size_t max_bytes) = 0;
  virtual Result<RunPage> search(const RunFilter& filter) = 0;
  // Ids of every run not in a terminal status (for recovery), oldest first.
  virtual Result<std::vector<std::string>> unfinished_runs() = 0;
  virtual Result<std::int64_t> count_runs(RunStatus status) = 0;
  // Timers due at or before `due_before`, earliest first, at most `limit` (0 = all).
  virtual Result<std::vector<Timer>> due_timers(Millis due_before, std::size_t limit) = 0;
  virtual Result<AuditPage> audit(const std::string& cursor, std::size_t limit) = 0;

  virtual StoreStats stats() = 0;
  // Ok, or why the store is not ready to take writes: kCorruption for good once SQLite reported
  // the database damaged while it was open (every write is refused from then on, so nothing more
  // goes into a damaged file); kDiskFull while the database's volume has less free space than the
  // store keeps in reserve (writes are still tried).
  virtual Status health() = 0;
  // Waits for every queued batch to commit, then stops the writer; later submits fail with
  // kUnavailable. Idempotent.
  virtual void close() = 0;
};

struct SqliteOptions {
  std::string path = "./cairn.db";
  // FULL: a commit is on disk (fsync'd WAL) when its callback runs. NORMAL: the WAL is fsync'd
  // only at checkpoints: a power loss (not a process crash) may lose the last commits.
  bool synchronous_full = true;
  std::size_t max_batches_per_commit = 1024;
  std::size_t read_connections = 4;
  // Cap on the database size in pages (0 = SQLite's default). Tests use it to simulate a full disk.
  std::int64_t max_page_count = 0;
  // WAL frames before a background checkpoint (0 = kWalCheckpointPages). Tests set it small.
  int wal_checkpoint_pages = 0;
  // Free space the database's volume must keep for the store to count as writable
  // (Store::health); a WAL between checkpoints alone takes ~40 MiB (docs/operations.md).
  std::int64_t min_free_bytes = 64LL << 20;
};

// Opens (creating if needed) and migrates the database, runs quick_check, starts the writer.
// Fails with kCorruption (with SQLite's report) on a damaged file, kIoError if it cannot open.
Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

// Deletes the database file at `path` and its companions (-wal, -shm, -lock), if present. For
// tests and benchmarks that own a throwaway database; never while a store has it open.
void remove_database_files(const std::string& path);

}  // namespace cairn::store
