// Admin actions in the audit log and the journal: accepted and refused ones (404, 409) alike are
// audited with their outcome, and each accepted one is journaled as an AdminAction.
#include <doctest/doctest.h>

#include <tuple>
#include <vector>

#include "api/route_fixture.h"

using cairn::Json;
using cairn::test::RouteFixture;

TEST_SUITE("api") {
  TEST_CASE("every admin action is audited with its outcome, refused ones too") {
    RouteFixture f("admin adm-secret\n");
    const std::map<std::string, std::string> admin{{"authorization", "Bearer adm-secret"}};
    REQUIRE(f.post("/v1/workflows", {{"type", "test.wait"}, {"id", "c1"}}, admin).status == 201);
    CHECK(f.call("POST", "/v1/workflows/c1/cancel", "", admin).status == 202);
    REQUIRE(f.call("GET", "/v1/workflows/c1?wait=60s", "", admin).body["status"] == "cancelled");
    CHECK(f.call("POST", "/v1/workflows/c1/cancel", "", admin).status == 409);
    CHECK(f.post("/v1/workflows/c1/terminate", {{"reason", "late"}}, admin).status == 409);
    CHECK(f.call("POST", "/v1/workflows/c1/retry", "", admin).status == 409);
    CHECK(f.call("POST", "/v1/workflows/ghost/cancel", "", admin).status == 404);
    CHECK(f.post("/v1/workflows/ghost/terminate", {{"reason", "gone"}}, admin).status == 404);
    CHECK(f.call("POST", "/v1/workflows/ghost/retry", "", admin).status == 404);
    CHECK(f.post("/v1/workflows/c1/skip", {{"result", 1}}, admin).status == 409);
    CHECK(f.post("/v1/workflows/ghost/skip", {{"result", 1}}, admin).status == 404);
    CHECK(f.post("/v1/workflows/c1/skip", Json::object(), admin).status == 400);  // no result: before the engine

    // Each answer came after its entry was durable: the log holds all of them, newest first.
    using Entry = std::tuple<std::string, std::string, std::string>;  // action, target, outcome
    std::vector<Entry> logged;
    auto audit = f.call("GET", "/v1/audit", "", admin);
    REQUIRE(audit.status == 200);
    for (const auto& e : audit.body["entries"]) {
      CHECK(e["actor"] == "admin#1");
      CHECK(e["role"] == "admin");
      CHECK(e["at"].is_string());
      logged.emplace_back(e["action"], e["target"], e["outcome"]);
    }
    const std::vector<Entry> expected{
        {"skip", "ghost", "not_found"},  {"skip", "c1", "conflict"},
        {"retry", "ghost", "not_found"}, {"terminate", "ghost", "not_found"}, {"cancel", "ghost", "not_found"},
        {"retry", "c1", "conflict"},     {"terminate", "c1", "conflict"},     {"cancel", "c1", "conflict"},
        {"cancel", "c1", "accepted"}};
    CHECK(logged == expected);
  }

  TEST_CASE("a cancel is journaled as an AdminAction naming the actor, then the CancelRequested it asks for") {
    RouteFixture f("admin adm-secret\n");
    const std::map<std::string, std::string> admin{{"authorization", "Bearer adm-secret"}};
    REQUIRE(f.post("/v1/workflows", {{"type", "test.wait"}, {"id", "c2"}}, admin).status == 201);
    REQUIRE(f.call("POST", "/v1/workflows/c2/cancel", "", admin).status == 202);
    REQUIRE(f.call("GET", "/v1/workflows/c2?wait=60s", "", admin).body["status"] == "cancelled");
    const Json events = f.call("GET", "/v1/workflows/c2/history", "", admin).body["events"];
    REQUIRE(events.size() == 4);  // WorkflowStarted, AdminAction, CancelRequested, WorkflowCancelled
    CHECK(events[1]["type"] == "AdminAction");
    CHECK(events[1]["data"] == Json{{"action", "cancel"}, {"by", "admin#1"}, {"role", "admin"}});
    CHECK(events[2]["type"] == "CancelRequested");
    CHECK(events[3]["type"] == "WorkflowCancelled");
  }
}
