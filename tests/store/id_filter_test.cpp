// The filter of stored run ids (store/id_filter.h): never "no" for an id added, rarely "maybe" for
// one that was not, and get_run() behind it: the same answers as a read, after a commit and after
// a reopen.
#include <doctest/doctest.h>

#include <string>

#include "store/id_filter.h"
#include "store/store_test_util.h"

using cairn::Errc;
using cairn::store::IdFilter;
namespace test = cairn::store::test;

namespace {

std::string order_id(int i) { return "order-" + std::to_string(i); }

// How many of `n` ids never added the filter may contain.
int maybes(const IdFilter& f, int n) {
  int count = 0;
  for (int i = 0; i < n; ++i) count += f.may_contain("never-" + std::to_string(i));
  return count;
}

}  // namespace

TEST_CASE("the id filter never says no for an id it holds, and rarely maybe for another") {
  constexpr int kIds = 200'000;
  IdFilter sized(kIds);
  for (int i = 0; i < kIds; ++i) sized.add(order_id(i));
  int missed = 0;
  for (int i = 0; i < kIds; ++i) missed += !sized.may_contain(order_id(i));
  CHECK(missed == 0);
  CHECK(maybes(sized, kIds) < kIds / 200);  // 0.5 %; 16 bits an id and 4 probes give ~0.01 %
  CHECK(maybes(IdFilter(kIds), kIds) == 0);  // empty

  // Four times the ids it was sized for: "maybe" grows, "no" stays exact.
  IdFilter crowded(0);  // its least size, 1 MiB: room for 2^19 ids
  for (int i = 0; i < 4 * (1 << 19); ++i) crowded.add(order_id(i));
  missed = 0;
  for (int i = 0; i < 4 * (1 << 19); ++i) missed += !crowded.may_contain(order_id(i));
  CHECK(missed == 0);
  CHECK(maybes(crowded, 100'000) < 100'000 / 3);  // ~16 %
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
