// SqliteStore: the Store on one SQLite file. One writer thread owns the write connection and
// commits everything queued in one transaction (group commit); reads use a ReadPool.
// Most code should hold a Store from open_sqlite_store(); this header is for the TEST_ hook.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "store/batch_writer.h"
#include "store/checkpointer.h"
#include "store/id_filter.h"
#include "store/process_lock.h"
#include "store/read_pool.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace cairn::store {

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options);
  ~SqliteStore() override;  // close()s

  void submit(JournalBatch batch, BatchCallback done) override;
  void submit_all(std::vector<Submission> batches) override;
  BatchResult commit(JournalBatch batch) override;
  Status transact(const std::function<Status(TableTx&)>& fn) override;

  Result<RunRecord> get_run(const std::string& id) override;
  Result<RunRecord> find_by_idempotency_key(const std::string& key) override;
  Result<std::vector<Event>> load_history(const std::string& id, std::int64_t after, std::size_t limit) override;
  Result<HistoryPage> history_page(const std::string& id, std::int64_t after, std::size_t limit,
                                   std::size_t max_bytes) override;
  Result<RunPage> search(const RunFilter& filter) override;
  Result<std::vector<std::string>> unfinished_runs() override;
  Result<std::int64_t> count_runs(RunStatus status) override;
  Result<std::vector<Timer>> due_timers(Millis due_before, std::size_t limit) override;
  Result<AuditPage> audit(const std::string& cursor, std::size_t limit) override;
  Result<Rows> scan_table(const std::string& table, const std::string& prefix) override;

  StoreStats stats() override;
  Status health() override;
  void close() override;

  // Test hook: sets PRAGMA max_page_count on the write connection, in order with the queued
  // batches (raise it after a simulated full disk to check the store recovers).
  Status TEST_set_max_page_count(std::int64_t pages);
  // Test hook: waits until `n` background WAL checkpoint passes have completed; returns how many have.
  std::uint64_t TEST_wait_checkpoints(std::uint64_t n);

 private:
  // Work run on the writer thread inside the group transaction instead of a JournalBatch; a
  // non-ok return is an SQLite error that fails the whole transaction.
  using WriterOp = std::function<Status(BatchWriter&, BatchResult&)>;
  struct Item {
    JournalBatch batch;                      // submit(): owned by the store
    const JournalBatch* borrowed = nullptr;  // commit(): the caller's, alive until it has the result
    BatchCallback done;
    WriterOp op;            // when set, runs instead of a batch
    bool rejected = false;  // submitted after close(): fails with kUnavailable, in order
    const JournalBatch& journal() const { return borrowed ? *borrowed : batch; }
  };

  SqliteStore(const SqliteOptions& options, ProcessLock lock, std::unique_ptr<Db> db, std::unique_ptr<IdFilter> ids,
              std::unique_ptr<BatchWriter> writer, std::unique_ptr<ReadPool> readers,
              std::unique_ptr<Checkpointer> checkpointer, std::int64_t checksummed_from_rk);
  // load_history() and history_page(): `limit` 0 = all, `max_bytes` 0 = no bound.
  Result<HistoryPage> read_history(const std::string& id, std::int64_t after, std::size_t limit,
                                   std::size_t max_bytes);
  void enqueue(std::span<Item> items);  // moves from each
  // Queues `item` and waits for its result; refuses (kInternal) on the writer thread.
  BatchResult enqueue_and_wait(Item item);
  bool on_writer_thread() const { return std::this_thread::get_id() == writer_id_; }
  void writer_loop();
  // Applies `items` in one transaction and fills `results` (one per item, default-constructed).
  // When one batch's own write fails, that batch fails alone and the rest are committed again.
  void commit_group(std::span<Item> items, std::span<BatchResult> results);
  // Whether `failure`, met applying one batch, is that batch's alone (a constraint, not the disk).
  bool fails_alone(const Status& failure) const;
  void record(std::size_t group_size, std::uint64_t applied, std::uint64_t events,
              std::uint64_t commit_micros, const Status& failure);
  // Ok, or why nothing more is written: SQLite reported the database damaged (health()).
  Status fault() const;
  // Ok, or kDiskFull: the volume has less free space than options_.min_free_bytes.
  Status free_space() const;

  const SqliteOptions options_;
  ProcessLock lock_;  // released last, after every connection is closed
  std::unique_ptr<Db> db_;  // the write connection: used by the writer thread only
  std::unique_ptr<IdFilter> ids_;  // stored run ids and idempotency keys (id_filter.h): the writer adds, reads ask
  std::unique_ptr<BatchWriter> writer_;
  std::unique_ptr<ReadPool> readers_;
  std::unique_ptr<Checkpointer> checkpointer_;  // destroyed before db_, after the writer stopped
  const std::int64_t checksummed_from_rk_;  // checksummed_from_rk(): read by read_history
  // Set for good by any connection that reads or writes a damaged page (Db::report_corruption_to).
  std::atomic<bool> corruption_seen_{false};
  // Writer thread only: the last "transaction ... rolled back" line, and how many were not
  // printed since (a full disk fails every commit; one line a second says as much).
  std::chrono::steady_clock::time_point rollback_logged_at_;
  std::size_t unlogged_rollbacks_ = 0;

  std::mutex mu_;
  std::condition_variable work_;
  // Guarded by mu_. A vector the writer swaps with its own, so queueing allocates nothing in
  // the steady state.
  std::vector<Item> queue_;
  // Guarded by mu_. Items the writer is done with, handed to the next enqueue() to free: their
  // memory came from the submitters' malloc arenas, where freeing is cheap.
  std::vector<Item> spent_;
  bool stopping_ = false;      // guarded by mu_: close() was called
  bool writer_done_ = false;   // guarded by mu_: the writer thread has drained and exited

  std::mutex stats_mu_;
  StoreStats stats_;  // guarded by stats_mu_ (queue_depth is filled in by stats())

  std::once_flag joined_;
  std::thread thread_;
  std::thread::id writer_id_;  // set once before open() returns
};

}  // namespace cairn::store
