// JournalBatch semantics: creates, appends, optimistic seqs, index updates, timers, signal keys,
// audit entries, and the all-or-nothing rule when a precondition fails.
#include <doctest/doctest.h>

#include "store/store_test_util.h"

namespace cairn::store {
namespace {

using test::append_batch;
using test::commit_ok;
using test::create_batch;
using test::event;

std::int64_t last_seq(Store& s, const std::string& id) {
  auto r = s.get_run(id);
  REQUIRE(r.is_ok());
  return r->last_seq;
}

std::size_t history_size(Store& s, const std::string& id) {
  auto h = s.load_history(id, 0, 0);
  REQUIRE(h.is_ok());
  return h->size();
}

TEST_SUITE("store") {

TEST_CASE("creating a run stores its index row and its first event") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  JournalBatch b = create_batch("r1", 1234, "order.place", "key-1");
  b.create->parent_id = "parent";
  b.create->version = 3;
  commit_ok(*s, std::move(b));

  auto r = s->get_run("r1");
  REQUIRE(r.is_ok());
  CHECK(r->id == "r1");
  CHECK(r->type == "order.place");
  CHECK(r->version == 3);
  CHECK(r->status == RunStatus::kRunning);
  CHECK(r->input == R"({"n":1})");
  CHECK(r->created_at == 1234);
  CHECK(r->updated_at == 1234);
  CHECK(r->parent_id == "parent");
  CHECK(r->idempotency_key == "key-1");
  CHECK(r->last_seq == 1);
  CHECK_FALSE(r->waiting_on.has_value());
  CHECK(r->result.empty());

  auto h = s->load_history("r1", 0, 0);
  REQUIRE(h.is_ok());
  REQUIRE(h->size() == 1);
  CHECK((*h)[0].seq == 1);
  CHECK((*h)[0].type == EventType::kWorkflowStarted);
  CHECK((*h)[0].data == R"({"input":{"n":1},"parent_id":"","type":"order.place","version":1})");
}

TEST_CASE("a run's first append sets its index row in the create itself, every field") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  JournalBatch waiting = create_batch("w", 1000);
  waiting.appends[0].update.status = RunStatus::kWaiting;
  waiting.appends[0].update.waiting_on = WaitingOn{"timer", "", 5000};
  commit_ok(*s, std::move(waiting));
  auto w = s->get_run("w");
  REQUIRE(w.is_ok());
  CHECK(w->status == RunStatus::kWaiting);
  REQUIRE(w->waiting_on.has_value());
  CHECK(*w->waiting_on == WaitingOn{"timer", "", 5000});
  CHECK(w->last_seq == 1);
  CHECK(w->result.empty());
  CHECK(w->error.empty());

  JournalBatch done = create_batch("d", 1000);  // a workflow that ends in its first activation
  done.appends[0].events.push_back(event(EventType::kWorkflowFailed, R"({"error":"no"})"));
  done.appends[0].update.status = RunStatus::kFailed;
  done.appends[0].update.error = "no";
  done.appends[0].update.stuck_reason = "";
  done.appends[0].update.waiting_on = std::optional<WaitingOn>{};
  commit_ok(*s, std::move(done));
  auto d = s->get_run("d");
  REQUIRE(d.is_ok());
  CHECK(d->status == RunStatus::kFailed);
  CHECK(d->error == "no");
  CHECK(d->last_seq == 2);
  CHECK_FALSE(d->waiting_on.has_value());
  CHECK(history_size(*s, "d") == 2);
  CHECK(s->count_runs(RunStatus::kFailed).value() == 1);  // the status index agrees with the row
  commit_ok(*s, append_batch("w", 1, 1, 2000));           // and the next append finds the seq
  CHECK(last_seq(*s, "w") == 2);
}

TEST_CASE("a create alone leaves the run at seq 0") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  JournalBatch b;
  b.now = 5;
  b.create = CreateRun{"bare", "t", 1, "{}", "", "", 5};
  commit_ok(*s, std::move(b));
  CHECK(last_seq(*s, "bare") == 0);
  CHECK(history_size(*s, "bare") == 0);
}

TEST_CASE("creating an existing id is not applied and reports the existing run") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("r1", 1000));
  const BatchResult r = s->commit(create_batch("r1", 9999));
  CHECK(r.status.is_ok());
  CHECK_FALSE(r.applied);
  REQUIRE(r.existing.has_value());
  CHECK(r.existing->id == "r1");
  CHECK(r.existing->created_at == 1000);
  CHECK(history_size(*s, "r1") == 1);  // the second WorkflowStarted was not appended
}

TEST_CASE("an idempotency key held by another run reports that run and writes nothing") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("first", 1000, "order.place", "same-key"));
  JournalBatch b = create_batch("second", 2000, "order.place", "same-key");
  b.arm.push_back(Timer{"second", 1, 50});
  const BatchResult r = s->commit(std::move(b));
  CHECK(r.status.is_ok());
  CHECK_FALSE(r.applied);
  REQUIRE(r.existing.has_value());
  CHECK(r.existing->id == "first");
  CHECK(s->get_run("second").status().code() == Errc::kNotFound);
  CHECK(s->due_timers(100, 0)->empty());

  auto found = s->find_by_idempotency_key("same-key");
  REQUIRE(found.is_ok());
  CHECK(found->id == "first");
  CHECK(s->find_by_idempotency_key("other").status().code() == Errc::kNotFound);
  CHECK(s->find_by_idempotency_key("").status().code() == Errc::kNotFound);
}

TEST_CASE("runs without an idempotency key do not collide on the empty key") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("a"));
  commit_ok(*s, create_batch("b"));
  CHECK(s->get_run("b").is_ok());
}

TEST_CASE("appends get contiguous seqs and advance last_seq and updated_at") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("r1", 1000));
  commit_ok(*s, append_batch("r1", 1, 3, 2000));
  commit_ok(*s, append_batch("r1", 4, 2, 3000));
  auto r = s->get_run("r1");
  REQUIRE(r.is_ok());
  CHECK(r->last_seq == 6);
  CHECK(r->updated_at == 3000);
  CHECK(r->created_at == 1000);
  auto h = s->load_history("r1", 0, 0);
  REQUIRE(h.is_ok());
  REQUIRE(h->size() == 6);
  for (std::size_t i = 0; i < h->size(); ++i) CHECK((*h)[i].seq == static_cast<std::int64_t>(i + 1));
  CHECK((*h)[3].cmd == 4);
  CHECK((*h)[3].type == EventType::kSideEffect);
}

TEST_CASE("a stale expected seq fails with kConflict and changes nothing") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("r1", 1000));
  commit_ok(*s, append_batch("r1", 1, 1, 2000));
  JournalBatch stale = append_batch("r1", 1, 2, 3000);
  stale.appends[0].update.status = RunStatus::kCompleted;
  stale.arm.push_back(Timer{"r1", 9, 10});
  stale.audit.push_back(AuditEntry{0, 1, "a", "admin", "retry", "r1", "accepted"});
  const BatchResult r = s->commit(std::move(stale));
  CHECK(r.status.code() == Errc::kConflict);
  CHECK(r.status.message().find("expected last seq 1, found 2") != std::string::npos);
  CHECK_FALSE(r.applied);
  auto run = s->get_run("r1");
  CHECK(run->last_seq == 2);
  CHECK(run->status == RunStatus::kRunning);
  CHECK(run->updated_at == 2000);
  CHECK(history_size(*s, "r1") == 2);
  CHECK(s->due_timers(100, 0)->empty());
  CHECK(s->audit("", 10)->entries.empty());
}

TEST_CASE("appending to an unknown run fails with kNotFound") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  const BatchResult r = s->commit(append_batch("ghost", 0));
  CHECK(r.status.code() == Errc::kNotFound);
  CHECK(r.status.message().find("ghost") != std::string::npos);
  CHECK_FALSE(r.applied);
  CHECK(s->load_history("ghost", 0, 0).status().code() == Errc::kNotFound);
}

TEST_CASE("a failing second append leaves nothing of the first") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("a"));
  commit_ok(*s, create_batch("b"));
  JournalBatch both = append_batch("a", 1, 2);
  both.appends.push_back(append_batch("b", 7).appends[0]);  // stale: b is at seq 1
  const BatchResult r = s->commit(std::move(both));
  CHECK(r.status.code() == Errc::kConflict);
  CHECK(last_seq(*s, "a") == 1);
  CHECK(history_size(*s, "a") == 1);
  // The writer forgot the rolled-back append too: the next one still expects seq 1.
  CHECK(s->commit(append_batch("a", 2)).status.code() == Errc::kConflict);
  commit_ok(*s, append_batch("a", 1));
  CHECK(last_seq(*s, "a") == 2);
}

TEST_CASE("a create whose append to another run fails leaves no run") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  JournalBatch b = create_batch("child");
  b.appends.push_back(append_batch("missing-parent", 0).appends[0]);
  const BatchResult r = s->commit(std::move(b));
  CHECK(r.status.code() == Errc::kNotFound);
  CHECK(s->get_run("child").status().code() == Errc::kNotFound);
}

TEST_CASE("two appends to the run a batch creates are applied in order") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  JournalBatch b = create_batch("r1");
  b.appends.push_back(append_batch("r1", 1, 2).appends[0]);
  commit_ok(*s, std::move(b));
  CHECK(last_seq(*s, "r1") == 3);

  JournalBatch bad = create_batch("r2");
  bad.appends.push_back(append_batch("r2", 5).appends[0]);  // stale within its own batch
  CHECK(s->commit(std::move(bad)).status.code() == Errc::kConflict);
  CHECK(s->get_run("r2").status().code() == Errc::kNotFound);
}

TEST_CASE("an update changes only the fields it sets") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("r1"));

  JournalBatch wait = append_batch("r1", 1, 1, 2000);
  wait.appends[0].update.status = RunStatus::kWaiting;
  wait.appends[0].update.waiting_on = WaitingOn{"signal", "fraud.review", 99};
  commit_ok(*s, std::move(wait));
  auto r = s->get_run("r1");
  CHECK(r->status == RunStatus::kWaiting);
  REQUIRE(r->waiting_on.has_value());
  CHECK(*r->waiting_on == WaitingOn{"signal", "fraud.review", 99});

  JournalBatch stuck = append_batch("r1", 2, 1, 3000);
  stuck.appends[0].update.status = RunStatus::kStuck;
  stuck.appends[0].update.stuck_reason = "compensation failed";
  stuck.appends[0].update.error = "payment.void: timeout";
  commit_ok(*s, std::move(stuck));
  r = s->get_run("r1");
  CHECK(r->status == RunStatus::kStuck);
  CHECK(r->stuck_reason == "compensation failed");
  CHECK(r->error == "payment.void: timeout");
  CHECK(r->waiting_on.has_value());  // not set by this update: kept

  JournalBatch done = append_batch("r1", 3, 0, 4000);  // an index-only update, no events
  done.appends[0].update.status = RunStatus::kCompleted;
  done.appends[0].update.result = R"({"ok":true})";
  done.appends[0].update.stuck_reason = "";
  done.appends[0].update.waiting_on = std::optional<WaitingOn>{};  // clear
  commit_ok(*s, std::move(done));
  r = s->get_run("r1");
  CHECK(r->status == RunStatus::kCompleted);
  CHECK(r->result == R"({"ok":true})");
  CHECK(r->stuck_reason.empty());
  CHECK_FALSE(r->waiting_on.has_value());
  CHECK(r->last_seq == 3);
  CHECK(r->updated_at == 4000);
}

TEST_CASE("bad arguments are refused with kInvalidArgument and change nothing") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("r1"));

  std::vector<JournalBatch> bad;
  bad.push_back(create_batch(""));
  bad.push_back(create_batch("x", 1, ""));
  bad.push_back(append_batch("", 0));
  bad.push_back(append_batch("r1", -1));
  bad.push_back(append_batch("r1", 1));
  bad.back().appends[0].events[0].type = static_cast<EventType>(99);
  bad.push_back(append_batch("r1", 1));
  bad.back().appends[0].update.status = static_cast<RunStatus>(42);
  bad.push_back(append_batch("r1", 1));
  bad.back().arm.push_back(Timer{"", 1, 1});
  bad.push_back(append_batch("r1", 1));
  bad.back().disarm.push_back(TimerKey{"", 1});
  bad.push_back(append_batch("r1", 1));
  bad.back().signal_key = SignalKey{"r1", "", 2};
  bad.push_back(append_batch("r1", 1));
  bad.back().signal_key = SignalKey{"r1", "k", 0};
  for (JournalBatch& b : bad) {
    const BatchResult r = s->commit(std::move(b));
    CHECK_MESSAGE(r.status.code() == Errc::kInvalidArgument, r.status.to_string());
    CHECK_FALSE(r.applied);
  }
  CHECK(last_seq(*s, "r1") == 1);
  CHECK(s->get_run("x").status().code() == Errc::kNotFound);
}

TEST_CASE("timers are armed, replaced, disarmed and listed earliest first") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("a"));
  commit_ok(*s, create_batch("b"));
  JournalBatch arm = append_batch("a", 1);
  arm.arm = {Timer{"a", 2, 300}, Timer{"a", 3, 100}, Timer{"b", 1, 200}};
  commit_ok(*s, std::move(arm));

  auto due = s->due_timers(250, 0);
  REQUIRE(due.is_ok());
  REQUIRE(due->size() == 2);
  CHECK((*due)[0].run_id == "a");
  CHECK((*due)[0].cmd == 3);
  CHECK((*due)[0].due == 100);
  CHECK((*due)[1].run_id == "b");
  CHECK(s->due_timers(1000, 1)->size() == 1);
  CHECK(s->due_timers(99, 0)->empty());
  CHECK(s->due_timers(100, 0)->size() == 1);  // due at `due_before` counts

  JournalBatch next = append_batch("a", 2);
  next.disarm = {TimerKey{"a", 3}, TimerKey{"a", 77}};  // disarming an absent timer is harmless
  next.arm = {Timer{"a", 2, 50}};                       // replaces (a, 2)
  commit_ok(*s, std::move(next));
  due = s->due_timers(1000, 0);
  REQUIRE(due->size() == 2);
  CHECK((*due)[0].run_id == "a");
  CHECK((*due)[0].cmd == 2);
  CHECK((*due)[0].due == 50);
  CHECK((*due)[1].run_id == "b");
}

TEST_CASE("a signal key is claimed once and a duplicate appends nothing") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("r1"));
  JournalBatch sig;
  sig.now = 10;
  sig.appends.push_back(Append{"r1", 1, {event(EventType::kSignalReceived, R"({"name":"go","payload":1})")}, {}});
  sig.signal_key = SignalKey{"r1", "delivery-7", 2};
  JournalBatch dup = sig;
  dup.appends[0].expected_last_seq = 2;
  dup.signal_key->seq = 3;
  commit_ok(*s, std::move(sig));

  const BatchResult r = s->commit(std::move(dup));
  CHECK(r.status.is_ok());
  CHECK_FALSE(r.applied);
  REQUIRE(r.existing_signal_seq.has_value());
  CHECK(*r.existing_signal_seq == 2);
  CHECK(last_seq(*s, "r1") == 2);

  JournalBatch other_run;  // the same key on another run is a different key
  commit_ok(*s, create_batch("r2"));
  other_run.appends.push_back(Append{"r2", 1, {event(EventType::kSignalReceived)}, {}});
  other_run.signal_key = SignalKey{"r2", "delivery-7", 2};
  commit_ok(*s, std::move(other_run));
}

TEST_CASE("a signal batch with a stale append claims no key") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("r1"));
  JournalBatch sig;
  sig.appends.push_back(Append{"r1", 5, {event(EventType::kSignalReceived)}, {}});
  sig.signal_key = SignalKey{"r1", "k", 6};
  CHECK(s->commit(sig).status.code() == Errc::kConflict);
  sig.appends[0].expected_last_seq = 1;
  sig.signal_key->seq = 2;
  commit_ok(*s, std::move(sig));  // the key was not left claimed by the failed batch
}

TEST_CASE("audit entries get increasing ids and may come without a run") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  JournalBatch b;
  b.audit.push_back(AuditEntry{0, 100, "anonymous", "", "cancel", "/v1/workflows/x/cancel", "unauthorized"});
  b.audit.push_back(AuditEntry{0, 101, "ops", "admin", "retry", "r9", "accepted"});
  commit_ok(*s, std::move(b));
  auto page = s->audit("", 10);
  REQUIRE(page.is_ok());
  REQUIRE(page->entries.size() == 2);
  CHECK(page->entries[0].action == "retry");
  CHECK(page->entries[0].id > page->entries[1].id);
  CHECK(page->entries[1].actor == "anonymous");
  CHECK(page->entries[1].outcome == "unauthorized");
  CHECK(page->entries[1].at == 100);
}

TEST_CASE("load_history returns events after a seq, at most limit") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("r1"));
  commit_ok(*s, append_batch("r1", 1, 9));
  auto h = s->load_history("r1", 4, 3);
  REQUIRE(h.is_ok());
  REQUIRE(h->size() == 3);
  CHECK((*h)[0].seq == 5);
  CHECK((*h)[2].seq == 7);
  CHECK(s->load_history("r1", 10, 0)->empty());
  CHECK(s->load_history("r1", 0, 0)->size() == 10);
  CHECK(s->load_history("r1", -1, 0).status().code() == Errc::kInvalidArgument);
  CHECK(s->load_history("nope", 0, 0).status().code() == Errc::kNotFound);
}

TEST_CASE("a history page ends before the event that would bring its data to max_bytes, and says whether more follow") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("r1"));
  JournalBatch b = append_batch("r1", 1, 0);
  for (std::size_t size : {60, 60, 200, 10, 300})  // seqs 2 to 6; data of exactly that size
    b.appends[0].events.push_back(event(EventType::kSideEffect, "\"" + std::string(size - 2, 'x') + "\""));
  commit_ok(*s, std::move(b));

  // The seqs of the page after `after`, and whether more follow.
  const auto page = [&](std::int64_t after, std::size_t limit, std::size_t max_bytes) {
    auto p = s->history_page("r1", after, limit, max_bytes);
    REQUIRE(p.is_ok());
    std::vector<std::int64_t> seqs;
    for (const Event& e : p->events) seqs.push_back(e.seq);
    return std::pair(seqs, p->more);
  };
  using Seqs = std::vector<std::int64_t>;
  CHECK(page(1, 10, 100) == std::pair(Seqs{2}, true));   // 60 + 60 would reach 100
  CHECK(page(2, 10, 100) == std::pair(Seqs{3}, true));
  CHECK(page(3, 10, 100) == std::pair(Seqs{4}, true));   // 200 on its own: shown alone
  CHECK(page(4, 10, 100) == std::pair(Seqs{5}, true));
  CHECK(page(5, 10, 100) == std::pair(Seqs{6}, false));  // the last event alone: nothing follows
  CHECK(page(6, 10, 100) == std::pair(Seqs{}, false));
  CHECK(page(1, 10, 1000) == std::pair(Seqs{2, 3, 4, 5, 6}, false));
  CHECK(page(1, 2, 1000) == std::pair(Seqs{2, 3}, true));
  CHECK(page(4, 2, 1000) == std::pair(Seqs{5, 6}, false));  // exactly the rest
  CHECK(s->history_page("r1", 0, 0, 100).status().code() == Errc::kInvalidArgument);
  CHECK(s->history_page("nope", 0, 10, 100).status().code() == Errc::kNotFound);
}

TEST_CASE("unfinished runs are listed oldest first and counted by status") {
  test::TempDir dir;
  auto s = test::open_store(test::options_in(dir));
  commit_ok(*s, create_batch("late", 300));
  commit_ok(*s, create_batch("early", 100));
  commit_ok(*s, create_batch("done", 200));
  JournalBatch finish = append_batch("done", 1);
  finish.appends[0].update.status = RunStatus::kCompleted;
  commit_ok(*s, std::move(finish));
  JournalBatch stuck = append_batch("late", 1);
  stuck.appends[0].update.status = RunStatus::kStuck;
  commit_ok(*s, std::move(stuck));

  auto ids = s->unfinished_runs();
  REQUIRE(ids.is_ok());
  CHECK(*ids == std::vector<std::string>{"early", "late"});
  CHECK(*s->count_runs(RunStatus::kRunning) == 1);
  CHECK(*s->count_runs(RunStatus::kStuck) == 1);
  CHECK(*s->count_runs(RunStatus::kCompleted) == 1);
  CHECK(*s->count_runs(RunStatus::kFailed) == 0);
}

}  // TEST_SUITE
}  // namespace
}  // namespace cairn::store
