// Admin reads: run search (filters, created range, cursor pages) and audit log paging.
#include <doctest/doctest.h>

#include <set>

#include "store/store_test_util.h"

namespace cairn::store {
namespace {

using test::append_batch;
using test::commit_ok;
using test::create_batch;

// Every page of `filter`, concatenated; checks pages are newest first and never overlap.
std::vector<RunRecord> all_pages(Store& s, RunFilter filter) {
  std::vector<RunRecord> out;
  std::set<std::string> seen;
  for (int pages = 0; pages < 1000; ++pages) {
    auto page = s.search(filter);
    REQUIRE_MESSAGE(page.is_ok(), page.status().to_string());
    CHECK(page->runs.size() <= filter.limit);
    for (auto& r : page->runs) {
      CHECK_MESSAGE(seen.insert(r.id).second, "run on two pages: ", r.id);
      if (!out.empty()) {
        const RunRecord& prev = out.back();
        CHECK((prev.created_at > r.created_at || (prev.created_at == r.created_at && prev.id > r.id)));
      }
      out.push_back(std::move(r));
    }
    if (page->next_cursor.empty()) return out;
    filter.cursor = page->next_cursor;
  }
  FAIL("search never reached its last page");
  return out;
}

std::vector<std::string> ids(const std::vector<RunRecord>& runs) {
  std::vector<std::string> out;
  for (const auto& r : runs) out.push_back(r.id);
  return out;
}

void set_status(Store& s, const std::string& id, RunStatus status) {
  JournalBatch b = append_batch(id, s.get_run(id)->last_seq);
  b.appends[0].update.status = status;
  commit_ok(s, std::move(b));
}

TEST_SUITE("store") {

TEST_CASE("search pages runs newest first without overlap, ties broken by id") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  // 23 runs over 8 distinct creation times, so page boundaries fall inside ties.
  for (int i = 0; i < 23; ++i) commit_ok(*s, create_batch(fmt::format("run-{:02}", i), 1000 + (i % 8) * 10));
  for (std::size_t limit : {1, 5, 7, 23, 100}) {
    CAPTURE(limit);
    RunFilter f;
    f.limit = limit;
    auto runs = all_pages(*s, f);
    CHECK(runs.size() == 23);
  }
  RunFilter one;
  one.limit = 23;
  auto page = s->search(one);
  CHECK(page->next_cursor.empty());  // an exactly full last page has no next cursor
}

TEST_CASE("search filters by status, type and stuck") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  for (int i = 0; i < 12; ++i) {
    commit_ok(*s, create_batch(fmt::format("r{:02}", i), 100 + i, i % 3 == 0 ? "order.return" : "order.place"));
  }
  set_status(*s, "r01", RunStatus::kStuck);
  set_status(*s, "r03", RunStatus::kStuck);
  set_status(*s, "r04", RunStatus::kCompleted);

  RunFilter f;
  f.limit = 2;
  f.type = "order.return";
  CHECK(ids(all_pages(*s, f)) == std::vector<std::string>{"r09", "r06", "r03", "r00"});

  f = RunFilter{};
  f.limit = 1;
  f.stuck = true;
  CHECK(ids(all_pages(*s, f)) == std::vector<std::string>{"r03", "r01"});

  f.type = "order.return";
  CHECK(ids(all_pages(*s, f)) == std::vector<std::string>{"r03"});

  f = RunFilter{};
  f.status = RunStatus::kCompleted;
  CHECK(ids(all_pages(*s, f)) == std::vector<std::string>{"r04"});
  f.stuck = true;  // contradicts the status: nothing
  CHECK(all_pages(*s, f).empty());

  f = RunFilter{};
  f.stuck = false;  // was taken for no filter: the stuck runs were listed too
  f.type = "order.return";
  CHECK(ids(all_pages(*s, f)) == std::vector<std::string>{"r09", "r06", "r00"});
  f.status = RunStatus::kStuck;  // contradicts: nothing
  CHECK(all_pages(*s, f).empty());

  f = RunFilter{};
  f.status = RunStatus::kRunning;
  CHECK(all_pages(*s, f).size() == 9);
}

TEST_CASE("search's created range includes its start and excludes its end") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  for (int i = 0; i < 10; ++i) commit_ok(*s, create_batch(fmt::format("r{}", i), i * 100));
  RunFilter f;
  f.limit = 3;
  f.created_after = 200;
  f.created_before = 600;
  CHECK(ids(all_pages(*s, f)) == std::vector<std::string>{"r5", "r4", "r3", "r2"});
  f.created_before.reset();
  CHECK(all_pages(*s, f).size() == 8);
  f.created_after.reset();
  f.created_before = 100;
  CHECK(ids(all_pages(*s, f)) == std::vector<std::string>{"r0"});
}

TEST_CASE("search ignores runs created after its first page was read") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  for (int i = 0; i < 6; ++i) commit_ok(*s, create_batch(fmt::format("r{}", i), 100 + i));
  RunFilter f;
  f.limit = 3;
  auto first = s->search(f);
  REQUIRE(first.is_ok());
  commit_ok(*s, create_batch("newer", 999));
  f.cursor = first->next_cursor;
  auto second = s->search(f);
  CHECK(ids(second->runs) == std::vector<std::string>{"r2", "r1", "r0"});
}

TEST_CASE("search refuses a malformed cursor and a zero limit") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  for (const char* bad : {"x", "12", "12.", "12.abc", "a.6162", "12.zz"}) {
    RunFilter f;
    f.cursor = bad;
    CHECK_MESSAGE(s->search(f).status().code() == Errc::kInvalidArgument, bad);
  }
  RunFilter zero;
  zero.limit = 0;
  CHECK(s->search(zero).status().code() == Errc::kInvalidArgument);
}

TEST_CASE("audit pages newest first without overlap") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  for (int i = 0; i < 11; ++i) {
    JournalBatch b;
    b.audit.push_back(AuditEntry{0, 100 + i, "ops", "admin", "retry", fmt::format("r{}", i), "accepted"});
    commit_ok(*s, std::move(b));
  }
  std::vector<std::string> targets;
  std::string cursor;
  do {
    auto page = s->audit(cursor, 4);
    REQUIRE(page.is_ok());
    CHECK(page->entries.size() <= 4);
    for (const auto& e : page->entries) targets.push_back(e.target);
    cursor = page->next_cursor;
  } while (!cursor.empty());
  CHECK(targets == std::vector<std::string>{"r10", "r9", "r8", "r7", "r6", "r5", "r4", "r3", "r2", "r1", "r0"});
  CHECK(s->audit("nope", 4).status().code() == Errc::kInvalidArgument);
  CHECK(s->audit("", 0).status().code() == Errc::kInvalidArgument);
}

}  // TEST_SUITE
}  // namespace
}  // namespace cairn::store
