// ORD-001..005 over HTTP against a real `cairn serve` (CAIRN_BINARY) on a loopback port.
#include <doctest/doctest.h>

#ifdef CAIRN_BINARY

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>  // before asio: g++ 12 needs std::exchange declared first

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cairn/json.h"
#include "store/store.h"
#include "workflows/shop.h"

using cairn::Json;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

// One `cairn serve` on a fresh database; stopped with SIGTERM at the end.
class Server {
 public:
  Server() : db_(std::filesystem::temp_directory_path() / ("cairn-orders-" + std::to_string(::getpid()) + ".db")) {
    int out[2];
    REQUIRE(::pipe(out) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::execl(CAIRN_BINARY, CAIRN_BINARY, "serve", "--listen", "127.0.0.1:0", "--db", db_.c_str(), nullptr);
      ::_exit(127);
    }
    ::close(out[1]);
    FILE* f = ::fdopen(out[0], "r");
    char line[256] = {};
    REQUIRE(std::fgets(line, sizeof line, f) != nullptr);  // "listening on 127.0.0.1:<port>"
    std::string text(line);
    port_ = text.substr(text.rfind(':') + 1);
    while (!port_.empty() && (port_.back() == '\n' || port_.back() == '\r')) port_.pop_back();
    std::fclose(f);
  }
  ~Server() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    cairn::store::remove_database_files(db_.string());
  }

  // {status, body as JSON}
  std::pair<int, Json> call(http::verb verb, const std::string& target, const Json& body = nullptr) {
    boost::asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.connect(resolver.resolve("127.0.0.1", port_));
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!body.is_null()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body.dump();
    }
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return {res.result_int(), Json::parse(res.body(), nullptr, false)};
  }
  Json get(const std::string& target) { return call(http::verb::get, target).second; }
  int post(const std::string& target, const Json& body = nullptr) { return call(http::verb::post, target, body).first; }

  int sent(const std::string& order, const std::string& to, const std::string& kind) {
    int n = 0;
    const Json body = get("/v1/demo/notifications?order=" + order);
    for (const auto& note : body["notifications"])
      n += note["to"] == to && note["kind"] == kind;
    return n;
  }
  int entries(const std::string& order, const std::string& kind) {
    int n = 0;
    const Json body = get("/v1/demo/payments?order=" + order);
    for (const auto& e : body["entries"]) n += e["kind"] == kind;
    return n;
  }
  std::string level(const std::string& seller, const std::string& sku) {
    const Json body = get("/v1/demo/inventory");
    for (const auto& i : body["items"])
      if (i["seller_id"] == seller && i["sku"] == sku) return i["available"].dump() + "/" + i["reserved"].dump();
    return "none";
  }
  // The run once it is no longer running (waiting, or ended), by long-poll: an event, not a sleep.
  Json run(const std::string& id) { return get("/v1/workflows/" + id + "?wait=30s&until=settled"); }
  std::string settled(const std::string& id) { return run(id)["status"].get<std::string>(); }
  int start(const std::string& type, const std::string& id, const Json& input) {
    return post("/v1/workflows", Json{{"type", type}, {"id", id}, {"input", input}});
  }

 private:
  std::filesystem::path db_;
  pid_t pid_ = -1;
  std::string port_;
};

}  // namespace

TEST_SUITE("workflows") {

TEST_CASE("over HTTP: ORD-001..005 against cairn serve") {
  Server s;
  CHECK(s.call(http::verb::put, "/v1/demo/inventory/s-1/sku-1", Json{{"available", 10}}).first == 200);
  CHECK(s.call(http::verb::put, "/v1/demo/inventory/s-2/sku-9", Json{{"available", 5}}).first == 200);

  // ORD-001: placed across two sellers; each seller told once; stock down exactly.
  REQUIRE(s.start("order.place", "order-1", cairn::test::sample_order()) == 201);
  REQUIRE(s.settled("order-1") == "waiting");
  CHECK(s.sent("order-1", "customer", "order_confirmed") == 1);
  CHECK(s.get("/v1/workflows/order-1/queries/status")["result"]["state"] == "pending_fulfillment");
  CHECK(s.sent("order-1", "seller:s-1", "new_order") == 1);
  CHECK(s.sent("order-1", "seller:s-2", "new_order") == 1);
  CHECK(s.level("s-1", "sku-1") == "8/0");
  CHECK(s.level("s-2", "sku-9") == "4/0");

  // ORD-003: shipment confirmed: the customer gets carrier and tracking number.
  CHECK(s.post("/v1/workflows/order-1/signals/shipment.confirmed",
               Json{{"seller_id", "s-1"}, {"carrier", "DHL"}, {"tracking_number", "TRK-1"}}) == 202);
  REQUIRE(s.settled("order-1") == "waiting");
  CHECK(s.sent("order-1", "customer", "shipment") == 1);
  auto notes = s.get("/v1/demo/notifications?order=order-1")["notifications"];
  CHECK(notes.back()["data"] == Json{{"seller_id", "s-1"}, {"carrier", "DHL"}, {"tracking_number", "TRK-1"}});
  CHECK(s.post("/v1/workflows/order-1/signals/shipment.confirmed",
               Json{{"seller_id", "s-2"}, {"carrier", "UPS"}, {"tracking_number", "TRK-2"}}) == 202);
  CHECK(s.post("/v1/workflows/order-1/signals/delivered", Json{{"seller_id", "s-1"}}) == 202);
  CHECK(s.post("/v1/workflows/order-1/signals/delivered", Json{{"seller_id", "s-2"}}) == 202);
  REQUIRE(s.settled("order-1") == "completed");
  CHECK(s.run("order-1")["result"]["state"] == "delivered");
  CHECK(s.sent("order-1", "customer", "feedback_invite") == 1);

  // ORD-002: a high-fraud order: admin alerted, fulfillment paused, the reject path reverses.
  REQUIRE(s.start("order.place", "order-2", cairn::test::sample_order("c-fraud-1")) == 201);
  REQUIRE(s.settled("order-2") == "waiting");
  CHECK(s.sent("order-2", "admin", "fraud_review") == 1);
  CHECK(s.get("/v1/workflows/order-2/queries/status")["result"]["state"] == "fraud_review");
  CHECK(s.level("s-1", "sku-1") == "8/0");
  CHECK(s.entries("order-2", "capture") == 0);
  CHECK(s.post("/v1/workflows/order-2/signals/fraud.review", Json{{"approved", false}, {"by", "alice"}}) == 202);
  REQUIRE(s.settled("order-2") == "completed");
  CHECK(s.run("order-2")["result"]["reason"] == "fraud_rejected");
  CHECK(s.entries("order-2", "void") == 2);
  CHECK(s.sent("order-2", "customer", "order_rejected") == 1);

  // ORD-004: a cancel before shipment: payment reversed, stock restored.
  REQUIRE(s.start("order.place", "order-3", cairn::test::sample_order()) == 201);
  REQUIRE(s.settled("order-3") == "waiting");
  CHECK(s.sent("order-3", "customer", "order_confirmed") == 1);
  CHECK(s.level("s-1", "sku-1") == "6/0");
  CHECK(s.post("/v1/workflows/order-3/cancel") == 202);
  REQUIRE(s.settled("order-3") == "cancelled");
  CHECK(s.entries("order-3", "refund") == 2);
  CHECK(s.level("s-1", "sku-1") == "8/0");
  CHECK(s.level("s-2", "sku-9") == "4/0");
  CHECK(s.sent("order-3", "seller:s-2", "order_cancelled") == 1);

  // ORD-005: a return: seller notified, label, refund (under the original order), restock.
  Json items = Json::array();
  items.push_back(Json{{"sku", "sku-9"}, {"seller_id", "s-2"}, {"qty", 1}});
  REQUIRE(s.start("order.return", "return-1", Json{{"order_id", "order-1"}, {"items", items}, {"reason", "damaged"}}) ==
          201);
  REQUIRE(s.settled("return-1") == "waiting");
  CHECK(s.sent("order-1", "seller:s-2", "return_requested") == 1);
  CHECK(s.sent("order-1", "customer", "return_label") == 1);
  CHECK(s.post("/v1/workflows/return-1/signals/return.received", Json{{"seller_id", "s-2"}}) == 202);
  REQUIRE(s.settled("return-1") == "completed");
  CHECK(s.run("return-1")["result"]["refund"] == 5723);
  CHECK(s.entries("order-1", "refund") == 1);
  CHECK(s.sent("order-1", "customer", "refund") == 1);
  CHECK(s.level("s-2", "sku-9") == "5/0");

  // A bad start is a 400 and creates nothing.
  Json bad = cairn::test::sample_order();
  bad["payments"][0].erase("token");
  CHECK(s.start("order.place", "order-bad", bad) == 400);
  CHECK(s.call(http::verb::get, "/v1/workflows/order-bad").first == 404);
}

}  // TEST_SUITE

#endif  // CAIRN_BINARY
