// The route table and the checks every request passes before its handler.
#include "api/router.h"

#include <fmt/format.h>

#include <exception>
#include <string>

#include "api/browser_guard.h"
#include "api/page_token.h"
#include "api/routes.h"
#include "api/validate.h"

namespace cairn::api {

namespace {

constexpr Route kRoutes[] = {
    {"POST", "/v1/workflows", Access::kService, "start", handle_start},
    {"GET", "/v1/workflows", Access::kService, "search", handle_search},
    {"GET", "/v1/workflows/{id}", Access::kService, "get", handle_get},
    {"GET", "/v1/workflows/{id}/history", Access::kService, "history", handle_history},
    {"POST", "/v1/workflows/{id}/signals/{name}", Access::kService, "signal", handle_signal},
    {"GET", "/v1/workflows/{id}/queries/{name}", Access::kService, "query", handle_query},
    {"POST", "/v1/workflows/{id}/cancel", Access::kAdmin, "cancel", handle_cancel},
    {"POST", "/v1/workflows/{id}/terminate", Access::kAdmin, "terminate", handle_terminate},
    {"POST", "/v1/workflows/{id}/retry", Access::kAdmin, "retry", handle_retry},
    {"POST", "/v1/workflows/{id}/skip", Access::kAdmin, "skip", handle_skip},
    {"GET", "/v1/workflow-types", Access::kService, "workflow_types", handle_workflow_types},
    {"GET", "/v1/audit", Access::kAdmin, "audit", handle_audit},
    {"GET", "/healthz", Access::kPublic, "healthz", handle_healthz},
    {"GET", "/readyz", Access::kPublic, "readyz", handle_readyz},
    {"GET", "/metrics", Access::kService, "metrics", handle_metrics},
    {"GET", "/ui/", Access::kService, kPageAction, handle_ui},  // its token may come as ?token= (page_token.h)
    {"GET", "/ui", Access::kPublic, "ui", handle_ui_redirect},
};

constexpr Route kDemoRoutes[] = {
    {"PUT", "/v1/demo/inventory/{seller_id}/{sku}", Access::kService, "demo.set_stock", handle_demo_set_stock},
    {"GET", "/v1/demo/inventory", Access::kService, "demo.inventory", handle_demo_inventory},
    {"GET", "/v1/demo/payments", Access::kService, "demo.payments", handle_demo_payments},
    {"GET", "/v1/demo/notifications", Access::kService, "demo.notifications", handle_demo_notifications},
};

// An audit entry the store could not write goes to stderr; the answer goes out all the same.
void log_unwritten(const Status& s) {
  if (!s) std::fprintf(stderr, "cairn api: audit entry not written: %s\n", s.to_string().c_str());
}

// Counts an answer under its status class (cairn_http_responses_total).
void count_answer(Context& ctx, int status) {
  int cls = status / 100;
  if (cls >= 1 && cls <= 5) ctx.counters.by_class[cls].fetch_add(1, std::memory_order_relaxed);
}

// Wraps a reply so every answer is counted once.
Reply counted(Context& ctx, Reply done) {
  ctx.counters.in_flight.fetch_add(1, std::memory_order_relaxed);
  return [&ctx, done = std::move(done)](Response r) {
    ctx.counters.in_flight.fetch_sub(1, std::memory_order_relaxed);
    count_answer(ctx, r.status);
    done(std::move(r));
  };
}

Response not_json() { return error_response(ApiError::kUnsupportedMediaType, "the body must be application/json"); }

// GET routes (and HEAD, answered by them) read no body. One sent with them has no meaning (RFC 9110
// §9.3.1): it is ignored, whatever its media type, so a probe that sends one still gets its answer.
bool reads_body(const Route& route) { return route.method != "GET"; }

}  // namespace

Router::Router(Context& ctx) : ctx_(ctx) {
  auto add = [this](const Route& r) {
    std::vector<std::string> segs;
    for (auto s : split_path(r.pattern)) segs.emplace_back(s);
    routes_.push_back({r, std::move(segs)});
  };
  for (const Route& r : kRoutes) add(r);
  if (ctx.demo)
    for (const Route& r : kDemoRoutes) add(r);
}

bool Router::is_operational(std::string_view path) {
  return path == "/healthz" || path == "/readyz" || path == "/metrics";
}

bool Router::match(const Compiled& c, Request& request) {
  const std::vector<std::string>& segments = request.segments;
  if (c.segments.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = c.segments[i];
    bool is_param = want.size() > 2 && want.front() == '{' && want.back() == '}';
    if (is_param) {
      if (segments[i].empty()) return false;
    } else if (want != segments[i]) {
      return false;
    }
  }
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = c.segments[i];
    if (want.size() > 2 && want.front() == '{')
      request.params[want.substr(1, want.size() - 2)] = segments[i];
  }
  return true;
}

void Router::deny(Request request, const Route& route, ApiError error, Reply done, std::string why, bool by_guard) {
  store::AuditEntry entry;
  entry.at = ctx_.engine.now();
  entry.actor = request.principal.name;
  entry.role = request.principal.role;
  entry.action = std::string(route.action);
  entry.target = request.params.count("id") ? request.params["id"] : request.path;
  bool unauthorized = error == ApiError::kUnauthorized;
  entry.outcome = unauthorized ? "unauthorized" : "forbidden";
  if (why.empty() && !unauthorized) why = "role `" + request.principal.role + "` may not " + std::string(route.action);
  Response r = error_response(error, unauthorized ? "a valid bearer token is required" : why);
  if (unauthorized) {
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    if (!audits_unidentified(entry, ctx_.denials, ctx_.counters.unaudited_401, "401s")) return done(std::move(r));
  } else if (by_guard &&
             !audits_unidentified(entry, ctx_.guard_denials, ctx_.counters.unaudited_guard_403, "403s of the browser guard")) {
    return done(std::move(r));
  }
  // The answer waits for the audit entry, so whoever sees the 401/403 can find it in the log.
  ctx_.engine.record_audit(std::move(entry), [r = std::move(r), done = std::move(done)](Status s) mutable {
    log_unwritten(s);
    done(std::move(r));
  });
}

bool Router::audits_unidentified(const store::AuditEntry& entry, DenialBudget& budget,
                                 std::atomic<std::uint64_t>& unaudited, std::string_view what) {
  std::int64_t earlier = 0;
  if (!budget.admit(entry.at, earlier)) {
    unaudited.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (earlier > 0) {
    store::AuditEntry summary = entry;
    summary.action = entry.outcome;  // unauthorized, forbidden
    summary.target = fmt::format("{} more {} in earlier seconds, past {} a second", earlier, what, DenialBudget::kPerSecond);
    ctx_.engine.record_audit(std::move(summary), log_unwritten);
  }
  return true;
}

const Route* Router::admit(Request& request, Reply& done) {
  const Route* route = nullptr;
  std::string allow;
  for (const Compiled& c : routes_) {
    if (!match(c, request)) continue;
    // HEAD is a GET whose body the server leaves out (RFC 9110 §9.3.2).
    if (c.route.method == request.method || (request.method == "HEAD" && c.route.method == "GET")) {
      route = &c.route;
      break;
    }
    if (!allow.empty()) allow += ", ";
    allow += c.route.method;
    request.params.clear();
  }
  const auto refuse = [&done](Response r) -> const Route* {
    done(std::move(r));
    return nullptr;
  };
  if (!route) {
    if (allow.empty()) return refuse(error_response(ApiError::kNotFound, "no route for " + request.path));
    Response r = error_response(ApiError::kMethodNotAllowed, request.method + " is not allowed here");
    r.headers.emplace_back("Allow", allow);
    return refuse(std::move(r));
  }
  if (route->pattern.starts_with("/v1/") && !ctx_.engine.ready())
    return refuse(error_response(ApiError::kUnavailable, "the engine is recovering"));
  if (auto refusal = browser_refusal(request, ctx_.auth.open())) {
    deny(std::move(request), *route, ApiError::kForbidden, std::move(done), std::move(*refusal), /*by_guard=*/true);
    return nullptr;
  }
  if (route->access != Access::kPublic) {
    auto principal = ctx_.auth.authenticate(route->action == kPageAction ? page_credential(request)
                                                                          : request.header("authorization"));
    if (!principal) {
      deny(std::move(request), *route, ApiError::kUnauthorized, std::move(done));
      return nullptr;
    }
    request.principal = std::move(*principal);
    if (!Auth::allows(request.principal, route->access)) {
      deny(std::move(request), *route, ApiError::kForbidden, std::move(done));
      return nullptr;
    }
  }
  return route;
}

void Router::screen(Request request, Reply done) {
  Reply refuse = [this, done](Response r) {
    ctx_.counters.requests.fetch_add(1, std::memory_order_relaxed);
    count_answer(ctx_, r.status);
    done(std::move(r));
  };
  const Route* route = admit(request, refuse);
  if (!route) return;
  if (reads_body(*route) && !is_json_content_type(request.header("content-type"))) return refuse(not_json());
  done(Response{.status = 100});
}

void Router::dispatch(Request request, Reply reply) {
  ctx_.counters.requests.fetch_add(1, std::memory_order_relaxed);
  Reply done = counted(ctx_, std::move(reply));
  const Route* route = admit(request, done);
  if (!route) return;
  if (reads_body(*route) && !request.body.empty()) {
    if (!is_json_content_type(request.header("content-type")))
      return done(not_json());
    auto json = parse_json(request.body);
    if (!json) return done(error_response(json.status()));
    request.json = std::move(json).value();
  }
  try {
    route->handler(request, ctx_, done);
  } catch (const std::exception& e) {
    done(error_response(Status{Errc::kInternal, std::string(route->action) + ": " + e.what()}));
  }
}

}  // namespace cairn::api
