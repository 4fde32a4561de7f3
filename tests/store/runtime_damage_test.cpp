// A database damaged outside the store. Pages damaged while it is open: once SQLite reports the
// corruption, the store says so (Store::health) and refuses every later write, so nothing more
// goes into the file. A run's journal rows deleted or added: that run's appends are refused, alone.
#include <doctest/doctest.h>

#include <future>
#include <vector>

#include "store/store_test_util.h"

namespace cairn::store {
namespace {

TEST_SUITE("store") {

TEST_CASE("a page damaged under an open store: the read fails, the store reports it and refuses every write") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  auto store = test::open_store(opts);
  test::commit_ok(*store, test::create_batch("a"));
  test::commit_ok(*store, test::create_batch("b"));
  CHECK(store->health().is_ok());

  // A page the writes below do not touch: they would fail on it by themselves.
  test::damage_root_page(opts.path, "audit");

  auto audit = store->audit("", 10);
  REQUIRE_FALSE(audit.is_ok());
  CHECK(audit.status().code() == Errc::kCorruption);
  // It went on writing: new runs were acknowledged into a file the next start refuses.
  const Status fault = store->health();
  CHECK(fault.code() == Errc::kCorruption);
  CHECK(fault.message().find("every write is refused") != std::string::npos);
  const BatchResult r = store->commit(test::create_batch("c"));
  CHECK(r.status.code() == Errc::kCorruption);
  CHECK_FALSE(r.applied);
  CHECK(store->get_run("c").status().code() == Errc::kNotFound);
  CHECK(store->health().code() == Errc::kCorruption);  // for good
}

TEST_CASE("a journal that no longer ends at its run row's seq takes no event, fails alone, and its status still changes") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  {
    auto store = test::open_store(opts);
    for (const char* id : {"added", "cut", "sound"}) {
      test::commit_ok(*store, test::create_batch(id));
      test::commit_ok(*store, test::append_batch(id, 1, 2));  // seqs 1..3, the row at 3
    }
  }
  // A row added after the end (the next append's seq 4 is taken) and the last row deleted.
  test::outside(opts.path,
                "INSERT INTO events(rk, seq, type, cmd, at, data) SELECT rk, 4, type, cmd, at, data FROM events "
                "WHERE rk = (SELECT rk FROM runs WHERE id = 'added') AND seq = 3");
  test::outside(opts.path, "DELETE FROM events WHERE seq = 3 AND rk = (SELECT rk FROM runs WHERE id = 'cut')");
  auto store = test::open_store(opts);
  JournalBatch mark_stuck;
  mark_stuck.now = 3000;
  mark_stuck.appends.push_back(Append{"added", 3, {}, {}});
  mark_stuck.appends.back().update.status = RunStatus::kStuck;
  mark_stuck.appends.back().update.stuck_reason = "its journal was changed";

  std::vector<BatchResult> results(4);
  std::promise<void> all_done;
  {
    test::WriterGate gate(*store);  // all four in one transaction
    store->submit(test::append_batch("added", 3), [&](BatchResult r) { results[0] = std::move(r); });
    store->submit(test::append_batch("cut", 3), [&](BatchResult r) { results[1] = std::move(r); });
    store->submit(test::append_batch("sound", 3), [&](BatchResult r) { results[2] = std::move(r); });
    store->submit(std::move(mark_stuck), [&](BatchResult r) {
      results[3] = std::move(r);
      all_done.set_value();
    });
  }
  all_done.get_future().wait();
  // The insert at the taken seq 4 failed the whole transaction, the sound run's batch with it.
  for (int i : {0, 1}) {
    CHECK(results[i].status.code() == Errc::kCorruption);
    CHECK(results[i].failed_alone);  // the engine's cue: the store is sound, this run is not
    CHECK_FALSE(results[i].applied);
  }
  CHECK(results[0].status.message().find("its journal ends at seq 4, its run row at seq 3") != std::string::npos);
  CHECK(results[1].status.message().find("its journal ends at seq 2, its run row at seq 3") != std::string::npos);
  CHECK(results[2].applied);
  CHECK(results[3].applied);
  CHECK(store->health().is_ok());
  CHECK(store->get_run("sound")->last_seq == 4);
  CHECK(store->get_run("added")->status == RunStatus::kStuck);
  CHECK(store->get_run("added")->last_seq == 3);
  CHECK(test::query_one(opts.path, "SELECT count(*) FROM events") == "10");  // 4 + 2 + 4: none added to the two
  // Still refused once its status changed (which a writer may remember the run for).
  const BatchResult again = store->commit(test::append_batch("added", 3));
  CHECK(again.status.code() == Errc::kCorruption);
}

TEST_CASE("a row added under the open store where a run's next append goes fails that batch alone, not its transaction") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  auto store = test::open_store(opts);
  for (const char* id : {"before", "added", "after"}) test::commit_ok(*store, test::create_batch(id));
  // The writer knows each run's last seq (1) from its own writes; seq 2 of one is taken behind it.
  test::outside(opts.path,
                "INSERT INTO events(rk, seq, type, cmd, at, data) SELECT rk, 2, type, cmd, at, data FROM events "
                "WHERE rk = (SELECT rk FROM runs WHERE id = 'added') AND seq = 1");
  std::vector<BatchResult> results(3);
  std::promise<void> all_done;
  {
    test::WriterGate gate(*store);
    store->submit(test::append_batch("before", 1), [&](BatchResult r) { results[0] = std::move(r); });
    store->submit(test::append_batch("added", 1), [&](BatchResult r) { results[1] = std::move(r); });
    store->submit(test::append_batch("after", 1), [&](BatchResult r) {
      results[2] = std::move(r);
      all_done.set_value();
    });
  }
  all_done.get_future().wait();
  // All three failed with "UNIQUE constraint failed: events.rk, events.seq" (500 to the callers).
  CHECK(results[0].applied);
  CHECK(results[2].applied);
  CHECK(results[1].status.code() == Errc::kCorruption);
  CHECK(results[1].failed_alone);
  CHECK_FALSE(results[0].failed_alone);
  CHECK(results[1].status.message().find("its journal already holds seq 2") != std::string::npos);
  CHECK(store->get_run("before")->last_seq == 2);
  CHECK(store->get_run("after")->last_seq == 2);
  CHECK(store->get_run("added")->last_seq == 1);
  CHECK(store->health().is_ok());
  test::commit_ok(*store, test::append_batch("before", 2));  // the writer goes on
}

TEST_CASE("a new run given a run key that holds rows of no run moves above them instead of failing every start") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  auto store = test::open_store(opts);
  test::commit_ok(*store, test::create_batch("kept"));
  test::commit_ok(*store, test::create_batch("deleted"));
  test::commit_ok(*store, test::append_batch("deleted", 1));
  // The newest run's row deleted, its events left: the next run is given that key again.
  test::outside(opts.path, "DELETE FROM runs WHERE id = 'deleted'");
  SUBCASE("all its events left") {}
  SUBCASE("all its events left, the store opened again") {  // the highest key is read at open
    store.reset();
    store = test::open_store(opts);
  }
  SUBCASE("its events left but the first") {  // the new run's first write went in, its second failed
    test::outside(opts.path, "DELETE FROM events WHERE rk = 2 AND seq = 1");
  }
  // Each start failed: "UNIQUE constraint failed: events.rk, events.seq", and so did every start
  // after it, which was given the same key, for good.
  test::commit_ok(*store, test::create_batch("next"));
  test::commit_ok(*store, test::append_batch("next", 1));
  test::commit_ok(*store, test::create_batch("after"));
  auto history = store->load_history("next", 0, 0);
  REQUIRE(history.is_ok());
  CHECK(history->size() == 2);
  CHECK(test::query_one(opts.path, "SELECT max(seq) FROM events WHERE rk = 2") == "2");  // the leftover rows, untouched
  CHECK(test::query_one(opts.path, "SELECT rk FROM runs WHERE id = 'next'") == "3");
  CHECK(test::query_one(opts.path, "SELECT rk FROM runs WHERE id = 'after'") == "4");
}

TEST_CASE("rows added under the open store at the next run key fail one start, and the next start moves above them") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  auto store = test::open_store(opts);
  test::commit_ok(*store, test::create_batch("first"));
  // Key 2, which the next run is given, holds a seq 1 no run wrote (the writer read no key: 2 is
  // above every key that held events).
  test::outside(opts.path,
                "INSERT INTO events(rk, seq, type, cmd, at, data) SELECT 2, seq, type, cmd, at, data FROM events "
                "WHERE rk = 1 AND seq = 1");
  const BatchResult refused = store->commit(test::create_batch("unlucky"));
  CHECK(refused.status.code() == Errc::kCorruption);
  CHECK(refused.failed_alone);
  CHECK_FALSE(store->get_run("unlucky").is_ok());
  test::commit_ok(*store, test::create_batch("next"));
  CHECK(test::query_one(opts.path, "SELECT rk FROM runs WHERE id = 'next'") == "3");
  CHECK(store->load_history("next", 0, 0)->size() == 1);
  CHECK(store->health().is_ok());
}

TEST_CASE("a run key edited into text neither stops the store from opening nor takes a new run's key") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  {
    auto store = test::open_store(opts);
    test::commit_ok(*store, test::create_batch("first"));
  }
  // Text sorts above every number: max(rk) was 'abc', which the open read as a number (an
  // uncaught exception: the server aborted at every start), and a moved run's key was 1 + 'abc'.
  test::outside(opts.path, "INSERT INTO events(rk, seq, type, cmd, at, data) VALUES('abc', 1, 1, 0, 0, '{}')");
  test::outside(opts.path, "DELETE FROM runs WHERE id = 'first'");  // its rows at key 1 left too
  auto store = test::open_store(opts);
  test::commit_ok(*store, test::create_batch("next"));
  CHECK(test::query_one(opts.path, "SELECT rk FROM runs WHERE id = 'next'") == "2");
  CHECK(store->load_history("next", 0, 0)->size() == 1);
}

}  // TEST_SUITE
}  // namespace
}  // namespace cairn::store
