// Operations routes: workflow types, audit log, health, readiness, metrics and the admin page.
#include <string>

#include "api/errors.h"
#include "api/metrics.h"
#include "api/routes.h"
#include "api/run_json.h"
#include "api/page_token.h"
#include "api/ui_page.h"
#include "api/validate.h"

namespace cairn::api {

void handle_workflow_types(const Request&, Context& ctx, Reply done) {
  Json types = Json::array();
  for (const auto& [name, versions] : ctx.engine.registry().workflows()) {
    if (versions.empty()) continue;
    Json nums = Json::array();
    for (const auto& [v, def] : versions) nums.push_back(v);
    const WorkflowDef& newest = versions.rbegin()->second;
    types.push_back(Json{{"name", name}, {"versions", nums}, {"signals", newest.signals}, {"queries", newest.queries}});
  }
  done(json_response(200, Json{{"types", std::move(types)}}));
}

void handle_audit(const Request& request, Context& ctx, Reply done) {
  std::size_t limit = kDefaultPageLimit;
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    auto l = parse_limit(it->second);
    if (!l) return done(error_response(l.status()));
    limit = *l;
  }
  auto cursor = request.query.find("cursor");
  auto page = ctx.engine.audit(cursor == request.query.end() ? std::string{} : cursor->second, limit);
  if (!page) return done(error_response(page.status()));
  Json entries = Json::array();
  for (const auto& e : page->entries) entries.push_back(audit_json(e));
  done(json_response(200, Json{{"entries", std::move(entries)},
                               {"next_cursor", page->next_cursor.empty() ? Json(nullptr) : Json(page->next_cursor)}}));
}

void handle_healthz(const Request&, Context&, Reply done) { done(json_response(200, Json{{"status", "ok"}})); }

void handle_readyz(const Request&, Context& ctx, Reply done) {
  std::string why = ctx.engine.ready() ? ctx.engine.health() : "recovering";
  if (why.empty()) return done(json_response(200, Json{{"status", "ready"}}));
  done(error_response(ApiError::kUnavailable, "not ready: " + why));
}

void handle_metrics(const Request&, Context& ctx, Reply done) {
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = prometheus_text(ctx);
  done(std::move(r));
}

void handle_ui(const Request& request, Context& ctx, Reply done) {
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::string(ui_page());
  // Let in by ?token= (the router checked it): kept for a reload, the address losing it.
  if (auto it = request.query.find("token"); !ctx.auth.open() && it != request.query.end() && !it->second.empty())
    r.headers.emplace_back("Set-Cookie", page_cookie(it->second));
  done(std::move(r));
}

// The query string goes along: it may carry the page's `?token=`.
// API.md: every non-2xx answer has the error body, this one too.
void handle_ui_redirect(const Request& request, Context&, Reply done) {
  Response r = json_response(308, Json{{"error", {{"code", "moved"}, {"message", "the admin page is at /ui/"}}}});
  r.headers.emplace_back("Location", request.raw_query.empty() ? "/ui/" : "/ui/?" + request.raw_query);
  done(std::move(r));
}

}  // namespace cairn::api
