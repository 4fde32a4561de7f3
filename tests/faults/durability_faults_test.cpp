// Storage faults under the engine (FaultyVfs under the SQLite store): what is not durable is never
// acknowledged (engine callbacks fail, HTTP answers 503 with the contract's error body), the
// failure shows in engine.health(), /readyz and on stderr, nothing acknowledged is lost, and the
// engine resumes once the fault clears.
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "engine/start_future.h"
#include "faults/fault_fixture.h"
#include "store/store_test_util.h"

namespace cairn::test {
namespace {

// engine.start_run, waited for.
Status engine_start(engine::Engine& e, const std::string& type, const std::string& id, Json input) {
  std::promise<Status> done;
  e.start_run(engine::StartRequest{type, id, std::move(input), ""},
              [&done](Result<engine::StartReply> r) { done.set_value(r.is_ok() ? Status::ok() : r.status()); });
  return done.get_future().get();
}

Status engine_signal(engine::Engine& e, const std::string& id, const std::string& name, Json payload) {
  std::promise<Status> done;
  e.signal(id, name, std::move(payload), "", [&done](Result<std::int64_t> r) { done.set_value(r.is_ok() ? Status::ok() : r.status()); });
  return done.get_future().get();
}

TEST_SUITE("faults") {

TEST_CASE("a failing fsync refuses starts and signals, shows in readyz and on stderr, and clears once writes succeed") {
  FaultFixture f;
  REQUIRE(f.start("faults.wait", "acked", Json::object()).status == 201);
  REQUIRE(f.call("GET", "/readyz").status == 200);
  const std::int64_t before = FaultyVfs::injected();
  {
    StderrCapture err(f.file("stderr.txt"));
    FaultyVfs::arm(FaultOp::kSync, 1, /*persistent=*/true);

    Answer refused = f.start("bench.steps", "refused", Json{{"steps", 2}});
    CHECK(refused.status == 503);
    CHECK(refused.code() == "unavailable");
    CHECK_FALSE(refused.message().empty());
    Answer signal = f.call("POST", "/v1/workflows/acked/signals/go", R"({"n":1})");
    CHECK(signal.status == 503);
    CHECK(signal.code() == "unavailable");
    CHECK(engine_start(f.engine(), "bench.steps", "refused-too", Json{{"steps", 1}}).code() == Errc::kIoError);
    CHECK(engine_signal(f.engine(), "acked", "go", Json{{"n", 2}}).code() == Errc::kIoError);

    CHECK(f.engine().health().find("store: [CAIRN-IOERR]") == 0);
    Answer ready = f.call("GET", "/readyz");
    CHECK(ready.status == 503);
    CHECK(ready.code() == "unavailable");
    CHECK(ready.message().find("[CAIRN-IOERR]") != std::string::npos);
    CHECK(err.text().find("cairn: commit for run refused failed: [CAIRN-IOERR]") != std::string::npos);
    for (int i = 0; i < 30; ++i) CHECK(f.start("bench.steps", "more-" + std::to_string(i), Json::object()).status == 503);
    // One line per failed commit, until 2026-12-03: a full disk wrote thousands a second.
    const std::string text = err.text();
    std::size_t lines = 0;
    for (std::size_t at = 0; (at = text.find("cairn: commit for run", at)) != std::string::npos; ++at) ++lines;
    CHECK(lines >= 1);
    CHECK(lines < 10);
    CHECK(FaultyVfs::injected() > before);
    FaultyVfs::clear();
  }

  // A refused start may or may not have reached the disk: the client's retry with the same id and
  // input is accepted either way, never a conflict.
  Answer retried = f.start("bench.steps", "refused", Json{{"steps", 2}});
  CHECK((retried.status == 201 || retried.status == 200));
  CHECK(f.call("POST", "/v1/workflows/acked/signals/go", R"({"n":3})").status == 202);
  CHECK(f.await_end("refused").body["status"] == "completed");
  Answer acked = f.await_end("acked");
  CHECK(acked.body["status"] == "completed");
  CHECK(acked.body["result"] == Json{{"n", 3}});  // the refused signals were not delivered
  CHECK(f.call("GET", "/readyz").status == 200);
  CHECK(f.engine().health().empty());

  f.reopen();
  CHECK(f.await_end("acked", "500ms").body["result"] == Json{{"n", 3}});
  CHECK(f.await_end("refused", "500ms").body["result"] == Json{{"steps", 2}});
  f.contiguous_history("acked");
  f.contiguous_history("refused");
}

TEST_CASE("a write that fails once fails only the commit it hit: runs in flight resume by themselves and lose nothing") {
  FaultFixture f;
  // The 5th write from now lands in the middle of these runs' step commits.
  FaultyVfs::arm(FaultOp::kWrite, 5, /*persistent=*/false);
  const std::int64_t before = FaultyVfs::injected();
  std::set<std::string> acked;
  int refused = 0;
  for (int i = 0; i < 6; ++i) {
    const std::string id = "r" + std::to_string(i);
    for (;;) {  // a refused start is the client's to retry
      Answer a = f.start("bench.steps", id, Json{{"steps", 10}, {"payload_bytes", 2000}});
      if (a.status == 201 || a.status == 200) break;
      REQUIRE(a.status == 503);
      CHECK(a.code() == "unavailable");
      ++refused;
    }
    acked.insert(id);
  }
  for (const auto& id : acked) {
    Answer end = f.await_end(id);
    CHECK(end.body["status"] == "completed");
    CHECK(end.body["result"] == Json{{"steps", 10}});
  }
  CHECK(FaultyVfs::injected() == before + 1);
  CHECK(f.call("GET", "/readyz").status == 200);

  f.reopen();
  for (const auto& id : acked) {
    CHECK(f.await_end(id, "500ms").body["status"] == "completed");
    CHECK(f.contiguous_history(id) >= 12);  // started, ten steps, completed
  }
  MESSAGE(refused << " start(s) refused while the write failed");
}

TEST_CASE("a signal queued behind a commit of its run that fails is answered 503, never 409") {
  FaultFixture f;
  StderrCapture err(f.file("stderr.txt"));
  REQUIRE(f.start("faults.twice", "w", Json::object()).status == 201);
  FaultyVfs::hold_next_sync();  // the next commit waits in its fsync until released
  auto first = std::async(std::launch::async, [&] { return f.call("POST", "/v1/workflows/w/signals/go", "1"); });
  FaultyVfs::wait_for_held_sync();
  // Recorded while the first is in flight: its batch expects the first's events in the store.
  auto second = std::async(std::launch::async, [&] { return f.call("POST", "/v1/workflows/w/signals/go", "2"); });
  while (f.store().stats().queue_depth == 0) std::this_thread::yield();  // queued behind the held commit
  FaultyVfs::release_sync(/*fail=*/true);
  CHECK(first.get().status == 503);
  // It was 409 "expected last seq 3, found 2": a client obeying API.md takes 409 as "the run
  // ended" and drops the signal (found by an outside audit filling a disk).
  Answer late = second.get();
  CHECK(late.status == 503);
  CHECK(late.code() == "unavailable");
  CHECK(late.message().find("seq") == std::string::npos);
  CHECK(err.text().find("[CAIRN-IOERR]") != std::string::npos);  // the failure is on stderr, once
  CHECK(err.text().find("CONFLICT") == std::string::npos);  // its echo in the queued batch is not
  // ... and the echo is no success either: /readyz still shows the failure (it was cleared).
  Answer ready = f.call("GET", "/readyz");
  CHECK(ready.status == 503);
  CHECK(ready.message().find("[CAIRN-IOERR]") != std::string::npos);

  // Both are the client's to retry, and then delivered once each.
  for (const char* payload : {"1", "2"}) {
    Answer retried;
    do retried = f.call("POST", "/v1/workflows/w/signals/go", payload);  // until the run is back from the store
    while (retried.status == 503);
    CHECK(retried.status == 202);
  }
  Answer end = f.await_end("w");
  CHECK(end.body["status"] == "completed");
  CHECK(end.body["result"] == Json::array({1, 2}));
}

TEST_CASE("a run replayed after a failed write that disarmed its timer writes the timer again, blaming no one") {
  FaultFixture f;
  StderrCapture err(f.file("stderr.txt"));
  REQUIRE(f.start("faults.deadline", "d", Json::object()).status == 201);
  FaultyVfs::hold_next_sync();
  auto go = std::async(std::launch::async, [&] { return f.call("POST", "/v1/workflows/d/signals/go", "1"); });
  FaultyVfs::wait_for_held_sync();  // the commit that disarms the timer and ends the run
  FaultyVfs::release_sync(/*fail=*/true);
  CHECK(go.get().status == 503);
  Answer retried;
  do retried = f.call("POST", "/v1/workflows/d/signals/go", "1");  // until the run is back from the store
  while (retried.status == 503);
  CHECK(retried.status == 202);
  CHECK(f.await_end("d").body["result"] == 1);
  // The replay found the timer its journal holds missing from memory (the failed write had
  // disarmed it there): it was written again, as it should be, but "changed outside Cairn" was a
  // false alarm of tampering on every such failure.
  CHECK(err.text().find("changed outside Cairn") == std::string::npos);
  CHECK(err.text().find("[CAIRN-IOERR]") != std::string::npos);
}

TEST_CASE("calls waiting on a run's commit that fails are answered 503: a repeated start, a signal to the run it ends") {
  FaultFixture f;
  REQUIRE(f.start("faults.wait", "x", Json::object()).status == 201);  // a bystander: see queued_marker()
  REQUIRE(f.start("faults.twice", "w", Json::object()).status == 201);
  REQUIRE(f.call("POST", "/v1/workflows/w/signals/go", "1").status == 202);
  auto& engine = f.engine();
  // Calls the engine takes in order after `first` is held in its commit; once the bystander's
  // signal is queued for the writer, the engine has taken every call before it.

  SUBCASE("a repeated start waits for the create, which fails: it was never answered") {
    FaultyVfs::hold_next_sync();
    auto first = std::async(std::launch::async, [&] { return f.start("faults.wait", "d", Json::object()); });
    FaultyVfs::wait_for_held_sync();
    auto answer = engine::testing::start_future(engine, {"faults.wait", "d", Json::object(), ""});
    auto marker = f.queued_marker("x");
    FaultyVfs::release_sync(/*fail=*/true);
    CHECK(first.get().status == 503);
    REQUIRE(answer.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    CHECK(answer.get().status().code() == Errc::kUnavailable);
    CHECK(marker.get().is_ok());
    CHECK(f.start("faults.wait", "d", Json::object()).status == 201);  // the client's retry creates it
  }
  SUBCASE("a signal to a run whose ending write fails is not told the run ended") {
    FaultyVfs::hold_next_sync();
    auto ending = std::async(std::launch::async, [&] { return f.call("POST", "/v1/workflows/w/signals/go", "2"); });
    FaultyVfs::wait_for_held_sync();
    std::promise<Result<std::int64_t>> late;
    engine.signal("w", "go", 3, "", [&](Result<std::int64_t> r) { late.set_value(std::move(r)); });
    auto marker = f.queued_marker("x");
    FaultyVfs::release_sync(/*fail=*/true);
    CHECK(ending.get().status == 503);
    // It was 409 "run completed" at once, before the write that would complete the run failed.
    CHECK(late.get_future().get().status().code() == Errc::kUnavailable);
    CHECK(marker.get().is_ok());
    Answer retried;
    do retried = f.call("POST", "/v1/workflows/w/signals/go", "2");  // until the run is back from the store
    while (retried.status == 503);
    CHECK(retried.status == 202);
    CHECK(f.await_end("w").body["result"] == Json::array({1, 2}));
    CHECK(f.call("POST", "/v1/workflows/w/signals/go", "3").status == 409);  // now it has ended
  }
  SUBCASE("a cancel of a run whose ending write fails is not told the run ended") {
    FaultyVfs::hold_next_sync();
    auto ending = std::async(std::launch::async, [&] { return f.call("POST", "/v1/workflows/w/signals/go", "2"); });
    FaultyVfs::wait_for_held_sync();
    std::promise<Status> cancel;
    engine.cancel("w", engine::Actor{"admin#1", "admin"}, [&](Status s) { cancel.set_value(std::move(s)); });
    auto marker = f.queued_marker("x");
    FaultyVfs::release_sync(/*fail=*/true);
    CHECK(ending.get().status == 503);
    CHECK(cancel.get_future().get().code() == Errc::kUnavailable);  // was 409 at once
    CHECK(marker.get().is_ok());
  }
}

TEST_CASE("a retry sent while the write that makes the run stuck or failed is in flight waits for it") {
  for (const bool run_fails : {false, true})
    for (const bool write_fails : {false, true}) {
      CAPTURE(run_fails);
      CAPTURE(write_fails);
      FaultFixture f;
      REQUIRE(f.start("faults.wait", "x", Json::object()).status == 201);  // a bystander: see queued_marker()
      stall_failures_left = 1;
      REQUIRE(f.start("faults.stall", "s", Json{{"fail", run_fails}}).status == 201);
      FaultyVfs::wait_for_held_sync();  // the attempt failed; the run stopped in memory, not yet in the store
      std::promise<Status> retry;
      f.engine().retry("s", engine::Actor{"admin#1", "admin"}, [&](Status s) { retry.set_value(std::move(s)); });
      auto marker = f.queued_marker("x");  // the engine has taken the retry
      FaultyVfs::release_sync(write_fails);
      Status answer = retry.get_future().get();
      if (write_fails) {
        CHECK(answer.code() == Errc::kUnavailable);  // the client's to send again, not a conflict
      } else {
        CHECK(answer.is_ok());  // it was 409 "run s is running; only stuck or failed runs can be retried"
        CHECK(f.await_end("s").body["result"] == "done");
      }
      CHECK(marker.get().is_ok());
    }
}

TEST_CASE("a run whose ending write a refused call waited on is counted as ended once") {
  FaultFixture f;
  REQUIRE(f.start("faults.wait", "x", Json::object()).status == 201);  // a bystander: see queued_marker()
  REQUIRE(f.start("faults.twice", "w", Json::object()).status == 201);
  REQUIRE(f.call("POST", "/v1/workflows/w/signals/go", "1").status == 202);
  auto& engine = f.engine();
  const auto completed = [&] { return engine.metrics().completions[static_cast<int>(store::RunStatus::kCompleted)]; };
  const auto before = completed();
  FaultyVfs::hold_next_sync();
  auto ending = std::async(std::launch::async, [&] { return f.call("POST", "/v1/workflows/w/signals/go", "2"); });
  FaultyVfs::wait_for_held_sync();
  std::promise<Status> cancel;
  engine.cancel("w", engine::Actor{"admin#1", "admin"}, [&](Status s) { cancel.set_value(std::move(s)); });
  auto marker = f.queued_marker("x");  // taken after the cancel: the cancel is waiting
  FaultyVfs::release_sync(/*fail=*/false);
  CHECK(ending.get().status == 202);
  CHECK(cancel.get_future().get().code() == Errc::kConflict);
  CHECK(marker.get().is_ok());
  engine.TEST_wait_idle();
  // The cancel's answer dropped the ended run before it was reported: /metrics never counted it
  // (found by an outside audit sending terminate and cancel together).
  CHECK(completed() == before + 2);  // w, and the bystander its signal ended
}

TEST_CASE("a database damaged while the server runs: /readyz says so, writes are refused, for good") {
  FaultFixture f;
  REQUIRE(f.start("faults.wait", "before", Json::object()).status == 201);
  store::test::damage_root_page(f.file("faults.db"), "audit");
  Answer audit = f.call("GET", "/v1/audit");
  CHECK(audit.status == 503);  // was 500 internal: a damaged file is not a bug in the server
  CHECK(audit.code() == "unavailable");
  // It said ready and went on acknowledging starts into a file the next start refuses.
  Answer ready = f.call("GET", "/readyz");
  CHECK(ready.status == 503);
  CHECK(ready.message().find("is damaged") != std::string::npos);
  Answer start = f.start("bench.steps", "after", Json{{"steps", 1}});
  CHECK(start.status == 503);
  CHECK(start.code() == "unavailable");
  CHECK(f.call("POST", "/v1/workflows/before/signals/go", "1").status == 503);
  CHECK(f.call("GET", "/readyz").status == 503);
}

TEST_CASE("a volume with less free space than the reserve is not ready, before a write fails on it") {
  FaultFixture f(/*min_free_bytes=*/std::int64_t{1} << 60);  // a reserve no disk here has
  // It said ready until a start failed on the full disk (an outside audit on a 2 MB tmpfs).
  Answer ready = f.call("GET", "/readyz");
  CHECK(ready.status == 503);
  CHECK(ready.message().find("[CAIRN-FULL]") != std::string::npos);
  CHECK(ready.message().find("kept in reserve") != std::string::npos);
  CHECK(f.start("bench.steps", "still-tried", Json{{"steps", 1}}).status == 201);  // writes are still tried
  FaultFixture roomy(/*min_free_bytes=*/0);
  CHECK(roomy.call("GET", "/readyz").status == 200);
}

TEST_CASE("a full disk answers 503 with the reason, keeps what was acknowledged, and recovers when space is freed") {
  FaultFixture f;
  REQUIRE(f.start("faults.wait", "before", Json::object()).status == 201);
  const Json big{{"pad", std::string(300'000, 'x')}};
  {
    StderrCapture err(f.file("stderr.txt"));
    const auto began = std::chrono::steady_clock::now();  // before the first failed commit
    // The cap cannot go below the current size: 1 page means "no growth".
    REQUIRE(f.store().TEST_set_max_page_count(1).is_ok());
    Answer full = f.start("faults.wait", "big", big);
    CHECK(full.status == 503);
    CHECK(full.code() == "unavailable");
    // health() is updated before the failed batch's callbacks answer: /readyz agrees at once.
    Answer ready = f.call("GET", "/readyz");
    CHECK(ready.status == 503);
    CHECK(ready.message().find("[CAIRN-FULL]") != std::string::npos);
    CHECK(err.text().find("[CAIRN-FULL]") != std::string::npos);
    CHECK(full.message().find("disk is full") != std::string::npos);  // the reason, not a ref
    // Every refused start fails its commit: stderr says so once a second, not twice per request.
    for (int i = 0; i < 20; ++i) CHECK(f.start("faults.wait", "big-" + std::to_string(i), big).status == 503);
    const std::string text = err.text();
    auto lines_with = [&](const std::string& what) {
      std::size_t n = 0;
      for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
      return n;
    };
    // One a second at most, however fast the requests came (a sanitizer build takes seconds).
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - began);
    CHECK(lines_with("rolled back") <= static_cast<std::size_t>(seconds.count()) + 2);
    CHECK(lines_with("cairn api: ref") == 0);
    CHECK(f.call("GET", "/v1/workflows/before").status == 200);  // reads go on
    REQUIRE(f.store().TEST_set_max_page_count(1'000'000).is_ok());
  }
  Answer retried = f.start("faults.wait", "big", big);
  CHECK(retried.status == 201);
  CHECK(f.call("POST", "/v1/workflows/before/signals/go", R"({"ok":true})").status == 202);
  CHECK(f.await_end("before").body["result"] == Json{{"ok", true}});
  CHECK(f.call("GET", "/readyz").status == 200);

  f.reopen();
  CHECK(f.await_end("before", "500ms").body["status"] == "completed");
  CHECK(f.call("GET", "/v1/workflows/big").body["status"] == "waiting");
}

}  // TEST_SUITE
}  // namespace
}  // namespace cairn::test
