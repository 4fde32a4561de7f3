// Fuzz target: raw bytes as an HTTP/1.1 request, parsed by Beast's request parser with the
// server's limits, turned into an api::Request as the server's session does, and dispatched by
// the real Router to the real routes over an Engine on a temporary SQLite store (demo services
// on, no tokens). The answer must obey API.md: a known status, never 500 (a bug), and every
// non-2xx body {"error": {"code", "message"}}.
#include <utility>  // before asio: Boost 1.74 uses std::exchange without including it

#include <stdlib.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <future>
#include <memory>
#include <set>
#include <string>

#include "activities/simulated.h"
#include "api/context.h"
#include "api/errors.h"
#include "api/router.h"
#include "api/validate.h"
#include "engine/engine.h"
#include "store/store.h"
#include "workflows/bench_steps.h"
#include "workflows/order_workflows.h"

namespace {

namespace http = boost::beast::http;
using namespace std::chrono_literals;

// Everything a request needs, alive for the whole process (never destroyed: the engine's threads
// may still run when libFuzzer exits).
struct World {
  World() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cairn-fuzz-http-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) std::abort();
    cairn::store::SqliteOptions o;
    o.path = tmpl + "/fuzz.db";
    o.synchronous_full = false;  // fuzzing speed; durability is the torture's business
    store = std::move(cairn::store::open_sqlite_store(o)).value();
    cairn::register_bench_steps(registry);
    services = std::make_unique<cairn::activities::SimulatedServices>(*store);
    services->register_activities(registry);
    cairn::workflows::register_order_workflows(registry);
    engine = std::make_unique<cairn::engine::Engine>(*store, registry);
    engine->start();
    engine->TEST_wait_idle();
    ctx = std::make_unique<cairn::api::Context>(*engine, cairn::api::Auth{}, store.get());
    router = std::make_unique<cairn::api::Router>(*ctx);
  }
  std::unique_ptr<cairn::store::Store> store;
  cairn::Registry registry;
  std::unique_ptr<cairn::activities::SimulatedServices> services;
  std::unique_ptr<cairn::engine::Engine> engine;
  std::unique_ptr<cairn::api::Context> ctx;
  std::unique_ptr<cairn::api::Router> router;
};

// The server session's limits and parse (api/server.cpp): false when it would answer nothing.
bool parse(const std::uint8_t* data, std::size_t size, http::request_parser<http::string_body>& parser) {
  parser.header_limit(16 * 1024);
  parser.body_limit(cairn::api::kMaxBodyBytes);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t offset = 0;
  while (!parser.is_done()) {
    const std::size_t n = parser.put(boost::asio::const_buffer(data + offset, size - offset), ec);
    offset += n;
    if (ec == http::error::need_more) parser.put_eof(ec);  // every byte was given: the rest never comes
    if (ec || n == 0) break;
  }
  return !ec && parser.is_done();
}

// As the session's to_request (api/server.cpp): the headers the routes read, lower-cased.
bool to_request(const http::request<http::string_body>& in, cairn::api::Request& r) {
  r.method = std::string(in.method_string());
  if (!cairn::api::parse_target(std::string(in.target()), r)) return false;
  for (const char* name : {"Authorization", "Content-Type", "Idempotency-Key", "Host", "Origin"}) {
    auto it = in.find(name);
    if (it == in.end()) continue;
    std::string lower(name);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace(lower, std::string(it->value()));
  }
  r.body = in.body();
  return true;
}

void check(const cairn::api::Response& res) {
  static const std::set<int> kStatuses = {200, 201, 202, 302, 303, 308, 400, 401, 403, 404, 405, 409, 413, 415, 429, 503};
  if (!kStatuses.count(res.status)) {
    std::fprintf(stderr, "status %d: %s\n", res.status, res.body.c_str());
    std::abort();
  }
  if (res.status < 300) return;
  if (res.status < 400) return;  // the /ui redirect
  auto body = cairn::Json::parse(res.body, nullptr, false);
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object() ||
      !body["error"].value("code", cairn::Json()).is_string() || !body["error"].value("message", cairn::Json()).is_string()) {
    std::fprintf(stderr, "status %d without the error body: %s\n", res.status, res.body.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* world = new World();
  http::request_parser<http::string_body> parser;
  if (!parse(data, size, parser)) return 0;
  cairn::api::Request request;
  if (!to_request(parser.get(), request)) return 0;
  auto promise = std::make_shared<std::promise<cairn::api::Response>>();
  auto answer = promise->get_future();
  world->router->dispatch(std::move(request), [promise](cairn::api::Response r) { promise->set_value(std::move(r)); });
  // A long-poll (`?wait=`) answers when its wait ends: end it now, as the server does at shutdown.
  if (answer.wait_for(100ms) != std::future_status::ready)
    world->ctx->watches.cancel_all(cairn::api::error_response(cairn::api::ApiError::kUnavailable, "fuzz: wait ended"));
  if (answer.wait_for(10s) != std::future_status::ready) {
    std::fprintf(stderr, "no answer within 10 s\n");
    std::abort();
  }
  check(answer.get());
  return 0;
}
