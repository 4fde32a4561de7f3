// Opening a database: schema version, WAL, reopening, and refusing damaged or foreign files or a
// database another open store holds.
#include <doctest/doctest.h>

#include <unistd.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "store/store_test_util.h"

namespace cairn::store {
namespace {

using test::commit_ok;
using test::create_batch;
using test::query_one;

void write_bytes(const std::string& path, std::streamoff offset, const std::string& bytes) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f.is_open());
  f.seekp(offset);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST_SUITE("store") {

TEST_CASE("opening creates the schema at the current version in WAL mode") {
  test::TempDir dir;
  const auto opts = test::options_in(dir);
  { auto s = test::open_store(opts); }
  CHECK(query_one(opts.path, "PRAGMA user_version") == std::to_string(kSchemaVersion));
  CHECK(query_one(opts.path, "PRAGMA journal_mode") == "wal");
  CHECK(query_one(opts.path, "SELECT count(*) FROM sqlite_schema WHERE name IN "
                             "('runs','events','timers','signal_keys','audit','kv')") == "6");
}

TEST_CASE("reopening keeps committed runs and events") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  opts.synchronous_full = false;
  {
    auto s = test::open_store(opts);
    commit_ok(*s, create_batch("r1"));
  }
  opts.synchronous_full = true;
  auto s = test::open_store(opts);
  CHECK(s->get_run("r1")->last_seq == 1);
  CHECK(s->load_history("r1", 0, 0)->size() == 1);
}

TEST_CASE("a file of garbage bytes is refused with kCorruption") {
  test::TempDir dir;
  const auto opts = test::options_in(dir);
  std::ofstream(opts.path, std::ios::binary) << std::string(8192, '\x5a');
  auto s = SqliteStore::open(opts);
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.status().code() == Errc::kCorruption);
  CHECK_MESSAGE(s.status().message().find("file is not a database") != std::string::npos,
                s.status().message());
  CHECK(s.status().message().find(opts.path) != std::string::npos);
}

TEST_CASE("a damaged page is refused with kCorruption and quick_check's report") {
  test::TempDir dir;
  const auto opts = test::options_in(dir);
  {
    auto s = test::open_store(opts);
    for (int i = 0; i < 299; ++i) s->submit(create_batch(fmt::format("run-{:04}", i)), nullptr);
    commit_ok(*s, create_batch("run-0299"));  // after the 299 before it (invariant 4)
  }  // closing the last connection checkpoints the WAL into the file
  const auto pages = std::stoll(query_one(opts.path, "PRAGMA page_count"));
  const auto page_size = std::stoll(query_one(opts.path, "PRAGMA page_size"));
  REQUIRE(pages > 20);
  write_bytes(opts.path, (pages - 2) * page_size, std::string(static_cast<std::size_t>(page_size), '\x7f'));

  auto s = SqliteStore::open(opts);
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.status().code() == Errc::kCorruption);
  CHECK_MESSAGE(s.status().message().find("failed PRAGMA quick_check") != std::string::npos,
                s.status().message());
  CHECK(s.status().message().find("Page") != std::string::npos);  // SQLite's own words
}

TEST_CASE("a database written by a newer schema version is refused") {
  test::TempDir dir;
  const auto opts = test::options_in(dir);
  { auto s = test::open_store(opts); }
  query_one(opts.path, "PRAGMA user_version = 99");
  auto s = SqliteStore::open(opts);
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.status().code() == Errc::kUnavailable);
  CHECK(s.status().message().find("newer") != std::string::npos);
}

TEST_CASE("a checksum boundary edited into something else than a run key is refused with kCorruption") {
  test::TempDir dir;
  const auto opts = test::options_in(dir);
  { auto s = test::open_store(opts); }
  query_one(opts.path, "UPDATE meta SET v = 'abc' WHERE k = 'checksummed_from_rk'");  // aborted every open
  auto s = SqliteStore::open(opts);
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.status().code() == Errc::kCorruption);
  CHECK(s.status().message().find("checksummed_from_rk is not a run key") != std::string::npos);
}

TEST_CASE("bad options and unopenable paths are refused") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  opts.path = "";
  CHECK(open_sqlite_store(opts).status().code() == Errc::kInvalidArgument);
  opts = test::options_in(dir);
  opts.max_batches_per_commit = 0;
  CHECK(open_sqlite_store(opts).status().code() == Errc::kInvalidArgument);
  opts = test::options_in(dir);
  opts.read_connections = 0;
  CHECK(open_sqlite_store(opts).status().code() == Errc::kInvalidArgument);
  opts = test::options_in(dir);
  opts.path = dir.file("no/such/dir/cairn.db");
  auto s = open_sqlite_store(opts);
  CHECK(s.status().code() == Errc::kIoError);
  CHECK(s.status().message().find("no/such/dir") != std::string::npos);
}

TEST_CASE("a second store on an open database is refused with the holder's pid, and opens once it closed") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  auto first = open_sqlite_store(opts);
  REQUIRE(first.is_ok());
  auto second = open_sqlite_store(opts);
  REQUIRE_FALSE(second.is_ok());
  CHECK(second.status().code() == Errc::kUnavailable);
  CHECK(second.status().message().find("pid " + std::to_string(::getpid())) != std::string::npos);
  first.value()->close();
  first.value().reset();
  CHECK(open_sqlite_store(opts).is_ok());
}

TEST_CASE("a store opened through a symlink to an open database is refused too") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  auto first = open_sqlite_store(opts);
  REQUIRE(first.is_ok());
  const std::string link = dir.file("link.db");
  std::filesystem::create_symlink(opts.path, link);
  auto through_link = opts;
  through_link.path = link;
  auto second = open_sqlite_store(through_link);  // was opened: two engines ran the same runs
  REQUIRE_FALSE(second.is_ok());
  CHECK(second.status().code() == Errc::kUnavailable);
}

TEST_CASE("another name for an open database, or its lock file deleted, does not let a second store open it") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  auto first = open_sqlite_store(opts);
  REQUIRE(first.is_ok());
  auto again = opts;
  SUBCASE("a hard link") {
    again.path = dir.file("hard-link.db");
    std::filesystem::create_hard_link(opts.path, again.path);
  }
  SUBCASE("the lock file removed by hand") { std::filesystem::remove(opts.path + "-lock"); }
  // Both were opened: each name had its own WAL, and the two servers corrupted the file and lost
  // acknowledged runs (an outside audit).
  auto second = open_sqlite_store(again);
  REQUIRE_FALSE(second.is_ok());
  CHECK(second.status().code() == Errc::kUnavailable);
  CHECK(second.status().message().find("another name for the same file") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(again.path + "-lock"));  // it left an empty one behind
}

TEST_CASE("another application's SQLite file is refused and left as it was, whatever its user_version") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  std::string version = "0";
  SUBCASE("none") {}
  SUBCASE("a migration tool's 1") { version = "1"; }
  SUBCASE("a migration tool's 7") { version = "7"; }
  {
    Db other;
    REQUIRE(other.open(opts.path, /*create=*/true, 1000).is_ok());
    REQUIRE(other.exec("CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT)", "test").is_ok());
    REQUIRE(other.exec(("PRAGMA user_version = " + version).c_str(), "test").is_ok());
  }
  auto s = open_sqlite_store(opts);
  REQUIRE_FALSE(s.is_ok());  // it was opened: Cairn's tables added, user_version set, WAL mode on
  CAPTURE(s.status().to_string());
  if (version == "7") {
    CHECK(s.status().message().find("newer than this binary's") != std::string::npos);
  } else {
    CHECK(s.status().code() == Errc::kInvalidArgument);
    CHECK(s.status().message().find("not a Cairn database (it has tables [users]") != std::string::npos);
  }
  Db other;
  REQUIRE(other.open(opts.path, /*create=*/false, 1000).is_ok());
  CHECK(other.query_column("SELECT name FROM sqlite_master", "test").value() == std::vector<std::string>{"users"});
  CHECK(other.query_column("PRAGMA journal_mode", "test").value() == std::vector<std::string>{"delete"});
}

}  // TEST_SUITE
}  // namespace
}  // namespace cairn::store
