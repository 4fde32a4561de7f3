// HTTP integration: the real `cairn serve` binary, every endpoint and error code over sockets,
// auth and audit, startup refusals, restart with the same database, SIGTERM under load.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "api/server_process.h"
#include "cairn/json.h"

using cairn::Json;
using cairn::api::HttpClient;
using cairn::api::HttpResponse;
using cairn::test::ServerProcess;
using cairn::test::TempDir;

namespace {

HttpResponse must(cairn::Result<HttpResponse> r) {
  REQUIRE_MESSAGE(r, r.status().to_string());
  return std::move(r).value();
}

std::string code_of(const HttpResponse& r) {
  Json j = Json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
}

}  // namespace

TEST_SUITE("api") {
  TEST_CASE("the binary serves every endpoint and error code over one keep-alive connection") {
    TempDir dir;
    ServerProcess server(dir.file("c.db"));
    REQUIRE(server.started());
    HttpClient c = server.client();
    CHECK(must(c.request("GET", "/healthz")).status == 200);
    CHECK(must(c.request("GET", "/readyz")).status == 200);
    auto started = must(c.request("POST", "/v1/workflows", R"({"type":"bench.steps","id":"h1","input":{"steps":2}})"));
    CHECK(started.status == 201);
    CHECK(must(c.request("POST", "/v1/workflows", R"({"type":"bench.steps","id":"h1","input":{"steps":2}})")).status == 200);
    auto conflict = must(c.request("POST", "/v1/workflows", R"({"type":"bench.steps","id":"h1","input":{"steps":3}})"));
    CHECK(conflict.status == 409);
    CHECK(code_of(conflict) == "conflict");
    auto run = must(c.request("GET", "/v1/workflows/h1?wait=60s"));
    CHECK(Json::parse(run.body)["status"] == "completed");
    auto history = Json::parse(must(c.request("GET", "/v1/workflows/h1/history?limit=1")).body);
    CHECK(history["events"].size() == 1);
    CHECK(history["next_cursor"] == 1);
    CHECK(Json::parse(must(c.request("GET", "/v1/workflows?status=completed")).body)["workflows"].size() == 1);
    CHECK(must(c.request("GET", "/v1/workflow-types")).body.find("order.place") != std::string::npos);
    CHECK(code_of(must(c.request("POST", "/v1/workflows/h1/signals/x", "{}"))) == "conflict");
    CHECK(code_of(must(c.request("GET", "/v1/workflows/h1/queries/none"))) == "not_found");
    CHECK(code_of(must(c.request("POST", "/v1/workflows/h1/cancel"))) == "conflict");
    CHECK(code_of(must(c.request("POST", "/v1/workflows/h1/retry"))) == "conflict");
    CHECK(code_of(must(c.request("POST", "/v1/workflows/h1/terminate", R"({"reason":"late"})"))) == "conflict");
    CHECK(must(c.request("GET", "/v1/audit")).status == 200);
    CHECK(must(c.request("GET", "/metrics")).body.find("cairn_workflow_starts_total 1") != std::string::npos);
    CHECK(must(c.request("GET", "/ui/")).header("content-type").find("text/html") == 0);

    CHECK(must(c.request("PUT", "/v1/demo/inventory/s1/sku-1", R"({"available":7})")).status == 200);
    Json inventory = Json::parse(must(c.request("GET", "/v1/demo/inventory")).body);
    REQUIRE(inventory["items"].size() == 1);
    CHECK(inventory["items"][0]["available"] == 7);
    CHECK(Json::parse(must(c.request("GET", "/v1/demo/payments?order=h1")).body)["entries"].empty());
    CHECK(Json::parse(must(c.request("GET", "/v1/demo/notifications?order=h1")).body)["notifications"].empty());
    CHECK(code_of(must(c.request("GET", "/v1/demo/payments"))) == "bad_request");
    CHECK(code_of(must(c.request("PUT", "/v1/demo/inventory/s1/sku-1", R"({"available":-1})"))) == "bad_request");

    CHECK(code_of(must(c.request("GET", "/nothing"))) == "not_found");
    auto wrong = must(c.request("PATCH", "/v1/workflows/h1"));
    CHECK(wrong.status == 405);
    CHECK(wrong.header("allow") == "GET");
    CHECK(code_of(must(c.request("POST", "/v1/workflows", "{oops"))) == "bad_request");
    CHECK(code_of(must(c.request("GET", "/v1/workflows/h1?wait=2m"))) == "bad_request");
    CHECK(code_of(must(c.request("POST", "/v1/workflows", "type=x", {{"Content-Type", "text/plain"}}))) ==
          "unsupported_media_type");
    auto large = must(c.request("POST", "/v1/workflows", std::string((1 << 20) + 1, ' ')));
    CHECK(large.status == 413);
    CHECK(code_of(large) == "payload_too_large");
    // Far more than the socket buffers hold: the server answers after the headers and must drain
    // the rest before closing, or the client's send fails with a broken pipe (it did, ~1 run in 40).
    auto huge = must(server.client().request("POST", "/v1/workflows", std::string(16 << 20, ' ')));
    CHECK(huge.status == 413);
    CHECK(server.stop() == 0);
  }

  TEST_CASE("tokens: 401 and 403 are audited; without tokens only loopback may listen") {
    TempDir dir;
    {
      std::ofstream(dir.file("tokens")) << "admin a-secret\nservice s-secret\n";
    }
    ServerProcess server(dir.file("c.db"), {"--tokens", dir.file("tokens")});
    REQUIRE(server.started());
    HttpClient c = server.client();
    cairn::api::HttpHeaders svc = {{"Authorization", "Bearer s-secret"}}, adm = {{"Authorization", "Bearer a-secret"}};
    CHECK(must(c.request("GET", "/healthz")).status == 200);
    CHECK(code_of(must(c.request("GET", "/v1/workflows"))) == "unauthorized");
    CHECK(code_of(must(c.request("GET", "/metrics"))) == "unauthorized");
    CHECK(must(c.request("GET", "/metrics", "", svc)).status == 200);
    CHECK(must(c.request("POST", "/v1/workflows", R"({"type":"bench.steps","id":"t"})", svc)).status == 201);
    CHECK(code_of(must(c.request("POST", "/v1/workflows/t/cancel", "", svc))) == "forbidden");
    Json audit = Json::parse(must(c.request("GET", "/v1/audit", "", adm)).body);
    REQUIRE(audit["entries"].size() == 3);
    CHECK(audit["entries"][0]["outcome"] == "forbidden");
    CHECK(audit["entries"][0]["actor"] == "service#1");
    CHECK(audit["entries"][0]["target"] == "t");
    CHECK(server.stop() == 0);

    ServerProcess open(dir.file("o.db"), {"--listen", "0.0.0.0:0"});
    CHECK_FALSE(open.started());
    CHECK(open.exit_code() == 2);
  }

  TEST_CASE("a second server on a database in use refuses to start; the first keeps serving") {
    TempDir dir;
    ServerProcess first(dir.file("c.db"));
    REQUIRE(first.started());
    ServerProcess second(dir.file("c.db"));
    CHECK_FALSE(second.started());
    CHECK(second.exit_code() != 0);
    HttpClient c = first.client();
    CHECK(must(c.request("POST", "/v1/workflows", R"({"type":"bench.steps","id":"one"})")).status == 201);
    CHECK(first.stop() == 0);
    ServerProcess after(dir.file("c.db"));  // the lock went with the first process
    REQUIRE(after.started());
    CHECK(after.stop() == 0);
  }

  TEST_CASE("a server on a port already taken exits 1 before it creates its database") {
    TempDir dir;
    ServerProcess first(dir.file("c.db"));
    REQUIRE(first.started());
    const std::string taken = "127.0.0.1:" + std::to_string(first.port());
    ServerProcess second(dir.file("other.db"), {"--listen", taken});
    CHECK_FALSE(second.started());
    CHECK(second.exit_code() == 1);
    CHECK_FALSE(std::filesystem::exists(dir.file("other.db")));  // it used to be created, then left behind
    CHECK_FALSE(std::filesystem::exists(dir.file("other.db-lock")));
    CHECK(first.stop() == 0);
  }

  TEST_CASE("a damaged database is refused with a non-zero exit") {
    TempDir dir;
    {
      std::ofstream(dir.file("bad.db")) << std::string(8192, 'x');
    }
    ServerProcess server(dir.file("bad.db"));
    CHECK_FALSE(server.started());
    CHECK(server.exit_code() != 0);
  }

  TEST_CASE("SIGTERM under load exits 0, loses no acknowledged start, and a restart resumes every run") {
    TempDir dir;
    std::mutex mu;
    std::vector<std::string> acknowledged;
    std::atomic<int> count{0};
    {
      ServerProcess server(dir.file("c.db"));
      REQUIRE(server.started());
      std::vector<std::thread> clients;
      for (int t = 0; t < 4; ++t)
        clients.emplace_back([&, t] {
          HttpClient c = server.client();
          for (int i = 0;; ++i) {
            std::string id = "load-" + std::to_string(t) + "-" + std::to_string(i);
            auto r = c.request("POST", "/v1/workflows",
                               R"({"type":"bench.steps","id":")" + id + R"(","input":{"steps":20}})");
            if (!r || r->status != 201) {
              if (r) CHECK(r->status == 503);
              return;
            }
            std::lock_guard lock(mu);
            acknowledged.push_back(id);
            ++count;
          }
        });
      // SIGTERM once starts are flowing (an event: the acknowledged count), while they still are.
      while (count.load() < 40) std::this_thread::yield();
      CHECK(server.stop(SIGTERM) == 0);
      for (auto& t : clients) t.join();
    }
    REQUIRE(acknowledged.size() >= 40);
    ServerProcess again(dir.file("c.db"));
    REQUIRE(again.started());
    HttpClient c = again.client();
    REQUIRE(must(c.request("GET", "/readyz")).status == 200);  // `listening on` comes after recovery
    for (const auto& id : acknowledged) {
      auto r = must(c.request("GET", "/v1/workflows/" + id + "?wait=60s"));
      REQUIRE(r.status == 200);
      CHECK_MESSAGE(Json::parse(r.body)["status"] == "completed", id);
    }
    CHECK(again.stop() == 0);
  }

  TEST_CASE("after SIGTERM, requests on connections opened before it answer 503 and close; exit is 0") {
    TempDir dir;
    ServerProcess server(dir.file("c.db"));
    REQUIRE(server.started());
    HttpClient kept = server.client();
    REQUIRE(must(kept.request("GET", "/healthz")).status == 200);
    HttpClient half = server.client();
    REQUIRE(must(half.request("GET", "/healthz")).status == 200);  // accepted: not in the listen backlog
    REQUIRE(half.send_raw("GET /v1/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    server.signal(SIGTERM);
    // The event "draining": the listener is closed, so a new connection is refused.
    while (server.client().request("GET", "/healthz")) {
    }
    auto check_refused = [](const HttpResponse& r) {
      CHECK(r.status == 503);
      CHECK(code_of(r) == "unavailable");
      CHECK(r.header("connection") == "close");
    };
    check_refused(must(kept.request("GET", "/v1/workflows")));
    REQUIRE(half.send_raw("\r\n"));  // the rest of a request begun before SIGTERM
    check_refused(must(half.read_response()));
    CHECK(server.wait_exit() == 0);
  }

  TEST_CASE("a long-poll answers when the run finishes, well before its wait ends") {
    TempDir dir;
    ServerProcess server(dir.file("c.db"));
    REQUIRE(server.started());
    HttpClient c = server.client();
    REQUIRE(must(c.request("POST", "/v1/workflows", R"({"type":"bench.steps","id":"lp","input":{"steps":30}})")).status == 201);
    auto before = std::chrono::steady_clock::now();
    auto r = must(c.request("GET", "/v1/workflows/lp?wait=60s"));
    auto waited = std::chrono::steady_clock::now() - before;
    CHECK(Json::parse(r.body)["status"] == "completed");
    CHECK(waited < std::chrono::seconds(30));
    CHECK(server.stop() == 0);
  }
}
