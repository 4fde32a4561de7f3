// WAL checkpoints run on their own thread: the WAL stays bounded, and what they copy back into the
// database is what was committed.
#include <doctest/doctest.h>

#include <filesystem>

#include "store/store_test_util.h"

namespace cairn::store {
namespace {

using test::commit_ok;
using test::create_batch;

TEST_SUITE("store") {

TEST_CASE("background checkpoints keep the WAL bounded and lose nothing") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  opts.wal_checkpoint_pages = 20;  // a pass is asked for at 20 frames; the writer's own at 80
  constexpr int kRuns = 400;
  {
    auto s = test::open_store(opts);
    for (int i = 0; i < kRuns; ++i) commit_ok(*s, create_batch(fmt::format("run-{}", i)));
    CHECK(s->TEST_wait_checkpoints(1) >= 1);  // the background thread did passes
    // Without checkpoints the WAL would hold every commit's frames (several MiB); with them it is
    // reused from its start and never holds much more than the writer's bound of 80 frames.
    const auto wal_bytes = std::filesystem::file_size(opts.path + "-wal");
    CHECK_MESSAGE(wal_bytes < 160 * (4096 + 24), wal_bytes);
    for (int i = 0; i < kRuns; i += 37) CHECK(s->get_run(fmt::format("run-{}", i))->last_seq == 1);
  }
  auto reopened = test::open_store(opts);  // the database and its WAL, as a restart finds them
  for (int i = 0; i < kRuns; ++i) {
    auto run = reopened->get_run(fmt::format("run-{}", i));
    REQUIRE_MESSAGE(run, run.status().to_string());
    CHECK(run->last_seq == 1);
    CHECK(reopened->load_history(run->id, 0, 0)->size() == 1);
  }
}

}  // TEST_SUITE

}  // namespace
}  // namespace cairn::store
