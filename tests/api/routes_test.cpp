// Route tests without sockets: validation, the error table, every endpoint's shape, long-poll.
#include <doctest/doctest.h>

#include <set>
#include <thread>

#include "api/route_fixture.h"
#include "api/validate.h"
#include "store/store_test_util.h"

using cairn::Json;
using cairn::test::Answer;
using cairn::test::RouteFixture;

namespace {

void check_error(const Answer& a, int status, const std::string& code) {
  CHECK(a.status == status);
  CHECK(a.code() == code);
  CHECK(a.body["error"]["message"].is_string());
  CHECK(a.body.size() == 1);
}

std::set<std::string> keys(const Json& j) {
  std::set<std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) out.insert(it.key());
  return out;
}

}  // namespace

TEST_SUITE("api") {
  TEST_CASE("start creates a run, repeats answer 200 and other input conflicts") {
    RouteFixture f;
    Answer a = f.post("/v1/workflows", {{"type", "bench.steps"}, {"id", "r1"}, {"input", {{"steps", 1}}}});
    CHECK(a.status == 201);
    CHECK(a.body == Json{{"id", "r1"}, {"type", "bench.steps"}, {"status", "running"}});
    Answer again = f.post("/v1/workflows", {{"type", "bench.steps"}, {"id", "r1"}, {"input", {{"steps", 1}}}});
    CHECK(again.status == 200);
    CHECK(again.body["id"] == "r1");
    check_error(f.post("/v1/workflows", {{"type", "bench.steps"}, {"id", "r1"}, {"input", {{"steps", 2}}}}), 409,
                "conflict");
  }

  TEST_CASE("bench.steps with steps 0 ends at its start: two events, one commit") {
    RouteFixture f;
    Answer a = f.post("/v1/workflows", {{"type", "bench.steps"}, {"id", "zero"}, {"input", {{"steps", 0}}}});
    CHECK(a.status == 201);
    CHECK(a.body["status"] == "completed");  // answered once its one commit is durable
    Answer run = f.call("GET", "/v1/workflows/zero");
    CHECK(run.body["result"] == Json{{"steps", 0}});
    Answer history = f.call("GET", "/v1/workflows/zero/history");
    REQUIRE(history.body["events"].size() == 2);
    CHECK(history.body["events"][0]["type"] == "WorkflowStarted");
    CHECK(history.body["events"][1]["type"] == "WorkflowCompleted");
    check_error(f.post("/v1/workflows", {{"type", "bench.steps"}, {"input", {{"steps", -1}}}}), 400, "bad_request");
  }

  TEST_CASE("an idempotency key answers with the run it started") {
    RouteFixture f;
    Json body{{"type", "bench.steps"}, {"input", {{"steps", 1}}}};
    Answer a = f.post("/v1/workflows", body, {{"idempotency-key", "k-1"}});
    REQUIRE(a.status == 201);
    Answer b = f.post("/v1/workflows", body, {{"idempotency-key", "k-1"}});
    CHECK(b.status == 200);
    CHECK(b.body["id"] == a.body["id"]);
    Answer c = f.post("/v1/workflows", body);
    CHECK(c.status == 201);
    CHECK(c.body["id"] != a.body["id"]);
  }

  TEST_CASE("bad start bodies are 400, 415 or 413-free and change nothing") {
    RouteFixture f;
    check_error(f.call("POST", "/v1/workflows", "{\"type\": "), 400, "bad_request");
    check_error(f.call("POST", "/v1/workflows", "[1,2]"), 400, "bad_request");
    check_error(f.post("/v1/workflows", {{"type", 7}}), 400, "bad_request");
    check_error(f.post("/v1/workflows", {{"input", Json::object()}}), 400, "bad_request");
    check_error(f.post("/v1/workflows", {{"type", "no.such"}}), 400, "bad_request");
    check_error(f.post("/v1/workflows", {{"type", "bench.steps"}, {"id", "bad id!"}}), 400, "bad_request");
    check_error(f.post("/v1/workflows", {{"type", "bench.steps"}, {"id", std::string(129, 'a')}}), 400, "bad_request");
    check_error(f.post("/v1/workflows", {{"type", "bench.steps"}, {"id", 12}}), 400, "bad_request");
    check_error(f.post("/v1/workflows", {{"type", "bench.steps"}, {"input", {{"steps", "many"}}}}), 400, "bad_request");
    check_error(f.post("/v1/workflows", {{"type", "bench.steps"}, {"input", {{"steps", 2.5}}}}), 400, "bad_request");
    check_error(f.post("/v1/workflows", {{"type", "bench.steps"}, {"input", {{"steps", 1e300}}}}), 400, "bad_request");
    check_error(f.post("/v1/workflows", {{"type", "bench.steps"}, {"input", {{"steps", 101}}}}), 400, "bad_request");
    check_error(f.call("POST", "/v1/workflows", R"({"type":"bench.steps"})", {{"content-type", "text/plain"}}), 415,
                "unsupported_media_type");
    check_error(f.post("/v1/workflows", {{"type", "bench.steps"}}, {{"idempotency-key", std::string(300, 'k')}}), 400,
                "bad_request");
    check_error(f.call("POST", "/v1/workflows"), 400, "bad_request");
    Answer list = f.call("GET", "/v1/workflows");
    CHECK(list.body["workflows"].empty());
  }

  TEST_CASE("an error that quotes a long input is cut to 1000 bytes, between characters, and says so") {
    RouteFixture f;
    std::string type = "xy";  // then 100,000 é (2 bytes each): byte 1000 of the message is an é's second
    for (int i = 0; i < 100'000; ++i) type += "\xc3\xa9";
    Answer a = f.post("/v1/workflows", {{"type", type}});
    check_error(a, 400, "bad_request");
    const std::string message = a.body["error"]["message"];
    CHECK(message.starts_with("unknown workflow type `xy\xc3\xa9"));
    CHECK(message.ends_with("\xc3\xa9... (cut: the message was 200026 bytes)"));  // no é cut in two
    CHECK(message.size() < 1100);
    check_error(f.call("GET", "/v1/workflows?status=" + std::string(5000, 'z')), 400, "bad_request");
  }

  TEST_CASE("JSON nested deeper than 64 levels is refused with a message naming the limit") {
    RouteFixture f;
    std::string deep = std::string(65, '[') + std::string(65, ']');
    check_error(f.call("POST", "/v1/workflows", deep), 400, "bad_request");
    CHECK(f.call("POST", "/v1/workflows", deep).body["error"]["message"].get<std::string>().find("64") != std::string::npos);
    std::string ok = R"({"type":"bench.steps","input":{"x":)" + std::string(62, '[') + std::string(62, ']') + "}}";
    CHECK(f.call("POST", "/v1/workflows", ok).status != 400);
  }

  TEST_CASE("a body cut by a NUL byte or holding an integer past 64 bits is refused, and nothing is started") {
    RouteFixture f;
    check_error(f.call("POST", "/v1/workflows", std::string(R"({"type":"bench.steps","id":"nul1"})") + '\0' + "x"), 400,
                "bad_request");
    check_error(f.call("POST", "/v1/workflows", R"({"type":"bench.steps","id":"big","input":{"n":99999999999999999999}})"),
                400, "bad_request");
    CHECK(f.call("GET", "/v1/workflows").body["workflows"].empty());
  }

  TEST_CASE("unknown routes are 404 and wrong methods 405 with Allow") {
    RouteFixture f;
    check_error(f.call("GET", "/v2/nothing"), 404, "not_found");
    check_error(f.call("GET", "/v1/workflows/a/b/c/d"), 404, "not_found");
    Answer a = f.call("DELETE", "/v1/workflows");
    check_error(a, 405, "method_not_allowed");
    CHECK(a.header("Allow") == "POST, GET");
    Answer b = f.call("GET", "/v1/workflows/x/cancel");
    check_error(b, 405, "method_not_allowed");
    CHECK(b.header("Allow") == "POST");
    check_error(f.call("GET", "/v1/workflows/nope"), 404, "not_found");
  }

  TEST_CASE("a history page ends once its events hold 1 MiB of data; its cursors still walk the whole journal") {
    RouteFixture f;
    const Json input = {{"steps", 40}, {"payload_bytes", 65536}};
    REQUIRE(f.post("/v1/workflows", {{"type", "bench.steps"}, {"id", "big"}, {"input", input}}).status == 201);
    REQUIRE(f.call("GET", "/v1/workflows/big?wait=60s").body["status"] == "completed");
    auto whole = f.engine().history("big", 0, 0);
    REQUIRE(whole);
    std::vector<std::int64_t> seen;
    Json cursor = 0;
    int pages = 0;
    while (!cursor.is_null()) {
      Answer page = f.call("GET", "/v1/workflows/big/history?limit=1000&after=" + std::to_string(cursor.get<std::int64_t>()));
      REQUIRE(page.status == 200);
      CHECK_FALSE(page.body["events"].empty());  // a cursor is given only when events follow
      std::size_t bytes = 0;
      for (const Json& e : page.body["events"]) {
        seen.push_back(e["seq"].get<std::int64_t>());
        bytes += e["data"].dump().size();
      }
      CHECK(bytes < 2 * cairn::api::kMaxPageDataBytes);  // 1,000 events were asked for: 2.6 MB
      cursor = page.body["next_cursor"];
      REQUIRE(++pages < 20);
    }
    CHECK(pages >= 3);
    REQUIRE(seen.size() == whole->size());
    for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == static_cast<std::int64_t>(i + 1));
  }

  TEST_CASE("a run has exactly API.md's fields and long-poll answers once it completes") {
    RouteFixture f;
    REQUIRE(f.post("/v1/workflows", {{"type", "bench.steps"}, {"id", "lp"}, {"input", {{"steps", 3}}}}).status == 201);
    Answer a = f.call("GET", "/v1/workflows/lp?wait=60s");
    REQUIRE(a.status == 200);
    CHECK(a.body["status"] == "completed");
    CHECK(a.body["result"] == Json{{"steps", 3}});
    CHECK(a.body["input"] == Json{{"steps", 3}});
    CHECK(keys(a.body) == std::set<std::string>{"id", "type", "version", "status", "input", "result", "error",
                                                 "stuck_reason", "waiting_on", "created_at", "updated_at", "parent_id"});
    CHECK(a.body["error"].is_null());
    CHECK(a.body["parent_id"].is_null());
    CHECK(a.body["waiting_on"].is_null());
    std::string created = a.body["created_at"];
    CHECK(created.size() == 24);
    CHECK(created.back() == 'Z');
  }

  TEST_CASE("until=settled answers when the run waits; the plain long-poll keeps waiting") {
    RouteFixture f;
    REQUIRE(f.post("/v1/workflows", {{"type", "test.wait"}, {"id", "w1"}}).status == 201);
    Answer settled = f.call("GET", "/v1/workflows/w1?wait=60s&until=settled");
    CHECK(settled.body["status"] == "waiting");
    CHECK(settled.body["waiting_on"]["kind"] == "signal");
    CHECK(settled.body["waiting_on"]["name"] == "go");
    CHECK(settled.body["waiting_on"]["until"].is_null());
    // A plain long-poll on a waiting run ends with the wait: 200 with the run still waiting.
    Answer plain = f.call("GET", "/v1/workflows/w1?wait=200ms");
    CHECK(plain.status == 200);
    CHECK(plain.body["status"] == "waiting");
  }

  TEST_CASE("a long-poll in progress answers as soon as a signal completes the run") {
    RouteFixture f;
    REQUIRE(f.post("/v1/workflows", {{"type", "test.wait"}, {"id", "w2"}}).status == 201);
    REQUIRE(f.call("GET", "/v1/workflows/w2?wait=60s&until=settled").body["status"] == "waiting");
    std::promise<Answer> polled;
    std::thread poller([&] { polled.set_value(f.call("GET", "/v1/workflows/w2?wait=60s")); });
    auto future = polled.get_future();
    // The poll is still open: it cannot have answered while the run waits.
    CHECK(future.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout);
    Answer sig = f.post("/v1/workflows/w2/signals/go", {{"ok", true}});
    CHECK(sig.status == 202);
    Answer done = future.get();
    poller.join();
    CHECK(done.body["status"] == "completed");
    CHECK(done.body["result"] == Json{{"ok", true}});
  }

  TEST_CASE("bad query parameters are 400") {
    RouteFixture f;
    REQUIRE(f.post("/v1/workflows", {{"type", "test.wait"}, {"id", "q"}}).status == 201);
    for (const char* target :
         {"/v1/workflows/q?wait=61s", "/v1/workflows/q?wait=5", "/v1/workflows/q?wait=abc", "/v1/workflows/q?wait=70000ms",
          "/v1/workflows/q?wait=1s&until=later", "/v1/workflows/q/history?limit=1001", "/v1/workflows/q/history?limit=0",
          "/v1/workflows/q/history?after=-1", "/v1/workflows?status=sleeping", "/v1/workflows?limit=5000",
          "/v1/workflows?created_after=yesterday", "/v1/workflows?created_before=2026-13-01T00:00:00Z",
          "/v1/workflows?stuck=maybe", "/v1/audit?limit=1001", "/v1/workflows/bad%20id"})
      check_error(f.call("GET", target), 400, "bad_request");
  }

  TEST_CASE("an escaped slash stays inside its segment: an id holding one is a 400, never another route") {
    RouteFixture f;
    REQUIRE(f.post("/v1/workflows", {{"type", "test.wait"}, {"id", "q"}}).status == 201);
    // Decoded before splitting, "q%2Fhistory" was the history of q and "a%2Fb" a 404 for no route.
    for (const char* target : {"/v1/workflows/q%2Fhistory", "/v1/workflows/q%2fhistory", "/v1/workflows/a%2Fb",
                               "/v1/workflows/q/queries/state%2F..%2F..%2Fhistory"})
      check_error(f.call("GET", target), 400, "bad_request");
    // Decoded first, this was a cancel of q; it is a POST to the run "q/cancel", which only GETs.
    check_error(f.post("/v1/workflows/q%2Fcancel", Json::object()), 405, "method_not_allowed");
    CHECK(f.call("GET", "/v1/workflows/q").body["status"] == "waiting");  // for its signal, not cancelled
    check_error(f.call("GET", "/v1%2Fworkflows"), 404, "not_found");
  }

  TEST_CASE("unknown runs and bad cursors are explained in the caller's terms, without the store's prefixes") {
    RouteFixture f;
    auto message = [&](const std::string& target) { return f.call("GET", target).body["error"].value("message", ""); };
    CHECK(message("/v1/workflows/nope") == R"(no run with id "nope")");
    CHECK(message("/v1/workflows/nope/history") == R"(no run with id "nope")");
    CHECK(message("/v1/workflows?cursor=garbage") == R"(malformed cursor "garbage")");
    CHECK(message("/v1/workflows?cursor=a%3A%20b") == R"(malformed cursor "a: b")");
    CHECK(message("/v1/audit?cursor=garbage") == R"(malformed cursor "garbage")");
    CHECK(message("/v1/audit?cursor=-1") == R"(malformed cursor "-1")");  // it was an empty page
  }

  TEST_CASE("history pages with after, limit and next_cursor") {
    RouteFixture f;
    REQUIRE(f.post("/v1/workflows", {{"type", "bench.steps"}, {"id", "h"}, {"input", {{"steps", 5}}}}).status == 201);
    REQUIRE(f.call("GET", "/v1/workflows/h?wait=60s").body["status"] == "completed");
    Answer all = f.call("GET", "/v1/workflows/h/history");
    REQUIRE(all.status == 200);
    CHECK(all.body["next_cursor"].is_null());
    const Json& events = all.body["events"];
    REQUIRE(events.size() >= 3);
    CHECK(events[0]["type"] == "WorkflowStarted");
    CHECK(events.back()["type"] == "WorkflowCompleted");
    std::vector<std::int64_t> seqs;
    Json cursor = 0;
    while (!cursor.is_null()) {
      Answer page = f.call("GET", "/v1/workflows/h/history?limit=2&after=" + std::to_string(cursor.get<std::int64_t>()));
      REQUIRE(page.status == 200);
      CHECK(page.body["events"].size() <= 2);
      for (const auto& e : page.body["events"]) seqs.push_back(e["seq"]);
      cursor = page.body["next_cursor"];
    }
    REQUIRE(seqs.size() == events.size());
    for (std::size_t i = 0; i < seqs.size(); ++i) CHECK(seqs[i] == static_cast<std::int64_t>(i + 1));
    check_error(f.call("GET", "/v1/workflows/none/history"), 404, "not_found");
  }

  TEST_CASE("a history event whose row was changed outside Cairn is served flagged damaged") {
    RouteFixture f;
    REQUIRE(f.post("/v1/workflows", {{"type", "bench.steps"}, {"id", "d"}, {"input", {{"steps", 3}}}}).status == 201);
    REQUIRE(f.call("GET", "/v1/workflows/d?wait=60s").body["status"] == "completed");
    // The run ended and never replays again: only a read of its history meets the changed row.
    cairn::store::test::outside(f.db_path(), "UPDATE events SET data = replace(data, '\"steps\":3', '\"steps\":7') "
                                             "WHERE type = 15 AND rk = (SELECT rk FROM runs WHERE id = 'd')");
    Answer history = f.call("GET", "/v1/workflows/d/history");
    REQUIRE(history.status == 200);
    const Json& events = history.body["events"];
    REQUIRE(events.back()["type"] == "WorkflowCompleted");
    CHECK(events.back()["data"]["result"]["steps"] == 7);  // what the row now says...
    CHECK(events.back()["damaged"] == true);               // ...flagged as not what Cairn wrote
    for (std::size_t i = 0; i + 1 < events.size(); ++i) CHECK_FALSE(events[i].contains("damaged"));
  }

  TEST_CASE("search filters, pages newest first without overlap") {
    RouteFixture f;
    for (int i = 0; i < 5; ++i)
      REQUIRE(f.post("/v1/workflows", {{"type", "test.wait"}, {"id", "s" + std::to_string(i)}}).status == 201);
    REQUIRE(f.post("/v1/workflows", {{"type", "bench.steps"}, {"id", "b"}}).status == 201);
    REQUIRE(f.call("GET", "/v1/workflows/b?wait=60s").body["status"] == "completed");
    std::set<std::string> seen;
    Json cursor = nullptr;
    do {
      std::string target = "/v1/workflows?type=test.wait&limit=2";
      if (cursor.is_string()) target += "&cursor=" + cursor.get<std::string>();
      Answer page = f.call("GET", target);
      REQUIRE(page.status == 200);
      for (const auto& w : page.body["workflows"]) {
        CHECK(w["type"] == "test.wait");
        CHECK(seen.insert(w["id"].get<std::string>()).second);
        CHECK(keys(w) == std::set<std::string>{"id", "type", "status", "created_at", "updated_at", "stuck_reason",
                                               "waiting_on"});
      }
      cursor = page.body["next_cursor"];
    } while (!cursor.is_null());
    CHECK(seen.size() == 5);
    Answer done = f.call("GET", "/v1/workflows?status=completed");
    REQUIRE(done.body["workflows"].size() == 1);
    CHECK(done.body["workflows"][0]["id"] == "b");
    CHECK(f.call("GET", "/v1/workflows?stuck=true").body["workflows"].empty());
    CHECK(f.call("GET", "/v1/workflows?created_after=2999-01-01T00:00:00Z").body["workflows"].empty());
    CHECK(f.call("GET", "/v1/workflows?created_before=2000-01-01T00:00:00%2B02:00").body["workflows"].empty());
  }

  TEST_CASE("signals are acknowledged with a seq and deduplicated by key; queries read live state") {
    RouteFixture f;
    REQUIRE(f.post("/v1/workflows", {{"type", "test.wait"}, {"id", "sg"}}).status == 201);
    Answer q = f.call("GET", "/v1/workflows/sg/queries/state");
    CHECK(q.status == 200);
    CHECK(q.body == Json{{"result", "waiting for go"}});
    check_error(f.call("GET", "/v1/workflows/sg/queries/nope"), 404, "not_found");
    Answer s1 = f.post("/v1/workflows/sg/signals/other", {{"n", 1}}, {{"idempotency-key", "sig-1"}});
    CHECK(s1.status == 202);
    CHECK(s1.body["seq"].is_number_integer());
    Answer s2 = f.post("/v1/workflows/sg/signals/other", {{"n", 1}}, {{"idempotency-key", "sig-1"}});
    CHECK(s2.status == 202);
    CHECK(s2.body["seq"] == s1.body["seq"]);
    check_error(f.post("/v1/workflows/nobody/signals/go", Json::object()), 404, "not_found");
    check_error(f.post("/v1/workflows/sg/signals/bad%20name", Json::object()), 400, "bad_request");
    REQUIRE(f.post("/v1/workflows/sg/signals/go", Json::object()).status == 202);
    REQUIRE(f.call("GET", "/v1/workflows/sg?wait=60s").body["status"] == "completed");
    check_error(f.post("/v1/workflows/sg/signals/go", Json::object()), 409, "conflict");
  }

  TEST_CASE("cancel, terminate and retry answer 202 or 409 by status") {
    RouteFixture f;
    REQUIRE(f.post("/v1/workflows", {{"type", "test.wait"}, {"id", "c1"}}).status == 201);
    REQUIRE(f.post("/v1/workflows", {{"type", "test.wait"}, {"id", "t1"}}).status == 201);
    check_error(f.call("POST", "/v1/workflows/c1/retry"), 409, "conflict");
    CHECK(f.call("POST", "/v1/workflows/c1/cancel").status == 202);
    Answer cancelled = f.call("GET", "/v1/workflows/c1?wait=60s");
    CHECK(cancelled.body["status"] == "cancelled");
    check_error(f.call("POST", "/v1/workflows/c1/cancel"), 409, "conflict");
    check_error(f.call("POST", "/v1/workflows/t1/terminate"), 400, "bad_request");
    check_error(f.post("/v1/workflows/t1/terminate", {{"reason", ""}}), 400, "bad_request");
    CHECK(f.post("/v1/workflows/t1/terminate", {{"reason", "test says stop"}}).status == 202);
    Answer terminated = f.call("GET", "/v1/workflows/t1?wait=60s");
    CHECK(terminated.body["status"] == "terminated");
    CHECK(terminated.body["error"].get<std::string>().find("test says stop") != std::string::npos);
    check_error(f.post("/v1/workflows/t1/terminate", {{"reason", "again"}}), 409, "conflict");
    check_error(f.call("POST", "/v1/workflows/ghost/cancel"), 404, "not_found");
    // Open server: admin actions are journaled and audited as `anonymous`.
    Answer audit = f.call("GET", "/v1/audit");
    REQUIRE(audit.status == 200);
    bool found = false;
    for (const auto& e : audit.body["entries"]) found |= e["action"] == "terminate" && e["target"] == "t1";
    CHECK(found);
  }

  TEST_CASE("workflow types, health, readiness, metrics and the admin page") {
    RouteFixture f;
    Answer types = f.call("GET", "/v1/workflow-types");
    REQUIRE(types.status == 200);
    bool found = false;
    for (const auto& t : types.body["types"])
      if (t["name"] == "test.wait") {
        found = true;
        CHECK(t["versions"] == Json::array({1}));
        CHECK(t["signals"] == Json::array({"go"}));
        CHECK(t["queries"] == Json::array({"state"}));
      }
    CHECK(found);
    CHECK(f.call("GET", "/healthz").status == 200);
    CHECK(f.call("GET", "/readyz").status == 200);
    REQUIRE(f.post("/v1/workflows", {{"type", "bench.steps"}, {"id", "m"}}).status == 201);
    REQUIRE(f.call("GET", "/v1/workflows/m?wait=60s").body["status"] == "completed");
    Answer m = f.call("GET", "/metrics");
    CHECK(m.status == 200);
    CHECK(m.raw.content_type.find("text/plain") == 0);
    for (const char* name : {"cairn_workflow_starts_total 1", "cairn_workflow_completions_total{status=\"completed\"}",
                             "cairn_activity_attempts_total", "cairn_journal_batches_per_commit_bucket{le=\"+Inf\"}",
                             "cairn_journal_commit_seconds_sum", "cairn_engine_queue_depth", "cairn_stuck_runs 0"})
      CHECK_MESSAGE(m.raw.body.find(name) != std::string::npos, std::string(name));
    Answer ui = f.call("GET", "/ui/");
    CHECK(ui.status == 200);
    CHECK(ui.raw.content_type.find("text/html") == 0);
    CHECK(ui.raw.body.find("/v1/workflows") != std::string::npos);
    CHECK(f.call("GET", "/ui").status == 308);
  }

  TEST_CASE("/ui redirects to /ui/ keeping the query string, so ?token= still opens the page") {
    RouteFixture f;
    Answer bare = f.call("GET", "/ui");
    CHECK(bare.status == 308);
    CHECK(bare.header("Location") == "/ui/");
    Answer with_token = f.call("GET", "/ui?token=s3%20cret&x=1");
    CHECK(with_token.status == 308);
    CHECK(with_token.header("Location") == "/ui/?token=s3%20cret&x=1");
    CHECK(with_token.body["error"]["code"] == "moved");  // every non-2xx answer has the error body (it was {})
  }
}
