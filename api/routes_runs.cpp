// Workflow routes: start, get (with long-poll), history and search.
#include <string>

#include "api/errors.h"
#include "api/routes.h"
#include "api/run_json.h"
#include "api/validate.h"

namespace cairn::api {

namespace {

Response bad_request(std::string message) { return error_response(ApiError::kBadRequest, std::move(message)); }

// The run id of `/v1/workflows/{id}/...`, or a 400 answer.
bool take_id(const Request& request, std::string& id, Reply& done) {
  id = request.param("id");
  if (valid_id(id)) return true;
  done(bad_request("invalid run id: ids match [A-Za-z0-9._:-]{1,128}"));
  return false;
}

}  // namespace

void handle_start(const Request& request, Context& ctx, Reply done) {
  const Json& body = request.json;
  if (!body.is_object()) return done(bad_request("body must be a JSON object {\"type\", \"id\", \"input\"}"));
  engine::StartRequest start;
  auto type = body.find("type");
  if (type == body.end() || !type->is_string()) return done(bad_request("`type` (string) is required"));
  start.type = type->get<std::string>();
  if (!ctx.engine.registry().find_workflow(start.type))
    return done(bad_request("unknown workflow type `" + start.type + "`"));
  if (auto id = body.find("id"); id != body.end() && !id->is_null()) {
    if (!id->is_string() || !valid_id(id->get_ref<const std::string&>()))
      return done(bad_request("`id` must be a string matching [A-Za-z0-9._:-]{1,128}"));
    start.id = id->get<std::string>();
  }
  auto input = body.find("input");
  start.input = input == body.end() ? Json::object() : *input;
  start.idempotency_key = request.header("idempotency-key");
  if (request.headers.count("idempotency-key") && !valid_key(start.idempotency_key))
    return done(bad_request("Idempotency-Key must be 1 to 256 printable ASCII characters"));
  ctx.engine.start_run(std::move(start), [done = std::move(done)](Result<engine::StartReply> r) {
    if (!r) return done(error_response(r.status()));
    Response created;
    created.status = r->created ? 201 : 200;
    created.body = start_reply_body(r->id, r->type, r->status);
    done(std::move(created));
  });
}

void handle_get(const Request& request, Context& ctx, Reply done) {
  std::string id;
  if (!take_id(request, id, done)) return;
  Millis wait = 0;
  bool settled = false;
  if (auto it = request.query.find("wait"); it != request.query.end()) {
    auto w = parse_wait(it->second);
    if (!w) return done(error_response(w.status()));
    wait = *w;
  }
  if (auto it = request.query.find("until"); it != request.query.end()) {
    if (it->second != "settled") return done(bad_request("until must be `settled`"));
    settled = true;
  }
  if (wait == 0) {
    auto run = ctx.engine.get(id);
    if (!run) return done(error_response(run.status()));
    return done(json_response(200, run_json(*run)));
  }
  Reply once = ctx.watches.add(std::move(done));
  if (request.client_gone)
    request.client_gone->on_gone([once] { once(error_response(ApiError::kUnavailable, "the client closed the connection")); });
  ctx.engine.watch(id, ctx.engine.now() + wait, settled, [done = std::move(once)](Result<store::RunRecord> r) {
    if (!r) return done(error_response(r.status()));
    done(json_response(200, run_json(*r)));
  });
}

void handle_history(const Request& request, Context& ctx, Reply done) {
  std::string id;
  if (!take_id(request, id, done)) return;
  std::int64_t after = 0;
  std::size_t limit = kDefaultPageLimit;
  if (auto it = request.query.find("after"); it != request.query.end()) {
    auto a = parse_seq(it->second);
    if (!a) return done(error_response(a.status()));
    after = *a;
  }
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    auto l = parse_limit(it->second);
    if (!l) return done(error_response(l.status()));
    limit = *l;
  }
  // A page also ends before the event that would bring its data to kMaxPageDataBytes (unless it
  // is the first): 1,000 events of 1 MiB would be a 1 GB answer built on this thread.
  auto page = ctx.engine.history_page(id, after, limit, kMaxPageDataBytes);
  if (!page) return done(error_response(page.status()));
  Json out = Json::array();
  for (const auto& e : page->events) out.push_back(event_json(e));
  Json next = nullptr;
  if (page->more) next = page->events.back().seq;
  done(json_response(200, Json{{"events", std::move(out)}, {"next_cursor", next}}));
}

void handle_search(const Request& request, Context& ctx, Reply done) {
  store::RunFilter filter;
  for (const auto& [key, value] : request.query) {
    if (key == "status") {
      auto s = store::parse_run_status(value);
      if (!s) return done(bad_request("unknown status `" + value + "`"));
      filter.status = *s;
    } else if (key == "type") {
      filter.type = value;
    } else if (key == "stuck") {
      auto b = parse_bool(value);
      if (!b) return done(bad_request("stuck must be true or false"));
      filter.stuck = *b;
    } else if (key == "created_after" || key == "created_before") {
      auto t = parse_rfc3339(value);
      if (!t) return done(bad_request(key + ": " + t.status().message()));
      (key == "created_after" ? filter.created_after : filter.created_before) = *t;
    } else if (key == "limit") {
      auto l = parse_limit(value);
      if (!l) return done(error_response(l.status()));
      filter.limit = *l;
    } else if (key == "cursor") {
      filter.cursor = value;
    }
  }
  auto page = ctx.engine.search(filter);
  if (!page) return done(error_response(page.status()));
  Json runs = Json::array();
  for (const auto& run : page->runs) runs.push_back(run_summary_json(run));
  done(json_response(200, Json{{"workflows", std::move(runs)},
                               {"next_cursor", page->next_cursor.empty() ? Json(nullptr) : Json(page->next_cursor)}}));
}

}  // namespace cairn::api
