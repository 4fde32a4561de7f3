// The Beast server in-process: keep-alive (empty lines before a request skipped), 413, 429 under
// the in-flight and connection bounds, 503 when draining, 400 for malformed or unservable framing,
// HEAD, Date, absolute-form targets, 100 Continue (and the refusals a head gets instead).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "api/route_fixture.h"
#include "api/server.h"

using cairn::Json;
using cairn::api::HttpClient;
using cairn::test::RouteFixture;

namespace {

struct Served {
  // `tokens`: a --tokens file's text ("" is an open server).
  explicit Served(cairn::api::ServerOptions o = {}, const std::string& tokens = "")
      : f(tokens), server(f.router(), f.ctx(), with_port0(o)) {
    REQUIRE(server.start());
  }
  static cairn::api::ServerOptions with_port0(cairn::api::ServerOptions o) {
    o.port = 0;
    return o;
  }
  // A server that handles one request at a time (--max-inflight 1).
  static cairn::api::ServerOptions one_slot() {
    cairn::api::ServerOptions o;
    o.max_in_flight = 1;
    return o;
  }
  HttpClient client() { return HttpClient("127.0.0.1", server.port()); }
  // Starts run `id` of test.wait (it waits for signal `go`).
  void start_waiting(const std::string& id) {
    REQUIRE(client().request("POST", "/v1/workflows", R"({"type":"test.wait","id":")" + id + R"("})")->status == 201);
  }
  // Sends a 60 s long-poll of run `id` on `c`; returns once it is dispatched (the only request
  // in flight), the event the tests wait for.
  void long_poll(HttpClient& c, const std::string& id) {
    REQUIRE(c.send_raw("GET /v1/workflows/" + id + "?wait=60s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    while (f.ctx().counters.in_flight.load() < 1) std::this_thread::yield();
  }
  // Sends `bytes` on `c`: the status of the answer that comes, -1 when none does.
  static int status_after(HttpClient& c, const std::string& bytes) {
    REQUIRE(c.send_raw(bytes));
    auto r = c.read_response();
    return r ? r->status : -1;
  }
  // Sends `bytes` on a new connection: the answer is 400 bad_request, and the connection closes.
  void expect_bad_request(const std::string& bytes) {
    HttpClient c = client();
    REQUIRE(c.send_raw(bytes));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(Json::parse(r->body)["error"]["code"] == "bad_request");
    CHECK(r->header("connection") == "close");
  }
  RouteFixture f;
  cairn::api::Server server;
};

}  // namespace

TEST_SUITE("api") {
  TEST_CASE("one connection serves many requests with keep-alive") {
    Served s;
    HttpClient c = s.client();
    for (int i = 0; i < 5; ++i) {
      auto r = c.request("GET", "/healthz");
      REQUIRE(r);
      CHECK(r->status == 200);
    }
    auto r = c.request("POST", "/v1/workflows", R"({"type":"bench.steps","id":"ka"})");
    REQUIRE(r);
    CHECK(r->status == 201);
    auto polled = c.request("GET", "/v1/workflows/ka?wait=60s");
    REQUIRE(polled);
    CHECK(Json::parse(polled->body)["status"] == "completed");
  }

  TEST_CASE("a body over 1 MiB is 413 before it is read, a malformed target is 400") {
    Served s;
    HttpClient c = s.client();
    REQUIRE(c.send_raw("POST /v1/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                       "Content-Length: 2000000\r\n\r\n{"));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(Json::parse(r->body)["error"]["code"] == "payload_too_large");
    HttpClient d = s.client();
    REQUIRE(d.send_raw("GET nothing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    auto bad = d.read_response();
    REQUIRE(bad);
    CHECK(bad->status == 400);
  }

  TEST_CASE("over the in-flight bound requests are 429 with Retry-After; health still answers") {
    Served s(Served::one_slot());
    s.start_waiting("held");
    HttpClient holder = s.client();
    s.long_poll(holder, "held");
    HttpClient other = s.client();
    auto r = other.request("GET", "/v1/workflows");
    REQUIRE(r);
    CHECK(r->status == 429);
    CHECK(r->header("retry-after") == "1");
    CHECK(Json::parse(r->body)["error"]["code"] == "overloaded");
    CHECK(other.request("GET", "/healthz")->status == 200);
    std::promise<cairn::Result<std::int64_t>> sent;
    s.f.engine().signal("held", "go", Json::object(), "", [&](cairn::Result<std::int64_t> seq) { sent.set_value(seq); });
    REQUIRE(sent.get_future().get());
    auto held = holder.read_response();
    REQUIRE(held);
    CHECK(Json::parse(held->body)["status"] == "completed");
    CHECK(other.request("GET", "/v1/workflows")->status == 200);
  }

  TEST_CASE("a connection past the bound is answered 429 naming it and closed; those within it are served") {
    cairn::api::ServerOptions o;
    o.max_connections = 1;
    Served s(o);
    HttpClient first = s.client();
    REQUIRE(first.request("GET", "/healthz")->status == 200);  // its connection is counted
    HttpClient second = s.client();
    auto r = second.request("GET", "/v1/workflows");
    REQUIRE(r);
    CHECK(r->status == 429);
    CHECK(Json::parse(r->body)["error"]["message"] == "too many connections; retry later");
    CHECK(r->header("connection") == "close");
    HttpClient third = s.client();
    auto health = third.request("GET", "/healthz");
    REQUIRE(health);
    CHECK(health->status == 200);  // operational routes answer all
    CHECK(health->header("connection") == "close");  // and it gives its slot back (it was kept open)
    // The first connection was shed too while the third was open (an outside load audit).
    CHECK(first.request("GET", "/v1/workflows")->status == 200);
  }

  TEST_CASE("malformed requests are answered 400 with the error body, then the connection closes") {
    Served s;
    const std::string post = "POST /v1/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    for (const std::string& bytes :
         {post + "Content-Length: -5\r\n\r\n", post + "Content-Length: abc\r\n\r\n",
          post + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", std::string("GET /healthz HTTP/1.1\r\nno colon\r\n\r\n"),
          std::string("GARBAGE\r\n\r\n"), std::string("GET /healthz HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n"),
          post + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
          // Two Hosts: the first was read, and the browser guard let `Host: evil.example` through.
          std::string("GET /v1/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n")}) {
      CAPTURE(bytes);
      s.expect_bad_request(bytes);
    }
  }

  TEST_CASE("empty lines before a request line are skipped: a POST body ended with an extra CRLF keeps its connection") {
    Served s;
    HttpClient c = s.client();
    const std::string body = R"({"type":"bench.steps","id":"crlf"})";
    REQUIRE(c.send_raw("\r\n\r\nPOST /v1/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                       "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body + "\r\n"));
    auto created = c.read_response();
    REQUIRE(created);
    CHECK(created->status == 201);
    // The CRLF after the body, then a line end split from the next request: read as nothing.
    REQUIRE(c.send_raw("\n"));
    auto polled = c.request("GET", "/v1/workflows/crlf?wait=60s");
    REQUIRE(polled);
    CHECK(polled->status == 200);
    CHECK(Json::parse(polled->body)["status"] == "completed");
    CHECK(polled->header("connection") != "close");
  }

  TEST_CASE("a Transfer-Encoding other than chunked is refused and what follows is never read as a request") {
    Served s;
    const std::string head = "POST /v1/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    const std::string cases[] = {
        "Transfer-Encoding: gzip\r\n\r\n" + smuggled,
        "Transfer-Encoding: chunked, identity\r\n\r\n" + smuggled,
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + smuggled,
        "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + smuggled,
    };
    for (const auto& rest : cases) {
      CAPTURE(rest);
      HttpClient c = s.client();
      REQUIRE(c.send_raw(head + rest));
      auto r = c.read_response();
      REQUIRE(r);
      CHECK(r->status == 400);
      CHECK(Json::parse(r->body)["error"]["code"] == "bad_request");
      CHECK(r->header("connection") == "close");
      CHECK_FALSE(c.read_response());  // the smuggled GET got no answer: the server closed
    }
  }

  TEST_CASE("fields after a chunked body are refused, not taken as headers; one over 64 KiB does not take the server down") {
    Served s;
    const std::string head = "POST /v1/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n";
    const std::string body = "2\r\n{}\r\n0\r\n";
    const std::string cases[] = {
        // Beast added these to the head's fields: the trailer's Content-Type made this a 201.
        head + "\r\n" + body + "Content-Type: application/json\r\n\r\n",
        // A value of 64 KiB threw out of Beast's field storage and ended the process.
        head + "Content-Type: application/json\r\n\r\n" + body + "X: " + std::string(65535, 'a') + "\r\n\r\n",
        head + "Content-Type: application/json\r\n\r\n" + body + std::string(70000, 'n') + ": 1\r\n\r\n",
    };
    for (const auto& bytes : cases) {
      CAPTURE(bytes.substr(0, 160));
      s.expect_bad_request(bytes);
      REQUIRE(s.client().request("GET", "/healthz")->status == 200);
    }
    CHECK(s.f.call("GET", "/v1/workflows").body["workflows"].empty());  // nothing was started
  }

  TEST_CASE("HEAD answers like GET without the body") {
    Served s;
    HttpClient c = s.client();
    for (const char* path : {"/healthz", "/readyz", "/v1/workflows"}) {
      CAPTURE(path);
      auto got = c.request("GET", path);
      auto head = c.request("HEAD", path);
      REQUIRE(got);
      REQUIRE(head);
      CHECK(head->status == 200);
      CHECK(head->body.empty());
      CHECK(head->header("content-length") == std::to_string(got->body.size()));
    }
    auto wrong = c.request("HEAD", "/v1/workflows/x/cancel");
    REQUIRE(wrong);
    CHECK(wrong->status == 405);
    CHECK(wrong->body.empty());
  }

  TEST_CASE("every answer carries a Date header, and an absolute-form target is served (RFC 9110, RFC 9112)") {
    Served s;
    HttpClient c = s.client();
    for (const char* path : {"/healthz", "/v1/workflows/nope", "http://cairn.example:8080/healthz"}) {
      CAPTURE(path);
      auto r = c.request("GET", path);
      REQUIRE(r);
      CHECK(r->status == (std::string(path).find("nope") == std::string::npos ? 200 : 404));
      const std::string date = r->header("date");  // "Thu, 03 Dec 2026 09:05:06 GMT"
      REQUIRE(date.size() == 29);
      std::tm parsed{};
      CHECK(strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parsed) == date.c_str() + date.size());
      CHECK(std::abs(timegm(&parsed) - std::time(nullptr)) <= 5);
    }
  }

  TEST_CASE("a draining server answers 503 on open connections and closes them") {
    Served s;
    HttpClient c = s.client();
    REQUIRE(c.request("GET", "/healthz")->status == 200);
    s.server.drain();
    auto r = c.request("GET", "/v1/workflows");
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(Json::parse(r->body)["error"]["code"] == "unavailable");
    CHECK(r->header("connection") == "close");
    CHECK(s.server.wait_idle(std::chrono::seconds(10)));
    HttpClient fresh = s.client();
    CHECK_FALSE(fresh.request("GET", "/healthz"));
  }

  TEST_CASE("shutdown answers long-polls in progress with 503, and closes their connections") {
    Served s;
    s.start_waiting("lp");
    HttpClient poller = s.client();
    s.long_poll(poller, "lp");
    s.server.drain();
    s.f.ctx().watches.cancel_all(cairn::api::error_response(cairn::api::ApiError::kUnavailable, "shutting down"));
    auto r = poller.read_response();
    REQUIRE(r);
    CHECK(r->status == 503);
    CHECK(r->header("connection") == "close");  // it was kept alive until the 2 s grace ended
  }

  TEST_CASE("an answer that comes after the server is gone touches nothing") {
    RouteFixture f;
    auto server = std::make_unique<cairn::api::Server>(f.router(), f.ctx(), Served::with_port0({}));
    REQUIRE(server->start());
    HttpClient c("127.0.0.1", server->port());
    REQUIRE(c.request("POST", "/v1/workflows", R"({"type":"test.wait","id":"late"})")->status == 201);
    REQUIRE(c.send_raw("GET /v1/workflows/late?wait=60s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    while (f.ctx().counters.in_flight.load() < 1) std::this_thread::yield();
    server.reset();  // the engine still holds the long-poll's reply
    std::promise<cairn::Result<std::int64_t>> sent;
    f.engine().signal("late", "go", Json::object(), "", [&](cairn::Result<std::int64_t> seq) { sent.set_value(seq); });
    REQUIRE(sent.get_future().get());
    // The run's watchers (the orphaned long-poll among them) are answered when it settles.
    CHECK(f.call("GET", "/v1/workflows/late?wait=60s").body["status"] == "completed");
    CHECK(f.all_answered());
  }

  TEST_CASE("the browser guard sees the Host and Origin the client sent") {
    Served s;  // open: loopback only
    s.start_waiting("g");
    HttpClient c = s.client();
    CHECK(s.status_after(c, "POST /v1/workflows/g/cancel HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n"
                            "Content-Length: 0\r\n\r\n") == 403);
    CHECK(s.status_after(c, "GET /v1/workflows/g HTTP/1.1\r\nHost: evil.example\r\n\r\n") == 403);
    CHECK(Json::parse(c.request("GET", "/v1/workflows/g")->body)["status"] == "waiting");
  }

  TEST_CASE("a header a request may send once, sent twice, is refused 400 and nothing is started") {
    Served s({}, "admin adm-secret\nservice svc-secret\n");
    HttpClient c = s.client();
    const std::string body = R"({"type":"bench.steps","id":"twice"})";
    const std::string tail = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    const std::string post = "POST /v1/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    const std::string svc = "Authorization: Bearer svc-secret\r\n";
    const std::string json = "Content-Type: application/json\r\n";
    const std::pair<std::string, std::string> cases[] = {
        {"Idempotency-Key", svc + json + "Idempotency-Key: a\r\nIdempotency-Key: b\r\n"},
        {"Authorization", svc + "Authorization: Bearer adm-secret\r\n" + json},
        {"Content-Type", svc + json + "Content-Type: text/plain\r\n"},
        {"Origin", svc + json + "Origin: http://127.0.0.1\r\nOrigin: http://evil.example\r\n"},
    };
    for (const auto& [name, headers] : cases) {
      CAPTURE(name);
      REQUIRE(c.send_raw(post + headers + tail));
      auto r = c.read_response();
      REQUIRE(r);
      CHECK(r->status == 400);
      CHECK(Json::parse(r->body)["error"]["message"] == "the " + name + " header is sent more than once");
      CHECK(r->header("connection") != "close");  // the request was read whole: the connection goes on
    }
    const cairn::api::HttpHeaders as_service{{"Authorization", "Bearer svc-secret"}};
    CHECK(c.request("GET", "/v1/workflows/twice", "", as_service)->status == 404);
    CHECK(c.request("POST", "/v1/workflows", body, as_service)->status == 201);  // sent once, the same start is taken
  }

  TEST_CASE("a body sent with a GET is ignored, whatever its media type") {
    Served s;
    HttpClient c = s.client();
    for (const std::string path : {"/healthz", "/v1/workflows"}) {
      CAPTURE(path);
      CHECK(s.status_after(c, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello") == 200);
      CHECK(s.status_after(c, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                              "Content-Length: 5\r\n\r\n{bad}") == 200);
    }
    // A POST still needs a JSON body.
    CHECK(s.status_after(c, "POST /v1/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello") == 415);
  }

  TEST_CASE("a long-poll whose client closed its connection gives its in-flight slot back at once") {
    Served s(Served::one_slot());
    s.start_waiting("left");
    {
      HttpClient quitter = s.client();
      s.long_poll(quitter, "left");
    }  // the client gives up: its connection closes
    // The slot came back when the server saw the close; it was held for the whole minute.
    CHECK(s.f.all_answered());
    auto r = s.client().request("GET", "/v1/workflows/left");
    REQUIRE(r);
    CHECK(r->status == 200);
    // A poll whose client stays is still answered when its run settles.
    HttpClient poller = s.client();
    s.long_poll(poller, "left");
    REQUIRE(s.f.call("POST", "/v1/workflows/left/signals/go", "{}").status == 202);
    auto polled = poller.read_response();
    REQUIRE(polled);
    CHECK(Json::parse(polled->body)["status"] == "completed");
  }

  TEST_CASE("Expect: 100-continue is answered 100 Continue before the body is sent") {
    Served s;
    HttpClient c = s.client();
    const std::string body = R"({"type":"bench.steps","id":"expect"})";
    REQUIRE(c.send_raw("POST /v1/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                       "Expect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
    auto go = c.read_response();  // curl waited a second for it, then sent the body anyway
    REQUIRE(go);
    CHECK(go->status == 100);
    REQUIRE(c.send_raw(body));
    auto created = c.read_response();
    REQUIRE(created);
    CHECK(created->status == 201);
    // The 100 and the head's checks are not a request of their own.
    CHECK(s.f.ctx().counters.requests.load() == 1);
    CHECK(s.f.ctx().counters.by_class[1].load() == 0);
  }

  TEST_CASE("a head the server refuses is answered without 100 Continue, its body never read") {
    Served s({}, "admin adm-secret\nservice svc-secret\n");
    // Sends a POST head that waits for 100; returns the first answer, which closes the connection.
    const auto first_answer = [&](const std::string& target, const std::string& fields) {
      HttpClient c = s.client();
      REQUIRE(c.send_raw("POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + fields +
                         "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
      auto r = c.read_response();
      REQUIRE(r);
      CHECK(r->header("connection") == "close");
      return r->status;
    };
    const std::string json = "Content-Type: application/json\r\n";
    const std::string service = "Authorization: Bearer svc-secret\r\n";
    CHECK(first_answer("/v1/workflows", json) == 401);
    CHECK(first_answer("/v1/workflows/x/cancel", service + json) == 403);
    CHECK(first_answer("/v1/nowhere", service + json) == 404);
    CHECK(first_answer("/healthz", service + json) == 405);
    CHECK(first_answer("/v1/workflows", service + "Content-Type: text/plain\r\n") == 415);
    CHECK(first_answer("/v1/workflows", service + json + "Host: 127.0.0.2\r\n") == 400);  // framing: two Hosts
    // Each refusal the router made is a request, counted and audited once (a malformed one is not routed).
    CHECK(s.f.ctx().counters.requests.load() == 5);
    CHECK(s.f.ctx().counters.by_class[4].load() == 5);
    auto audit = s.f.call("GET", "/v1/audit", "", {{"authorization", "Bearer adm-secret"}});
    REQUIRE(audit.status == 200);
    std::vector<std::string> outcomes;
    for (const auto& e : audit.body["entries"]) outcomes.push_back(e["outcome"]);
    std::sort(outcomes.begin(), outcomes.end());
    CHECK(outcomes == std::vector<std::string>{"forbidden", "unauthorized"});
    // A head that passes is answered 100, and its request goes on.
    HttpClient c = s.client();
    CHECK(s.status_after(c, "POST /v1/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\n" + service + json +
                                "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n") == 100);
    CHECK(s.status_after(c, "{}") == 400);  // the body's own check: no type
  }
}
