// Checksums beside the journal (schema version 4): kv rows (the state behind cairn::Tables) and
// signal_keys rows are written with one; a row changed outside Cairn is refused when read (a get,
// a scan, a repeated signal) and listed by verify_database; rows from before version 4 pass.
#include <doctest/doctest.h>

#include <tuple>

#include "store/store_test_util.h"
#include "store/verify.h"

namespace cairn::store {
namespace {

using test::commit_ok;
using test::event;
using test::outside;

// A signal batch for run `run` (its journal at seq 1) that claims `key`.
JournalBatch signal_batch(const std::string& run, const std::string& key) {
  JournalBatch b;
  b.now = 10;
  b.appends.push_back(Append{run, 1, {event(EventType::kSignalReceived, R"({"name":"go","payload":1})")}, {}});
  b.signal_key = SignalKey{run, key, 2};
  return b;
}

// A database at `path` with two kv rows and one signal key.
void fill(const SqliteOptions& opts) {
  auto s = test::open_store(opts);
  REQUIRE(s->transact([](TableTx& tx) {
    tx.put("ledger", "o-1", R"({"captured":500})");
    CHECK(tx.insert("ledger", "o-2", R"({"captured":0})"));
    return Status::ok();
  }).is_ok());
  commit_ok(*s, test::create_batch("r1"));
  commit_ok(*s, signal_batch("r1", "delivery-7"));
}

Status get_status(Store& s, const std::string& table, const std::string& key) {
  return s.transact([&](TableTx& tx) {
    tx.get(table, key);
    return Status::ok();
  });
}

TEST_SUITE("store") {

TEST_CASE("kv and signal key rows changed outside Cairn are refused when read, and verify_database lists them") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  fill(opts);
  {
    auto report = verify_database(opts.path);
    REQUIRE_MESSAGE(report.is_ok(), report.status().to_string());
    CHECK(report->ok());
    CHECK(report->state_rows == 3);
    CHECK(report->state_unchecked == 0);
  }
  // A byte of a value changed, and a signal key's seq: SQLite sees nothing wrong with either.
  outside(opts.path, R"(UPDATE kv SET v = '{"captured":900}' WHERE k = 'o-1';
                       UPDATE signal_keys SET seq = 3 WHERE key = 'delivery-7')");
  auto s = test::open_store(opts);
  const Status got = get_status(*s, "ledger", "o-1");
  CHECK(got.code() == Errc::kCorruption);
  CHECK(got.message() == "store: table ledger row \"o-1\" no longer matches the checksum it was written with "
                         "(changed outside Cairn, or damaged on disk)");
  CHECK(get_status(*s, "ledger", "o-2").is_ok());  // its neighbour is intact
  auto scanned = s->scan_table("ledger", "");
  REQUIRE_FALSE(scanned.is_ok());
  CHECK(scanned.status().code() == Errc::kCorruption);
  CHECK(s->scan_table("ledger", "o-2").is_ok());  // a scan that does not reach the row

  // The repeated signal cannot be answered from a damaged key: refused, nothing appended.
  JournalBatch again = signal_batch("r1", "delivery-7");
  again.appends[0].expected_last_seq = 2;
  again.signal_key->seq = 3;
  const BatchResult r = s->commit(std::move(again));
  CHECK(r.status.code() == Errc::kCorruption);
  CHECK(r.status.message() == "store: the signal key \"delivery-7\" of run r1 no longer matches the checksum it was "
                              "written with (changed outside Cairn, or damaged on disk)");
  CHECK_FALSE(r.applied);
  CHECK_FALSE(r.existing_signal_seq.has_value());
  s.reset();

  auto report = verify_database(opts.path);
  REQUIRE(report.is_ok());
  CHECK_FALSE(report->ok());
  CHECK(report->damaged == 0);  // the journal is sound
  CHECK(report->state_damaged == 2);
  REQUIRE(report->state_listed.size() == 2);
  CHECK(report->state_listed[0] == got.message());
  CHECK(report->state_listed[1] == r.status.message());
}

TEST_CASE("kv and signal key rows from before schema version 4 are read unchecked, and new ones get checksums") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  fill(opts);
  test::downgrade_schema(opts.path, 3);
  const auto counts = [&] {
    auto report = verify_database(opts.path);
    REQUIRE(report.is_ok());
    CHECK(report->ok());
    return std::tuple(report->schema_version, report->state_rows, report->state_unchecked);
  };
  CHECK(counts() == std::tuple(3, 3, 3));
  auto s = test::open_store(opts);  // migrated to version 4: the old rows keep no checksum
  CHECK(get_status(*s, "ledger", "o-1").is_ok());
  REQUIRE(s->transact([](TableTx& tx) {
    tx.put("ledger", "o-1", R"({"captured":700})");  // rewritten: now with a checksum
    return Status::ok();
  }).is_ok());
  s.reset();
  CHECK(counts() == std::tuple(kSchemaVersion, 3, 2));
  CHECK(test::query_one(opts.path, "SELECT crc IS NOT NULL FROM kv WHERE k = 'o-1'") == "1");
}

}  // TEST_SUITE
}  // namespace
}  // namespace cairn::store
