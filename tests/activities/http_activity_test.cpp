// The HTTP activity against a tiny HTTP server on 127.0.0.1: results, idempotency key header,
// retryable and terminal failures, timeouts.
#include <doctest/doctest.h>

#include <utility>  // before asio: g++ 12 needs std::exchange declared first

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <thread>

#include "activities/http_activity.h"
#include "cairn/activity.h"
#include "cairn/registry.h"
#include "cairn/errors.h"

using namespace cairn;
using namespace cairn::activities;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

// Serves `connections` requests on a loopback port, one at a time. The target picks the answer:
// /ok echoes {"body", "key"}, /empty is 204, /busy 503, /throttle 429, /bad 400, /text 200 with
// plain text, /slow answers after 500 ms.
class TinyServer {
 public:
  explicit TinyServer(int connections)
      : acceptor_(ioc_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
        thread_([this, connections] {
          for (int i = 0; i < connections; ++i) serve_one();
        }) {}
  ~TinyServer() { thread_.join(); }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
  }

 private:
  void serve_one() {
    tcp::socket socket(ioc_);
    acceptor_.accept(socket);
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    beast::error_code ec;
    http::read(socket, buffer, req, ec);
    if (ec) return;
    http::response<http::string_body> res{http::status::ok, 11};
    const std::string target(req.target());
    res.set(http::field::content_type, "application/json");
    if (target == "/ok") {
      res.body() = Json{{"body", Json::parse(req.body())}, {"key", std::string(req["Idempotency-Key"])}}.dump();
    } else if (target == "/empty") {
      res.result(http::status::no_content);
    } else if (target == "/busy") {
      res.result(http::status::service_unavailable);
    } else if (target == "/throttle") {
      res.result(http::status::too_many_requests);
    } else if (target == "/bad") {
      res.result(http::status::bad_request);
      res.body() = R"({"error": "no"})";
    } else if (target == "/text") {
      res.body() = "hello";
    } else if (target == "/slow") {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      res.body() = "{}";
    }
    res.prepare_payload();
    http::write(socket, res, ec);
  }

  boost::asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

HttpEndpoint at(const std::string& url, milliseconds timeout = milliseconds{5000}) {
  auto e = parse_http_url(url, timeout);
  REQUIRE(e.is_ok());
  return *e;
}

}  // namespace

TEST_SUITE("activities") {

TEST_CASE("http activity: a 2xx answer is the result and the idempotency key travels as a header") {
  TinyServer server(2);
  auto out = http_post_json(at(server.url("/ok")), Json{{"amount", 5}}, "ord-1/7");
  CHECK(out == Json{{"body", {{"amount", 5}}}, {"key", "ord-1/7"}});
  CHECK(http_post_json(at(server.url("/empty")), Json::object(), "k").is_null());
}

TEST_CASE("http activity: 408/429/5xx and connection failures are retryable, other 4xx terminal") {
  TinyServer server(4);
  CHECK_THROWS_AS(http_post_json(at(server.url("/busy")), Json::object(), "k"), RetryableError);
  CHECK_THROWS_AS(http_post_json(at(server.url("/throttle")), Json::object(), "k"), RetryableError);
  try {
    http_post_json(at(server.url("/bad")), Json::object(), "k");
    FAIL("expected a terminal error");
  } catch (const TerminalError& e) {
    CHECK(e.type() == "http_400");
  }
  CHECK_THROWS_AS(http_post_json(at(server.url("/text")), Json::object(), "k"), TerminalError);

  // A port nobody listens on: connection refused.
  boost::asio::io_context ioc;
  tcp::acceptor probe(ioc, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const auto port = probe.local_endpoint().port();
  probe.close();
  CHECK_THROWS_AS(http_post_json(at("http://127.0.0.1:" + std::to_string(port) + "/x"), Json::object(), "k"),
                  RetryableError);
}

TEST_CASE("http activity: an answer slower than the timeout is a retryable failure") {
  TinyServer server(1);
  auto t = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(http_post_json(at(server.url("/slow"), milliseconds{100}), Json::object(), "k"), RetryableError);
  CHECK(std::chrono::steady_clock::now() - t < std::chrono::milliseconds(450));
}

TEST_CASE("http activity: registered by name, it posts with the attempt's idempotency key") {
  TinyServer server(1);
  Registry reg;
  register_http_activity(reg, "shipping.quote", at(server.url("/ok")));
  const auto* def = reg.find_activity("shipping.quote");
  REQUIRE(def);
  ActivityContext ctx("ord-9", "shipping.quote", 4, 1, 0);
  CHECK(def->run(ctx, Json{{"zip", "75001"}}) == Json{{"body", {{"zip", "75001"}}}, {"key", "ord-9/4"}});
}

TEST_CASE("http activity: URLs are parsed strictly") {
  auto e = parse_http_url("http://svc.local:8081/v1/charge");
  REQUIRE(e.is_ok());
  CHECK(e->host == "svc.local");
  CHECK(e->port == "8081");
  CHECK(e->target == "/v1/charge");
  CHECK(parse_http_url("http://svc").value().target == "/");
  CHECK_FALSE(parse_http_url("https://svc/").is_ok());
  CHECK_FALSE(parse_http_url("http://:80/").is_ok());
  CHECK_FALSE(parse_http_url("http://svc:x/").is_ok());
}

}  // TEST_SUITE
