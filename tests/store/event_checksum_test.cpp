// Each event row carries a checksum (events.crc, CRC-32C): a row changed outside Cairn reads back
// marked not intact; rows from before schema version 2 (no checksum) read as they are.
#include <doctest/doctest.h>

#include <random>

#include "store/crc32c.h"
#include "store/journal_format.h"
#include "store/store_test_util.h"

namespace cairn::store {
namespace {

using test::commit_ok;
using test::outside;

std::vector<bool> intact_flags(Store& s, const std::string& id) {
  auto history = s.load_history(id, 0, 0);
  REQUIRE_MESSAGE(history.is_ok(), history.status().to_string());
  std::vector<bool> flags;
  for (const Event& e : *history) flags.push_back(e.intact());
  return flags;
}

// Opens the store at `opts` and commits run `id`: its WorkflowStarted and `more` events after it.
std::unique_ptr<SqliteStore> store_with_run(const SqliteOptions& opts, const std::string& id, int more) {
  auto s = test::open_store(opts);
  commit_ok(*s, test::create_batch(id));
  commit_ok(*s, test::append_batch(id, 1, more));
  return s;
}

TEST_SUITE("store") {

TEST_CASE("CRC-32C: the standard check value, chaining, and the same values with and without SSE4.2") {
  CHECK(crc32c(0, "123456789") == 0xE3069283u);  // the catalogued check value of CRC-32C
  CHECK(crc32c(0, "") == 0u);
  CHECK(crc32c(crc32c(0, "1234"), "56789") == 0xE3069283u);
  std::mt19937 random(7);
  for (std::size_t size = 0; size < 300; ++size) {
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    CAPTURE(size);
    CHECK(crc32c(0, bytes) == crc32c_portable(0, bytes));
    CHECK(crc32c(0x12345678u, bytes) == crc32c_portable(0x12345678u, bytes));
  }
}

TEST_CASE("the event checksum is CRC-32C of the run id, seq, type, cmd, at (little-endian) and data") {
  // Computed bit by bit in Python over b'run-1' + struct.pack('<qqqq', 2, 3, 1, 1700000000000) +
  // data. On disk: a change here makes every existing row read as damaged.
  const std::string data = R"({"name":"step","result":42})";
  CHECK(event_checksum("run-1", 2, EventType::kActivityCompleted, 1, 1700000000000, data) == 4005140827u);
  CHECK(event_checksum("run-2", 2, EventType::kActivityCompleted, 1, 1700000000000, data) != 4005140827u);
  CHECK(event_checksum("run-1", 3, EventType::kActivityCompleted, 1, 1700000000000, data) != 4005140827u);
}

TEST_CASE("an event row changed outside Cairn, still valid JSON, reads back as not intact") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  auto s = store_with_run(opts, "r1", 2);
  commit_ok(*s, test::create_batch("r2"));
  CHECK(intact_flags(*s, "r1") == std::vector<bool>{true, true, true});

  SUBCASE("its data") {
    outside(opts.path, R"(UPDATE events SET data = '{"value":2}' WHERE rk = (SELECT rk FROM runs WHERE id = 'r1') AND seq = 2)");
  }
  SUBCASE("its time") {
    outside(opts.path, "UPDATE events SET at = at + 1 WHERE rk = (SELECT rk FROM runs WHERE id = 'r1') AND seq = 2");
  }
  SUBCASE("moved to another seq") {
    outside(opts.path, "UPDATE events SET seq = 9 WHERE rk = (SELECT rk FROM runs WHERE id = 'r1') AND seq = 3;"
                       "UPDATE events SET seq = 3 WHERE rk = (SELECT rk FROM runs WHERE id = 'r1') AND seq = 2;"
                       "UPDATE events SET seq = 2 WHERE rk = (SELECT rk FROM runs WHERE id = 'r1') AND seq = 9");
  }
  const auto flags = intact_flags(*s, "r1");
  CHECK(flags[0]);
  CHECK_FALSE((flags[1] && flags[2]));
  CHECK(intact_flags(*s, "r2") == std::vector<bool>{true});  // another run's rows are untouched
}

TEST_CASE("a schema version 1 database gains the checksum column; its old rows read as they are") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  store_with_run(opts, "old", 1).reset();  // closed: the file is edited below as another program would
  test::downgrade_schema(opts.path, 1);
  outside(opts.path, R"(UPDATE events SET data = '{"value":7}' WHERE seq = 2)");  // unseen: no checksum to miss

  auto s = test::open_store(opts);
  CHECK(test::query_one(opts.path, "PRAGMA user_version") == std::to_string(kSchemaVersion));
  CHECK(intact_flags(*s, "old") == std::vector<bool>{true, true});
  commit_ok(*s, test::append_batch("old", 2, 1));
  CHECK(test::query_one(opts.path, "SELECT count(*) FROM events WHERE crc IS NULL") == "2");
  CHECK(test::query_one(opts.path, "SELECT count(*) FROM events WHERE crc IS NOT NULL") == "1");
  outside(opts.path, R"(UPDATE events SET data = '{"value":8}' WHERE seq = 3)");
  CHECK(intact_flags(*s, "old") == std::vector<bool>{true, true, false});
  // A row without a checksum after one that had it is no pre-checksum row: a forged one, or an
  // edit that cleared its checksum.
  outside(opts.path, R"(INSERT INTO events(rk, seq, type, cmd, at, data) SELECT rk, 4, 10, 4, 0, '{"value":9}' FROM runs WHERE id = 'old')");
  CHECK(intact_flags(*s, "old") == std::vector<bool>{true, true, false, false});
}

TEST_CASE("a row of a run created since checksums has one: a checksum cleared is flagged, even on its first row") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  {
    auto s = store_with_run(opts, "before", 1);  // stands for a run from before checksums
    commit_ok(*s, test::create_batch("spans"));   // one that was running across the upgrade
  }
  outside(opts.path, "UPDATE events SET crc = NULL WHERE rk = (SELECT rk FROM runs WHERE id = 'before')");
  outside(opts.path, "UPDATE events SET crc = NULL WHERE rk = (SELECT rk FROM runs WHERE id = 'spans')");
  SUBCASE("in a file from schema version 2, migrated") {
    test::downgrade_schema(opts.path, 2);
    auto s = test::open_store(opts);
    commit_ok(*s, test::append_batch("spans", 1));
    commit_ok(*s, test::create_batch("after"));
    s.reset();
    // The first run with a checksummed WorkflowStarted: the run created after the upgrade.
    CHECK(test::query_one(opts.path, "SELECT v FROM meta") ==
          test::query_one(opts.path, "SELECT rk FROM runs WHERE id = 'after'"));
  }
  SUBCASE("in a file created at schema version 3 (what a clear of every checksum of a run looks like)") {
    auto s = test::open_store(opts);
    commit_ok(*s, test::append_batch("spans", 1));
    commit_ok(*s, test::create_batch("after"));
  }
  auto s = test::open_store(opts);
  outside(opts.path, "UPDATE events SET crc = NULL WHERE seq = 1 AND rk = (SELECT rk FROM runs WHERE id = 'after')");
  const bool migrated = test::query_one(opts.path, "SELECT v FROM meta") != "1";
  // Before checksums, and across the upgrade: rows without one are read as they are (when migrated).
  CHECK(intact_flags(*s, "before") == std::vector<bool>{migrated, migrated});
  CHECK(intact_flags(*s, "spans") == std::vector<bool>{migrated, true});
  // Its WorkflowStarted was the one row such an edit could clear unseen: nothing preceded it.
  CHECK(intact_flags(*s, "after") == std::vector<bool>{false});
}

}  // TEST_SUITE
}  // namespace
}  // namespace cairn::store
