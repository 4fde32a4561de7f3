// A database damaged while the store has it open: once SQLite reports the corruption, the store
// says so (Store::health) and refuses every later write, so nothing more goes into the file.
#include <doctest/doctest.h>

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

}  // TEST_SUITE
}  // namespace
}  // namespace cairn::store
