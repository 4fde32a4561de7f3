// The filter of stored run ids and idempotency keys (store/id_filter.h): never "no" for a name
// added, rarely "maybe" for one that was not (nor for an id's twin key), and get_run() and
// find_by_idempotency_key() behind it: the same answers as a read, after a commit and a reopen.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>

#include "store/id_filter.h"
#include "store/store_test_util.h"

using cairn::Errc;
using cairn::store::IdFilter;
using Kind = IdFilter::Kind;
namespace test = cairn::store::test;

namespace {

std::string order_id(int i) { return "order-" + std::to_string(i); }

// How many of `n` names never added the filter may contain.
int maybes(const IdFilter& f, int n) {
  int count = 0;
  for (int i = 0; i < n; ++i) count += f.may_contain(Kind::kRunId, "never-" + std::to_string(i));
  return count;
}

// How many of `n` ids added (order_id) the filter may contain as idempotency keys.
int twin_keys(const IdFilter& f, int n) {
  int count = 0;
  for (int i = 0; i < n; ++i) count += f.may_contain(Kind::kIdempotencyKey, order_id(i));
  return count;
}

}  // namespace

TEST_CASE("the id filter never says no for an id it holds, and rarely maybe for another") {
  constexpr int kIds = 200'000;
  IdFilter sized(kIds);
  for (int i = 0; i < kIds; ++i) sized.add(Kind::kRunId, order_id(i));
  int missed = 0;
  for (int i = 0; i < kIds; ++i) missed += !sized.may_contain(Kind::kRunId, order_id(i));
  CHECK(missed == 0);
  CHECK(maybes(sized, kIds) < kIds / 200);  // 0.5 %; 16 bits an id and 4 probes give ~0.01 %
  CHECK(twin_keys(sized, kIds) < kIds / 200);  // an id is not its string's key
  CHECK(maybes(IdFilter(kIds), kIds) == 0);  // empty

  // Four times the names it had room for: it grows a layer twice the size of the one before
  // each time one is full, so "maybe" stays low (it was 16 % with one layer).
  IdFilter crowded(0);  // its least size, 1 MiB: room for 2^19 names
  CHECK(crowded.layers() == 1);
  for (int i = 0; i < 4 * (1 << 19); ++i) crowded.add(Kind::kRunId, order_id(i));
  CHECK(crowded.layers() == 3);  // room for 2^19, 2^20 and 2^21
  missed = 0;
  for (int i = 0; i < 4 * (1 << 19); ++i) missed += !crowded.may_contain(Kind::kRunId, order_id(i));
  CHECK(missed == 0);
  CHECK(maybes(crowded, 100'000) < 100'000 / 100);  // 1 %: ~0.2 % a full layer
}

TEST_CASE("a name added before it is announced is found by another thread, across the filter's growth") {
  IdFilter filter(0);
  constexpr int kNames = 3 * (1 << 19) + 1;  // two new layers: the last name opens the third
  std::atomic<int> announced{0};  // names 0 .. announced-1 are in (as a commit announces a run)
  std::thread writer([&] {
    for (int i = 0; i < kNames; ++i) {
      filter.add(Kind::kIdempotencyKey, order_id(i));
      announced.store(i + 1, std::memory_order_release);
    }
  });
  int missed = 0, checked = 0;
  for (int seen = 0; seen < kNames;) {
    seen = announced.load(std::memory_order_acquire);
    for (int i = std::max(0, seen - 64); i < seen; ++i, ++checked) missed += !filter.may_contain(Kind::kIdempotencyKey, order_id(i));
  }
  writer.join();
  CHECK(missed == 0);
  CHECK(checked > 0);
  CHECK(filter.layers() == 3);
}

TEST_CASE("get_run finds a run from its commit on, and after a reopen; an id never stored is not found") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  constexpr int kRuns = 300;
  {
    auto s = test::open_store(opts);
    for (int i = 0; i < kRuns; ++i) {
      test::commit_ok(*s, test::create_batch(order_id(i)));
      REQUIRE(s->get_run(order_id(i)));  // added to the filter before its commit
    }
  }
  auto s = test::open_store(opts);  // the filter is built from the stored ids
  for (int i = 0; i < kRuns; ++i) CHECK(s->get_run(order_id(i)));
  auto none = s->get_run("never-stored");
  REQUIRE_FALSE(none);
  CHECK(none.status().code() == Errc::kNotFound);
  CHECK(none.status().message() == R"(store: no run with id "never-stored")");
}

TEST_CASE("find_by_idempotency_key finds a run from its commit on, and after a reopen; a key never stored is not found") {
  test::TempDir dir;
  auto opts = test::options_in(dir);
  constexpr int kRuns = 300;
  const auto key = [](int i) { return "key-" + std::to_string(i); };
  {
    auto s = test::open_store(opts);
    for (int i = 0; i < kRuns; ++i) {
      // Odd runs have no key: an empty key is never a run's.
      test::commit_ok(*s, test::create_batch(order_id(i), 1000, "order.place", i % 2 ? "" : key(i)));
      if (i % 2 == 0) REQUIRE(s->find_by_idempotency_key(key(i)));  // added before its commit
    }
  }
  auto s = test::open_store(opts);  // the filter is built from the stored keys
  for (int i = 0; i < kRuns; i += 2) {
    auto found = s->find_by_idempotency_key(key(i));
    REQUIRE(found);
    CHECK(found->id == order_id(i));
  }
  CHECK(s->get_run(order_id(1)));  // ids of runs without a key are loaded too
  for (const std::string never : {"key-1", "order-0", ""}) {  // a key never stored, an id as a key, none
    auto none = s->find_by_idempotency_key(never);
    REQUIRE_FALSE(none);
    CHECK(none.status().code() == Errc::kNotFound);
    CHECK(none.status().message() == R"(store: no run with idempotency_key ")" + never + R"(")");
  }
}
