// Router: method + path -> handler. 404 for an unknown path, 405 with `Allow` for a known path
// and wrong method, 503 for API routes until the engine is ready, then the browser guard (403,
// audited: browser_guard.h), then auth (401/403, audited), then body checks (415, 400), then the
// handler. HEAD is routed as GET (the server drops the body). The checks up to 415 can also be
// run on a head alone (screen()), before the client sends its body.
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
  // For a request whose client waits for `100 Continue` before it sends the body: the checks its
  // head decides (404, 405, 503, the browser guard's 403, 401, 403, 415 for a body that is not
  // JSON). Answers the refusal, audited and counted as dispatch() would, or a 100 (not counted: the
  // request is, once dispatched whole).
  void screen(Request request, Reply done);
  // True for paths answered even under overload and during recovery (health, readiness, metrics).
  static bool is_operational(std::string_view path);

 private:
  struct Compiled {
    Route route;
    std::vector<std::string> segments;
  };
  static bool match(const Compiled& c, Request& request);
  // The checks before the body's: returns the route, or null having answered the refusal with `done`.
  const Route* admit(Request& request, Reply& done);
  // Answers 401/403 once the audit entry is durable; `why` replaces the role message of a 403.
  // `by_guard`: a 403 of the browser guard, decided before any token is read.
  void deny(Request request, const Route& route, ApiError error, Reply done, std::string why = "",
            bool by_guard = false);
  // Whether this denial of a caller no token identifies (a 401, or a 403 of the browser guard)
  // gets its own audit entry, within `budget` (denial_budget.h); when it does, the summary of the
  // ones counted in `unaudited` before it (`what`: "401s") is written first.
  bool audits_unidentified(const store::AuditEntry& entry, DenialBudget& budget, std::atomic<std::uint64_t>& unaudited,
                           std::string_view what);

  Context& ctx_;
  std::vector<Compiled> routes_;
};

}  // namespace cairn::api
