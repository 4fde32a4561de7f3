// Router: method + path -> handler. 404 for an unknown path, 405 with `Allow` for a known path
// and wrong method, 503 for API routes until the engine is ready, then the browser guard (403,
// audited: browser_guard.h), then auth (401/403, audited), then body checks (415, 400), then the
// handler. HEAD is routed as GET (the server drops the body).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/auth.h"
#include "api/context.h"
#include "api/errors.h"
#include "api/http_types.h"

namespace cairn::api {

// A route handler: validates, calls the engine, and calls `done` exactly once, possibly later
// from an engine thread. `request` is valid only during the call: capture what you need.
using Handler = void (*)(const Request& request, Context& ctx, Reply done);

struct Route {
  std::string_view method;
  std::string_view pattern;  // "/v1/workflows/{id}/signals/{name}"
  Access access;
  std::string_view action;   // audit name: "start", "cancel", ...
  Handler handler;
};

class Router {
 public:
  // Installs API.md's routes (the demo routes only when ctx.demo is set). `ctx` must outlive it.
  explicit Router(Context& ctx);

  // Routes `request`; `done` is called exactly once, on this thread or an engine thread.
  void dispatch(Request request, Reply done);
  // True for paths answered even under overload and during recovery (health, readiness, metrics).
  static bool is_operational(std::string_view path);

 private:
  struct Compiled {
    Route route;
    std::vector<std::string> segments;
  };
  static bool match(const Compiled& c, Request& request);
  // Answers 401/403 once the audit entry is durable; `why` replaces the role message of a 403.
  void deny(Request request, const Route& route, ApiError error, Reply done, std::string why = "");
  // Whether this 401 gets its own audit entry (denial_budget.h); when it does, the summary of the
  // 401s counted before it is written first.
  bool audits_401(const store::AuditEntry& entry);

  Context& ctx_;
  std::vector<Compiled> routes_;
};

}  // namespace cairn::api
