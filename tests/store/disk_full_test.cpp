// A full disk (simulated with max_page_count): appends fail cleanly with kDiskFull, nothing is
// left partial, reads keep working, and writes succeed again once there is room (invariant 5).
#include <doctest/doctest.h>

#include "store/store_test_util.h"

namespace cairn::store {
namespace {

using test::commit_ok;
using test::create_batch;

// A batch of one SideEffect with `bytes` of payload after seq `expected`.
JournalBatch big_append(const std::string& id, std::int64_t expected, std::size_t bytes) {
  JournalBatch b;
  b.now = 5000;
  b.appends.push_back(Append{id, expected, {test::event(EventType::kSideEffect, std::string(bytes, 'x'))}, {}});
  return b;
}

TEST_SUITE("store") {

TEST_CASE("a full disk fails appends with kDiskFull, keeps reads, and recovers when space returns") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  opts.max_page_count = 48;
  auto s = test::open_store(opts);
  commit_ok(*s, create_batch("r"));

  std::int64_t seq = 1;
  BatchResult full;
  for (int i = 0; i < 200; ++i) {
    full = s->commit(big_append("r", seq, 1500));
    if (!full.applied) break;
    ++seq;
  }
  REQUIRE(full.status.code() == Errc::kDiskFull);
  CHECK_FALSE(full.failed_alone);  // the disk's trouble, not the batch's
  CHECK(full.status.message().find("store: append run r") != std::string::npos);
  CHECK(seq > 5);  // some appends fitted before the cap

  // Nothing of the failed batch is visible; the store reads on.
  CHECK(s->get_run("r")->last_seq == seq);
  CHECK(s->load_history("r", 0, 0)->size() == static_cast<std::size_t>(seq));
  CHECK(s->search(RunFilter{}).is_ok());
  StoreStats st = s->stats();
  CHECK(st.last_error.code() == Errc::kDiskFull);
  CHECK(st.failed_commits >= 1);

  // Every batch of the failed transaction fails, including one that alone would have fitted.
  std::vector<BatchResult> results(2);
  std::promise<void> done;
  {
    test::WriterGate gate(*s);
    JournalBatch small;
    small.audit.push_back(AuditEntry{0, 1, "ops", "admin", "note", "r", "accepted"});
    s->submit(std::move(small), [&](BatchResult r) { results[0] = std::move(r); });
    s->submit(big_append("r", seq, 200000), [&](BatchResult r) {
      results[1] = std::move(r);
      done.set_value();
    });
  }
  done.get_future().wait();
  CHECK(results[0].status.code() == Errc::kDiskFull);
  CHECK_FALSE(results[0].applied);
  CHECK(results[1].status.code() == Errc::kDiskFull);
  CHECK(s->audit("", 10)->entries.empty());

  // A Tables transaction hits the same wall and reports it.
  CHECK(s->transact([](TableTx& tx) {
    tx.put("t", "k", std::string(200000, 'y'));
    return Status::ok();
  }).code() == Errc::kDiskFull);
  CHECK(s->scan_table("t", "")->empty());

  // Space is freed: the very same append now succeeds.
  REQUIRE(s->TEST_set_max_page_count(100000).is_ok());
  commit_ok(*s, big_append("r", seq, 200000));
  CHECK(s->get_run("r")->last_seq == seq + 1);
  CHECK(s->load_history("r", seq, 0)->at(0).data.size() == 200000);
}

}  // TEST_SUITE
}  // namespace
}  // namespace cairn::store
