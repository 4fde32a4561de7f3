// Auth matrix: who may call what; every 403 and every 401 (past 20 a second: in one summary) lands in
// the audit log; the browser guard.
#include <doctest/doctest.h>

#include <map>
#include <thread>

#include "api/route_fixture.h"

using cairn::Json;
using cairn::test::Answer;
using cairn::test::RouteFixture;

namespace {

const char* kTokens = "# roles\nadmin adm-secret\nservice svc-secret\nservice svc-two\n";
std::map<std::string, std::string> bearer(const std::string& t) { return {{"authorization", "Bearer " + t}}; }

}  // namespace

TEST_SUITE("api") {
  TEST_CASE("token files give labels per role and reject bad lines") {
    auto auth = cairn::api::Auth::parse(kTokens);
    REQUIRE(auth);
    CHECK(auth->size() == 3);
    CHECK(auth->authenticate("Bearer svc-two")->name == "service#2");
    CHECK(auth->authenticate("Bearer adm-secret")->role == "admin");
    CHECK(auth->authenticate("bearer adm-secret")->role == "admin");  // the scheme is case-insensitive
    CHECK(auth->authenticate("Bearer   adm-secret")->role == "admin");  // one or more spaces (it was 401)
    CHECK_FALSE(auth->authenticate("Bearer    "));
    CHECK(auth->authenticate("BEARER svc-two")->name == "service#2");
    CHECK_FALSE(auth->authenticate("Bearer ADM-SECRET"));  // the token is not
    CHECK_FALSE(auth->authenticate("Bearer nope"));
    CHECK_FALSE(auth->authenticate("Basic adm-secret"));
    CHECK_FALSE(auth->authenticate(""));
    CHECK_FALSE(cairn::api::Auth::parse("root x\n"));
    CHECK_FALSE(cairn::api::Auth::parse("admin\n"));
    CHECK_FALSE(cairn::api::Auth::parse("admin a b\n"));
    // A token on two lines (two roles: which one counted hung on their order) names both lines.
    for (const char* twice : {"admin a\nservice a\n", "service a\n# x\nadmin a\n", "admin a\nadmin a\n"}) {
      CAPTURE(twice);
      auto refused = cairn::api::Auth::parse(twice);
      REQUIRE_FALSE(refused);
      CHECK(refused.status().message().find("the token of line 1 again") != std::string::npos);
    }
    CHECK(cairn::api::Auth().authenticate("")->name == "anonymous");
  }

  TEST_CASE("the admin page takes its token as a header, as ?token= (then kept in a cookie for reloads), or not at all") {
    RouteFixture f(kTokens);
    CHECK(f.call("GET", "/ui/", "", bearer("svc-secret")).status == 200);
    Answer by_address = f.call("GET", "/ui/?token=adm-secret");
    REQUIRE(by_address.status == 200);
    const std::string cookie = by_address.header("Set-Cookie");
    CHECK(cookie == "cairn_ui_token=61646d2d736563726574; Path=/ui/; HttpOnly; SameSite=Strict");
    const std::string kept = cookie.substr(0, cookie.find(';'));
    CHECK(f.call("GET", "/ui/", "", {{"cookie", "theme=dark; " + kept}}).status == 200);  // the reload
    CHECK(f.call("GET", "/ui/", "", {{"cookie", "cairn_ui_token=6e6f7065"}}).status == 401);  // "nope"
    CHECK(f.call("GET", "/ui/", "", {{"cookie", "xcairn_ui_token=61646d2d736563726574"}}).status == 401);
    CHECK(f.call("GET", "/ui/?token=nope").status == 401);
    CHECK(f.call("GET", "/v1/workflows?token=adm-secret").status == 401);  // the page only
    CHECK(f.call("GET", "/v1/workflows", "", {{"cookie", kept}}).status == 401);
  }

  TEST_CASE("no or unknown token is 401 and audited; health and readiness stay open") {
    RouteFixture f(kTokens);
    CHECK(f.call("GET", "/healthz").status == 200);
    CHECK(f.call("GET", "/readyz").status == 200);
    Answer a = f.call("GET", "/v1/workflows");
    CHECK(a.status == 401);
    CHECK(a.code() == "unauthorized");
    CHECK(a.header("WWW-Authenticate") == "Bearer");
    CHECK(f.call("GET", "/metrics").status == 401);
    CHECK(f.call("GET", "/ui/").status == 401);  // API.md: any valid token (it was served to anyone)
    CHECK(f.call("POST", "/v1/workflows/x/cancel", "", bearer("wrong")).status == 401);
    Answer audit = f.call("GET", "/v1/audit", "", bearer("adm-secret"));
    REQUIRE(audit.status == 200);
    const Json& entries = audit.body["entries"];
    REQUIRE(entries.size() == 4);  // search, metrics, ui, cancel: the open routes are not denied
    // Newest first.
    CHECK(entries[0] == Json{{"at", entries[0]["at"]}, {"actor", "anonymous"}, {"role", nullptr}, {"action", "cancel"},
                             {"target", "x"}, {"outcome", "unauthorized"}});
    CHECK(entries[1]["action"] == "ui");
    CHECK(entries[3]["action"] == "search");
    CHECK(entries[3]["target"] == "/v1/workflows");
  }

  TEST_CASE("service may start, signal, query and read; admin actions are 403 for it and audited") {
    RouteFixture f(kTokens);
    auto svc = bearer("svc-secret");
    CHECK(f.post("/v1/workflows", {{"type", "test.wait"}, {"id", "a1"}}, svc).status == 201);
    CHECK(f.call("GET", "/v1/workflows/a1", "", svc).status == 200);
    CHECK(f.call("GET", "/v1/workflows/a1/history", "", svc).status == 200);
    CHECK(f.call("GET", "/v1/workflows/a1/queries/state", "", svc).status == 200);
    CHECK(f.call("GET", "/v1/workflow-types", "", svc).status == 200);
    CHECK(f.call("GET", "/metrics", "", svc).status == 200);
    for (const char* action : {"cancel", "retry"}) {
      Answer a = f.call("POST", std::string("/v1/workflows/a1/") + action, "", svc);
      CHECK(a.status == 403);
      CHECK(a.code() == "forbidden");
    }
    CHECK(f.post("/v1/workflows/a1/terminate", {{"reason", "x"}}, svc).status == 403);
    CHECK(f.post("/v1/workflows/a1/skip", {{"result", 1}}, svc).status == 403);
    CHECK(f.call("GET", "/v1/audit", "", svc).status == 403);
    CHECK(f.call("GET", "/v1/workflows/a1", "", svc).body["status"] == "waiting");
    CHECK(f.post("/v1/workflows/a1/signals/go", Json::object(), svc).status == 202);

    auto admin = bearer("adm-secret");
    REQUIRE(f.post("/v1/workflows", {{"type", "test.wait"}, {"id", "a2"}}, admin).status == 201);
    CHECK(f.call("POST", "/v1/workflows/a2/cancel", "", admin).status == 202);
    Answer audit = f.call("GET", "/v1/audit?limit=100", "", admin);
    REQUIRE(audit.status == 200);
    int forbidden = 0, cancels_by_admin = 0;
    for (const auto& e : audit.body["entries"]) {
      if (e["outcome"] == "forbidden") {
        ++forbidden;
        CHECK(e["actor"] == "service#1");
        CHECK(e["role"] == "service");
      }
      if (e["action"] == "cancel" && e["actor"] == "admin#1") ++cancels_by_admin;
    }
    CHECK(forbidden == 5);  // cancel, retry, terminate, skip, audit
    CHECK(cancels_by_admin == 1);
    Answer page = f.call("GET", "/v1/audit?limit=2", "", admin);
    CHECK(page.body["entries"].size() == 2);
    REQUIRE(page.body["next_cursor"].is_string());
    Answer next = f.call("GET", "/v1/audit?limit=2&cursor=" + page.body["next_cursor"].get<std::string>(), "", admin);
    CHECK(next.body["entries"][0] != page.body["entries"][1]);
  }

  TEST_CASE("an open server refuses cross-site writes (CSRF) and names that are not loopback (DNS rebinding)") {
    RouteFixture f;  // no tokens: every caller is the anonymous admin
    const auto from = [](const std::string& origin, const std::string& host) {
      std::map<std::string, std::string> h{{"host", host}};
      if (!origin.empty()) h["origin"] = origin;
      return h;
    };
    REQUIRE(f.post("/v1/workflows", {{"type", "test.wait"}, {"id", "victim"}}).status == 201);

    // What a page on another site gets when it posts to the loopback server in a no-cors fetch.
    Answer csrf = f.call("POST", "/v1/workflows/victim/cancel", "", from("http://evil.example", "127.0.0.1:8080"));
    CHECK(csrf.status == 403);
    CHECK(csrf.code() == "forbidden");
    CHECK(csrf.message().find("Origin http://evil.example is not this server") != std::string::npos);
    CHECK(f.call("POST", "/v1/workflows/victim/retry", "", from("null", "127.0.0.1:8080")).status == 403);
    CHECK(f.call("GET", "/v1/workflows/victim").body["status"] == "waiting");  // nothing was cancelled
    Answer audit = f.call("GET", "/v1/audit?limit=2");
    REQUIRE(audit.body["entries"].size() == 2);
    CHECK(audit.body["entries"][1]["action"] == "cancel");
    CHECK(audit.body["entries"][1]["outcome"] == "forbidden");

    // A page rebound to 127.0.0.1 under its own name addresses the server by that name.
    Answer rebound = f.call("GET", "/v1/workflows/victim", "", from("", "evil.example:8080"));
    CHECK(rebound.status == 403);
    CHECK(rebound.message().find("Host evil.example:8080 is not one") != std::string::npos);
    CHECK(f.call("GET", "/healthz", "", from("", "127.0.0.1.evil.example")).status == 403);
    for (const char* host : {"127.0.0.1:8080", "LOCALHOST:1", "[::1]:8080", "127.3.2.1", "localhost"})
      CHECK(f.call("GET", "/v1/workflows/victim", "", from("", host)).status == 200);

    // The admin page's own calls are same-origin: they go through.
    CHECK(f.call("POST", "/v1/workflows/victim/cancel", "", from("http://127.0.0.1:8080", "127.0.0.1:8080")).status == 202);
  }

  TEST_CASE("with tokens, any Host is served but a cross-site write is still refused") {
    RouteFixture f(kTokens);
    auto admin = bearer("adm-secret");
    admin["host"] = "cairn.internal:8080";
    REQUIRE(f.post("/v1/workflows", {{"type", "test.wait"}, {"id", "t1"}}, admin).status == 201);
    CHECK(f.call("GET", "/v1/workflows/t1", "", admin).status == 200);
    auto cross = admin;
    cross["origin"] = "https://evil.example";
    CHECK(f.call("POST", "/v1/workflows/t1/cancel", "", cross).status == 403);
    cross["origin"] = "https://CAIRN.internal:8080";
    CHECK(f.call("POST", "/v1/workflows/t1/cancel", "", cross).status == 202);
  }

  TEST_CASE("401s past 20 a second are counted, then summarised with the next one audited") {
    cairn::api::DenialBudget budget;
    std::int64_t earlier = -1;
    for (int i = 0; i < cairn::api::DenialBudget::kPerSecond; ++i) {
      CHECK(budget.admit(5'000 + i, earlier));
      CHECK(earlier == 0);
    }
    CHECK_FALSE(budget.admit(5'500, earlier));
    CHECK_FALSE(budget.admit(5'999, earlier));
    CHECK(budget.admit(6'000, earlier));
    CHECK(earlier == 2);
    CHECK(budget.admit(6'001, earlier));
    CHECK(earlier == 0);
  }

  TEST_CASE("a flood of denials nobody's token is behind is answered in full but audited at a bounded rate, with a summary") {
    struct Flood {
      const char* name;
      const char* method;
      const char* target;
      std::map<std::string, std::string> headers;  // of each request
      int status;
      std::atomic<std::uint64_t> cairn::api::HttpCounters::*unaudited;
      const char* counted;   // what the summary says it counts
      const char* outcome;   // the entries' action and outcome
    };
    const Flood floods[] = {
        {"no token", "GET", "/v1/workflows", {}, 401, &cairn::api::HttpCounters::unaudited_401, "401s", "unauthorized"},
        // Decided before the token is read: a valid one does not change it (an outside network audit).
        {"a cross-site write", "POST", "/v1/workflows/nope/cancel", {{"origin", "https://evil.example"}, {"authorization", "Bearer adm-secret"}}, 403,
         &cairn::api::HttpCounters::unaudited_guard_403, "403s of the browser guard", "forbidden"},
    };
    for (const Flood& flood : floods) {
      CAPTURE(flood.name);
      RouteFixture f(kTokens);
      const auto second = [&] { return f.engine().now() / 1000; };
      const auto first_second = second();
      for (int i = 0; i < 100; ++i) CHECK(f.call(flood.method, flood.target, "", flood.headers).status == flood.status);
      const auto last_second = second();
      const auto unaudited = static_cast<std::int64_t>((f.ctx().counters.*flood.unaudited).load());
      // Every denial was a commit before it was answered: 100 entries, as many as anyone could send.
      CHECK(100 - unaudited <= cairn::api::DenialBudget::kPerSecond * (last_second - first_second + 1));
      REQUIRE(unaudited > 0);
      while (second() == last_second) std::this_thread::yield();  // the budget's next second
      CHECK(f.call(flood.method, flood.target, "", flood.headers).status == flood.status);
      // Every denial not audited is in a summary now: one per second that had some (a slow build
      // spreads the flood over several), each written before the audited denial that carried it.
      Answer audit = f.call("GET", "/v1/audit?limit=500", "", bearer("adm-secret"));
      const std::string tail = std::string(" more ") + flood.counted + " in earlier seconds, past 20 a second";
      std::int64_t summarised = 0;
      int summaries = 0;
      for (const auto& e : audit.body["entries"]) {
        const std::string target = e.value("target", "");
        if (target.size() <= tail.size() || target.compare(target.size() - tail.size(), tail.size(), tail) != 0) continue;
        CHECK(e["action"] == flood.outcome);
        CHECK(e["outcome"] == flood.outcome);
        summarised += std::stoll(target.substr(0, target.size() - tail.size()));
        ++summaries;
      }
      CHECK(summaries >= 1);
      CHECK(summarised == unaudited);
    }
  }

}
