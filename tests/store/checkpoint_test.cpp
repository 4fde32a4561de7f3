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
    // Without checkpoints the WAL would hold every commit's frames (2,523, 10.4 MB); with them it
    // is reused from its start, near the writer's bound of 80 frames. The bound is soft: a WAL is
    // reused only after a pass that copied every frame, and on a starved CPU (this suite beside
    // the sanitizer builds) commits can outrun a few passes: 178 frames were seen there.
    const auto wal_bytes = std::filesystem::file_size(opts.path + "-wal");
    CHECK_MESSAGE(wal_bytes < 500 * (4096 + 24), wal_bytes);
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
