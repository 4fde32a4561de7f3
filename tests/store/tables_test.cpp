// cairn::Tables on the store: transactional get/put/insert/erase/scan, rollback on a non-ok
// Status or an exception, and check-then-write without races.
#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "store/store_test_util.h"

namespace cairn::store {
namespace {

TEST_SUITE("store") {

TEST_CASE("table writes are visible to later transactions and to scan_table") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  CHECK(s->transact([](TableTx& tx) {
    tx.put("stock", "sku-1", "5");
    tx.put("stock", "sku-2", "7");
    tx.put("stock", "sku-1", "4");  // put replaces
    tx.put("other", "sku-1", "x");
    return Status::ok();
  }).is_ok());
  CHECK(s->transact([](TableTx& tx) {
    CHECK(tx.get("stock", "sku-1") == std::optional<std::string>("4"));
    CHECK_FALSE(tx.get("stock", "missing").has_value());
    tx.erase("stock", "sku-2");
    tx.erase("stock", "never-there");
    CHECK_FALSE(tx.get("stock", "sku-2").has_value());  // a transaction sees its own writes
    return Status::ok();
  }).is_ok());
  auto rows = s->scan_table("stock", "");
  REQUIRE(rows.is_ok());
  CHECK(*rows == Rows{{"sku-1", "4"}});
}

TEST_CASE("insert writes only when the key is absent") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  CHECK(s->transact([](TableTx& tx) {
    CHECK(tx.insert("keys", "charge/1", "first"));
    CHECK_FALSE(tx.insert("keys", "charge/1", "second"));
    return Status::ok();
  }).is_ok());
  CHECK(*s->scan_table("keys", "") == Rows{{"charge/1", "first"}});
}

TEST_CASE("scan returns the rows with a prefix in key order") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  const std::string high = "p\xff";
  CHECK(s->transact([&](TableTx& tx) {
    for (const char* k : {"b/2", "a/1", "b/10", "b", "c", "b0"}) tx.put("t", k, k);
    tx.put("t", high, "hi");
    tx.put("t", high + "\xff", "hihi");
    tx.put("t", "q", "q");
    CHECK(tx.scan("t", "b/") == Rows{{"b/10", "b/10"}, {"b/2", "b/2"}});  // inside the transaction
    return Status::ok();
  }).is_ok());
  CHECK(*s->scan_table("t", "b/") == Rows{{"b/10", "b/10"}, {"b/2", "b/2"}});
  CHECK(s->scan_table("t", "b")->size() == 4);
  CHECK(s->scan_table("t", "")->size() == 9);
  CHECK(s->scan_table("t", "zzz")->empty());
  CHECK(s->scan_table("other", "")->empty());
  CHECK(*s->scan_table("t", high) == Rows{{high, "hi"}, {high + "\xff", "hihi"}});  // 0xff prefix end
}

TEST_CASE("a non-ok Status rolls back only that transaction's writes") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  CHECK(s->transact([](TableTx& tx) {
    tx.put("t", "kept", "1");
    return Status::ok();
  }).is_ok());
  const Status st = s->transact([](TableTx& tx) {
    tx.put("t", "dropped", "1");
    tx.erase("t", "kept");
    return Status(Errc::kConflict, "out of stock");
  });
  CHECK(st.code() == Errc::kConflict);
  CHECK(st.message() == "out of stock");
  CHECK(*s->scan_table("t", "") == Rows{{"kept", "1"}});
}

TEST_CASE("an exception from the function is reported as kInternal and rolled back") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  const Status st = s->transact([](TableTx& tx) -> Status {
    tx.put("t", "k", "v");
    throw std::runtime_error("boom");
  });
  CHECK(st.code() == Errc::kInternal);
  CHECK(st.message().find("boom") != std::string::npos);
  CHECK(s->scan_table("t", "")->empty());
  CHECK(s->transact([](TableTx&) { return Status::ok(); }).is_ok());  // the writer lives on
}

TEST_CASE("a transaction rolled back beside committed batches leaves them intact") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  std::promise<void> done;
  Status rolled_back;
  {
    test::WriterGate gate(*s);
    s->submit(test::create_batch("r"), nullptr);
    std::thread t([&] {
      rolled_back = s->transact([](TableTx& tx) {
        tx.put("t", "k", "v");
        return Status(Errc::kConflict, "no");
      });
    });
    while (s->stats().queue_depth < 2) std::this_thread::yield();  // the transaction is queued
    s->submit(test::append_batch("r", 1), [&](BatchResult r) {
      CHECK(r.applied);
      done.set_value();
    });
    gate.release();
    t.join();
  }
  done.get_future().wait();
  CHECK(rolled_back.code() == Errc::kConflict);
  CHECK(s->get_run("r")->last_seq == 2);
  CHECK(s->scan_table("t", "")->empty());
}

TEST_CASE("concurrent check-then-write transactions never oversell") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  CHECK(s->transact([](TableTx& tx) {
    tx.put("stock", "sku", "50");
    return Status::ok();
  }).is_ok());
  std::atomic<int> sold{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        const Status st = s->transact([](TableTx& tx) {
          const int left = std::stoi(*tx.get("stock", "sku"));
          if (left == 0) return Status(Errc::kConflict, "sold out");
          tx.put("stock", "sku", std::to_string(left - 1));
          return Status::ok();
        });
        if (st.is_ok()) ++sold;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(sold == 50);
  CHECK(*s->scan_table("stock", "") == Rows{{"sku", "0"}});
}

}  // TEST_SUITE
}  // namespace
}  // namespace cairn::store
