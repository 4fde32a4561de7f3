// verify_database(): what it finds in sound, edited and foreign files, and that it changes nothing.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/store_test_util.h"
#include "store/verify.h"

namespace cairn::store {
namespace {

using test::commit_ok;
using test::outside;

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// A closed database at `path` with runs a (3 events) and b (1 event), every write checkpointed into
// the file itself, as a backup is.
void make_database(const SqliteOptions& opts, bool keep_wal_mode = false) {
  auto s = test::open_store(opts);
  commit_ok(*s, test::create_batch("a"));
  commit_ok(*s, test::append_batch("a", 1, 2));
  commit_ok(*s, test::create_batch("b"));
  s.reset();
  if (!keep_wal_mode) outside(opts.path, "PRAGMA journal_mode = DELETE");
}

TEST_SUITE("store") {

TEST_CASE("verify_database reports a sound file's runs and events and leaves it byte for byte as it was") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  // A VACUUM INTO backup (rollback journal), or a stopped server's file (WAL mode, no -wal left).
  SUBCASE("rollback journal") { make_database(opts); }
  SUBCASE("WAL mode") { make_database(opts, /*keep_wal_mode=*/true); }
  const std::string before = file_bytes(opts.path);
  auto report = verify_database(opts.path);
  REQUIRE_MESSAGE(report.is_ok(), report.status().to_string());
  CHECK(report->ok());
  CHECK(report->schema_version == kSchemaVersion);
  CHECK(report->runs == 2);
  CHECK(report->events == 4);
  CHECK(report->unchecked == 0);
  CHECK(report->damaged == 0);
  CHECK(report->integrity.empty());
  CHECK(file_bytes(opts.path) == before);
  CHECK_FALSE(std::filesystem::exists(opts.path + "-wal"));  // read-only: nothing created beside it
  CHECK_FALSE(std::filesystem::exists(opts.path + "-shm"));
}

TEST_CASE("verify_database lists events that fail their checksum or belong to no run, up to max_listed") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  make_database(opts);
  outside(opts.path, R"(UPDATE events SET data = '{"value":2}' WHERE rk = (SELECT rk FROM runs WHERE id = 'a') AND seq IN (2, 3))");
  outside(opts.path, "DELETE FROM runs WHERE id = 'b'");  // its WorkflowStarted is left behind
  auto report = verify_database(opts.path, 2);
  REQUIRE(report.is_ok());
  CHECK_FALSE(report->ok());
  CHECK(report->runs == 1);
  CHECK(report->damaged == 3);
  REQUIRE(report->listed.size() == 2);
  CHECK(report->listed[0].run_id == "a");
  CHECK(report->listed[0].seq == 2);
  CHECK(report->listed[0].type == "SideEffect");
  CHECK(report->listed[0].problem == "does not match its checksum");
  CHECK(report->listed[1].seq == 3);
  auto all = verify_database(opts.path);
  REQUIRE(all.is_ok());
  REQUIRE(all->listed.size() == 3);
  CHECK(all->listed[2].run_id.empty());  // the orphan
  CHECK(all->listed[2].type == "WorkflowStarted");
  CHECK(all->listed[2].problem == "belongs to no run (run key 2)");
  outside(opts.path, "UPDATE events SET rk = 'b2' WHERE rk = 2");  // a key edited into text
  auto text_key = verify_database(opts.path);
  REQUIRE(text_key.is_ok());
  REQUIRE(text_key->listed.size() == 3);
  CHECK(text_key->listed[2].problem == "belongs to no run (run key b2)");  // it said "run key 0"
}

TEST_CASE("verify_database finds a run whose input, type, version or parent was edited in its index row") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  make_database(opts);
  SUBCASE("input") { outside(opts.path, R"(UPDATE runs SET input = '{"n":2}' WHERE id = 'a')"); }
  SUBCASE("input no longer JSON") { outside(opts.path, R"(UPDATE runs SET input = '{"n":' WHERE id = 'a')"); }
  SUBCASE("version") { outside(opts.path, "UPDATE runs SET version = 2 WHERE id = 'a'"); }
  SUBCASE("parent") { outside(opts.path, "UPDATE runs SET parent_id = 'b' WHERE id = 'a'"); }
  SUBCASE("type") { outside(opts.path, "UPDATE runs SET type = 'order.return' WHERE id = 'a'"); }
  auto report = verify_database(opts.path);
  REQUIRE_MESSAGE(report.is_ok(), report.status().to_string());
  CHECK(report->damaged == 1);
  REQUIRE(report->listed.size() == 1);
  CHECK(report->listed[0].run_id == "a");
  CHECK(report->listed[0].seq == 1);
  CHECK(report->listed[0].problem.find("in its index row differs") != std::string::npos);
}

TEST_CASE("verify_database finds a run whose journal lost or gained a row") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  make_database(opts);
  DamagedEvent expected{"a"};
  SUBCASE("its last") {
    outside(opts.path, "DELETE FROM events WHERE seq = 3");
    expected = {"a", 3, "", "missing from the journal, which ends at seq 2 where its run row says 3"};
  }
  SUBCASE("one in the middle") {
    outside(opts.path, "DELETE FROM events WHERE seq = 2 AND rk = (SELECT rk FROM runs WHERE id = 'a')");
    expected = {"a", 2, "", "missing from the journal"};  // it said "holds 2 events, seq 1 to 3"
  }
  SUBCASE("one added") {
    outside(opts.path, R"(INSERT INTO events(rk, seq, type, cmd, at, data) SELECT rk, 4, 10, 4, 0, '{}' FROM runs WHERE id = 'a')");
    expected = {"a", 4, "SideEffect", "in the journal after its run row's last seq 3"};
  }
  SUBCASE("its first") {
    outside(opts.path, "DELETE FROM events WHERE seq = 1 AND rk = (SELECT rk FROM runs WHERE id = 'a')");
    expected = {"a", 1, "", "missing from the journal"};  // it was labelled (WorkflowStarted)
  }
  auto report = verify_database(opts.path);
  REQUIRE_MESSAGE(report.is_ok(), report.status().to_string());
  CHECK_FALSE(report->ok());
  bool found = false;
  for (const auto& d : report->listed)
    found |= d.run_id == expected.run_id && d.seq == expected.seq && d.type == expected.type && d.problem == expected.problem;
  CHECK_MESSAGE(found, expected.problem);
}

TEST_CASE("verify_database finds a run row whose status its journal does not end with") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  {
    auto s = test::open_store(opts);
    commit_ok(*s, test::create_batch("a"));
    commit_ok(*s, test::create_batch("b"));
    commit_ok(*s, test::create_batch("c"));
    JournalBatch end;  // c completes
    end.now = 3000;
    end.appends.push_back(Append{"c", 1, {test::event(EventType::kWorkflowCompleted, R"({"result":1})", 2)}, {}});
    end.appends.back().update.status = RunStatus::kCompleted;
    commit_ok(*s, std::move(end));
  }
  auto sound = verify_database(opts.path);
  REQUIRE(sound.is_ok());
  CHECK(sound->ok());
  // Each was taken as it read: a waiting order shown completed (its signals refused, for good).
  outside(opts.path, "UPDATE runs SET status = 3 WHERE id = 'a'");
  outside(opts.path, "UPDATE runs SET status = 'abc' WHERE id = 'b'");
  outside(opts.path, "UPDATE runs SET status = 1 WHERE id = 'c'");
  auto report = verify_database(opts.path);
  REQUIRE(report.is_ok());
  REQUIRE(report->listed.size() == 3);
  CHECK(report->listed[0].run_id == "a");
  CHECK(report->listed[0].type == "WorkflowStarted");
  CHECK(report->listed[0].problem == "the run row says completed, but the journal does not end so here");
  CHECK(report->listed[1].problem == "the run row's status 'abc' is none Cairn writes");
  CHECK(report->listed[2].run_id == "c");
  CHECK(report->listed[2].seq == 2);
  CHECK(report->listed[2].problem == "the run row says waiting, but this event ended the run");
}

TEST_CASE("verify_database reports SQLite's integrity findings: an index out of step with its table") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  make_database(opts);
  // An index out of step with its table, as a damaged page leaves it (writable_schema is how to
  // edit one without the other).
  outside(opts.path, "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = replace(sql, 'type,', 'type, version,') "
                     "WHERE name = 'runs_type'; PRAGMA writable_schema = OFF");
  auto report = verify_database(opts.path);
  REQUIRE_MESSAGE(report.is_ok(), report.status().to_string());
  CHECK_FALSE(report->ok());
  CHECK_FALSE(report->integrity.empty());
}

TEST_CASE("verify_database refuses what is not a Cairn database, and a missing file") {
  test::TempDir dir;
  CHECK(verify_database(dir.file("missing.db")).status().code() == Errc::kNotFound);
  const std::string foreign = dir.file("foreign.db");
  outside(foreign, "CREATE TABLE notes(t TEXT)");
  CHECK(verify_database(foreign).status().code() == Errc::kInvalidArgument);
  const std::string empty = dir.file("empty.db");
  std::ofstream(empty).close();
  CHECK(verify_database(empty).status().code() == Errc::kInvalidArgument);
  auto opts = test::options_in(dir);
  make_database(opts);
  outside(opts.path, "PRAGMA user_version = 99");
  CHECK(verify_database(opts.path).status().code() == Errc::kUnavailable);
}

TEST_CASE("verify_database counts a schema version 1 file's events as unchecked") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  make_database(opts);
  test::downgrade_schema(opts.path, 1);
  auto report = verify_database(opts.path);
  REQUIRE_MESSAGE(report.is_ok(), report.status().to_string());
  CHECK(report->ok());
  CHECK(report->schema_version == 1);
  CHECK(report->unchecked == 4);
  // Migrated, the run goes on with checksummed rows; a row without one after those is flagged.
  test::open_store(opts).reset();
  outside(opts.path, R"(INSERT INTO events(rk, seq, type, cmd, at, data, crc) SELECT rk, 4, 10, 4, 0, '{}', 0 FROM runs WHERE id = 'a';
                       INSERT INTO events(rk, seq, type, cmd, at, data) SELECT rk, 5, 10, 5, 0, '{}' FROM runs WHERE id = 'a';
                       UPDATE runs SET last_seq = 5 WHERE id = 'a')");
  auto later = verify_database(opts.path);
  REQUIRE(later.is_ok());
  REQUIRE(later->listed.size() == 2);
  CHECK(later->listed[0].problem == "does not match its checksum");  // crc 0 is no checksum of it
  CHECK(later->listed[1].seq == 5);
  CHECK(later->listed[1].problem == "has no checksum, which every row of its run has");
  CHECK(later->unchecked == 4);  // seq 5 is damaged, not "from before checksums" (it was counted as both)
}

}  // TEST_SUITE
}  // namespace
}  // namespace cairn::store
