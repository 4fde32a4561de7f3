// Group commit: many submitters, one transaction per drained queue, callbacks in submission
// order, per-batch failures inside a shared transaction, stats, and close().
#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <vector>

#include "store/store_test_util.h"

namespace cairn::store {
namespace {

using test::append_batch;
using test::commit_ok;
using test::create_batch;

std::uint64_t histogram_total(const StoreStats& s) {
  std::uint64_t n = 0;
  for (auto v : s.batches_per_commit_histogram) n += v;
  return n;
}

TEST_SUITE("store") {

TEST_CASE("appends from many threads are all applied with contiguous seqs") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  constexpr int kThreads = 16;
  constexpr int kSteps = 100;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string id = "run-" + std::to_string(t);
      if (!s->commit(create_batch(id)).applied) ++failures;
      for (int i = 1; i <= kSteps; ++i)
        if (!s->commit(append_batch(id, i)).applied) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  for (int t = 0; t < kThreads; ++t) {
    auto h = s->load_history("run-" + std::to_string(t), 0, 0);
    REQUIRE(h.is_ok());
    REQUIRE(h->size() == kSteps + 1);
    for (int i = 0; i <= kSteps; ++i) CHECK((*h)[i].seq == i + 1);
  }
  const StoreStats st = s->stats();
  CHECK(st.batches == kThreads * (kSteps + 1));
  CHECK(st.events == kThreads * (kSteps + 1));
  CHECK(st.commits <= st.batches);
  CHECK(histogram_total(st) == st.commits);
  CHECK(st.failed_commits == 0);
  CHECK(st.last_error.is_ok());
}

TEST_CASE("batches queued while the writer is busy commit in one transaction") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  for (int i = 0; i < 40; ++i) commit_ok(*s, create_batch("r" + std::to_string(i)));
  const StoreStats before = s->stats();

  std::promise<void> all_done;
  std::atomic<int> left{40};
  {
    test::WriterGate gate(*s);
    for (int i = 0; i < 40; ++i) {
      s->submit(append_batch("r" + std::to_string(i), 1), [&](BatchResult r) {
        CHECK(r.applied);
        if (--left == 0) all_done.set_value();
      });
    }
    CHECK(s->stats().queue_depth == 40);
  }
  all_done.get_future().wait();
  const StoreStats after = s->stats();
  CHECK(after.commits - before.commits == 2);  // the gate's own transaction, then all 40
  CHECK(after.batches_per_commit_histogram[5] - before.batches_per_commit_histogram[5] == 1);  // 32-63
  CHECK(after.queue_depth == 0);
}

TEST_CASE("the batches-per-commit histogram sums the batches it counts, refused ones included") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("r"));
  const StoreStats before = s->stats();
  // A stale expected seq: grouped into a commit of its own, refused, nothing applied. /metrics
  // showed a _sum (applied batches) below its _count (commits), as if a commit held none.
  BatchResult stale = s->commit(append_batch("r", 7));
  CHECK(stale.status.code() == Errc::kConflict);
  const StoreStats after = s->stats();
  CHECK(after.commits - before.commits == 1);
  CHECK(after.batches_per_commit_histogram[0] - before.batches_per_commit_histogram[0] == 1);
  CHECK(after.batches_grouped - before.batches_grouped == 1);
  CHECK(after.batches == before.batches);
}

TEST_CASE("max_batches_per_commit splits a long queue into several transactions") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  opts.max_batches_per_commit = 4;
  auto s = test::open_store(opts);
  commit_ok(*s, create_batch("r"));
  const std::uint64_t commits_before = s->stats().commits;
  std::promise<void> all_done;
  {
    test::WriterGate gate(*s);
    for (int i = 1; i <= 10; ++i) {
      s->submit(append_batch("r", i), [&, i](BatchResult r) {
        CHECK(r.applied);
        if (i == 10) all_done.set_value();
      });
    }
  }
  all_done.get_future().wait();
  CHECK(s->stats().commits - commits_before == 1 + 3);  // gate, then 4 + 4 + 2
}

TEST_CASE("callbacks run in submission order") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("r"));
  constexpr int kBatches = 300;
  std::vector<int> order;  // written by the writer thread only
  std::promise<void> all_done;
  for (int i = 1; i <= kBatches; ++i) {
    // Each batch expects the previous one applied: in-order application is checked too.
    s->submit(append_batch("r", i), [&, i](BatchResult r) {
      CHECK(r.applied);
      order.push_back(i);
      if (i == kBatches) all_done.set_value();
    });
  }
  all_done.get_future().wait();
  REQUIRE(order.size() == kBatches);
  for (int i = 0; i < kBatches; ++i) CHECK(order[i] == i + 1);
  CHECK(s->get_run("r")->last_seq == kBatches + 1);
}

TEST_CASE("submit_all hands its batches to the writer at once: one transaction, callbacks in order") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("r"));
  const std::uint64_t commits_before = s->stats().commits;
  constexpr int kBatches = 100;
  std::vector<int> order;  // written by the writer thread only
  std::promise<void> all_done;
  std::vector<Submission> batches;
  for (int i = 1; i <= kBatches; ++i) {
    batches.push_back({append_batch("r", i), [&, i](BatchResult r) {
                         CHECK(r.applied);
                         order.push_back(i);
                         if (i == kBatches) all_done.set_value();
                       }});
  }
  s->submit_all(std::move(batches));  // no gate: the writer can never see part of them
  all_done.get_future().wait();
  REQUIRE(order.size() == kBatches);
  for (int i = 0; i < kBatches; ++i) CHECK(order[i] == i + 1);
  CHECK(s->stats().commits - commits_before == 1);
  CHECK(s->get_run("r")->last_seq == kBatches + 1);

  s->close();
  std::vector<Errc> refused;
  s->submit_all({{append_batch("r", kBatches + 1), [&](BatchResult r) { refused.push_back(r.status.code()); }},
                 {append_batch("r", kBatches + 2), [&](BatchResult r) { refused.push_back(r.status.code()); }}});
  CHECK(refused == std::vector<Errc>{Errc::kUnavailable, Errc::kUnavailable});  // at once, in order
}

TEST_CASE("a failing batch fails alone while the others in its transaction commit") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("a"));
  commit_ok(*s, create_batch("b"));
  const std::uint64_t commits_before = s->stats().commits;
  std::vector<BatchResult> results(4);
  std::promise<void> all_done;
  {
    test::WriterGate gate(*s);
    s->submit(append_batch("a", 1), [&](BatchResult r) { results[0] = std::move(r); });
    s->submit(append_batch("b", 5), [&](BatchResult r) { results[1] = std::move(r); });  // stale
    s->submit(create_batch("a"), [&](BatchResult r) { results[2] = std::move(r); });     // exists
    s->submit(append_batch("b", 1, 2), [&](BatchResult r) {
      results[3] = std::move(r);
      all_done.set_value();
    });
  }
  all_done.get_future().wait();
  CHECK(s->stats().commits - commits_before == 2);
  CHECK(results[0].applied);
  CHECK(results[1].status.code() == Errc::kConflict);
  CHECK(results[2].status.is_ok());
  CHECK_FALSE(results[2].applied);
  CHECK(results[2].existing.has_value());
  CHECK(results[3].applied);
  CHECK(s->get_run("a")->last_seq == 2);
  CHECK(s->get_run("b")->last_seq == 3);
}

TEST_CASE("close drains the queue and later writes fail with kUnavailable") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("r"));
  std::atomic<int> applied{0};
  for (int i = 1; i <= 50; ++i) {
    s->submit(append_batch("r", i), [&](BatchResult r) {
      if (r.applied) ++applied;
    });
  }
  s->close();
  CHECK(applied == 50);  // close() returned after every queued callback ran

  bool called = false;
  s->submit(append_batch("r", 51), [&](BatchResult r) {
    called = true;
    CHECK(r.status.code() == Errc::kUnavailable);
  });
  CHECK(called);  // immediately, on this thread
  CHECK(s->commit(append_batch("r", 51)).status.code() == Errc::kUnavailable);
  CHECK(s->transact([](TableTx&) { return Status::ok(); }).code() == Errc::kUnavailable);
  s->close();  // idempotent
  CHECK(s->get_run("r")->last_seq == 51);  // reads still work
}

TEST_CASE("a batch submitted while close drains fails after every earlier callback") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("r"));
  std::vector<std::string> order;  // appended on the writer thread only
  std::promise<void> refused;
  {
    test::WriterGate gate(*s);  // A and C commit in one transaction
    s->submit(append_batch("r", 1), [&](BatchResult r) {  // A
      order.push_back(r.applied ? "A applied" : "A failed");
      s->close();  // from the writer thread: raises the flag, does not wait
      s->submit(append_batch("r", 3), [&](BatchResult r2) {  // B, queued behind C
        order.push_back(r2.status.code() == Errc::kUnavailable ? "B refused" : "B not refused");
        refused.set_value();
      });
    });
    s->submit(append_batch("r", 2), [&](BatchResult r) { order.push_back(r.applied ? "C applied" : "C failed"); });
  }
  refused.get_future().wait();
  s->close();  // joins the writer, which exited after draining
  CHECK(order == std::vector<std::string>{"A applied", "C applied", "B refused"});
  CHECK(s->get_run("r")->last_seq == 3);
}

TEST_CASE("a blocking call from a callback is refused instead of deadlocking") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  std::promise<BatchResult> inner;
  s->submit(create_batch("r"), [&](BatchResult) { inner.set_value(s->commit(append_batch("r", 1))); });
  const BatchResult r = inner.get_future().get();
  CHECK(r.status.code() == Errc::kInternal);
  CHECK(s->get_run("r")->last_seq == 1);
}

TEST_CASE("a null callback is allowed") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  s->submit(create_batch("r"), nullptr);
  commit_ok(*s, append_batch("r", 1));  // applied after the fire-and-forget create
}

}  // TEST_SUITE
}  // namespace
}  // namespace cairn::store
