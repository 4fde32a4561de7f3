// Control routes: signal, query, and the admin actions cancel, terminate, retry and skip.
#include <string>

#include "api/errors.h"
#include "api/routes.h"
#include "api/validate.h"

namespace cairn::api {

namespace {

Response bad_request(std::string message) { return error_response(ApiError::kBadRequest, std::move(message)); }

// The `{id}` (and `{name}` when `named`) of the route, validated; a 400 answer otherwise.
bool take_names(const Request& request, bool named, std::string& id, std::string& name, Reply& done) {
  id = request.param("id");
  if (!valid_id(id)) {
    done(bad_request("invalid run id: ids match [A-Za-z0-9._:-]{1,128}"));
    return false;
  }
  if (!named) return true;
  name = request.param("name");
  if (!valid_id(name)) {
    done(bad_request("invalid name: names match [A-Za-z0-9._:-]{1,128}"));
    return false;
  }
  return true;
}

// The body's field `name`, or null when the body is not an object or lacks it.
const Json* body_field(const Request& request, const char* name) {
  const Json& body = request.json;
  if (!body.is_object()) return nullptr;
  auto it = body.find(name);
  return it == body.end() ? nullptr : &*it;
}

engine::Actor actor_of(const Request& request) { return {request.principal.name, request.principal.role}; }

// 202 `{"id"}` once the admin action is durable (the engine journals it and writes the audit entry).
engine::DoneStatus accepted(std::string id, Reply done) {
  return [id = std::move(id), done = std::move(done)](Status s) {
    if (!s) return done(error_response(s));
    done(json_response(202, Json{{"id", id}}));
  };
}

}  // namespace

void handle_signal(const Request& request, Context& ctx, Reply done) {
  std::string id, name;
  if (!take_names(request, true, id, name, done)) return;
  const std::string& key = request.header("idempotency-key");
  if (request.headers.count("idempotency-key") && !valid_key(key))
    return done(bad_request("Idempotency-Key must be 1 to 256 printable ASCII characters"));
  ctx.engine.signal(id, name, request.json, key, [done = std::move(done)](Result<std::int64_t> r) {
    if (!r) return done(error_response(r.status()));
    done(json_response(202, Json{{"seq", *r}}));
  });
}

void handle_query(const Request& request, Context& ctx, Reply done) {
  std::string id, name;
  if (!take_names(request, true, id, name, done)) return;
  ctx.engine.query(id, name, [done = std::move(done)](Result<Json> r) {
    if (!r) return done(error_response(r.status()));
    done(json_response(200, Json{{"result", std::move(r).value()}}));
  });
}

void handle_cancel(const Request& request, Context& ctx, Reply done) {
  std::string id, unused;
  if (!take_names(request, false, id, unused, done)) return;
  ctx.engine.cancel(id, actor_of(request), accepted(id, std::move(done)));
}

void handle_terminate(const Request& request, Context& ctx, Reply done) {
  std::string id, unused;
  if (!take_names(request, false, id, unused, done)) return;
  const Json* reason = body_field(request, "reason");
  if (!reason || !reason->is_string() || reason->get_ref<const std::string&>().empty())
    return done(bad_request("body must be {\"reason\": \"<non-empty text>\"}"));
  if (reason->get_ref<const std::string&>().size() > 1000) return done(bad_request("reason is longer than 1000 bytes"));
  ctx.engine.terminate(id, reason->get<std::string>(), actor_of(request), accepted(id, std::move(done)));
}

void handle_retry(const Request& request, Context& ctx, Reply done) {
  std::string id, unused;
  if (!take_names(request, false, id, unused, done)) return;
  ctx.engine.retry(id, actor_of(request), accepted(id, std::move(done)));
}

void handle_skip(const Request& request, Context& ctx, Reply done) {
  std::string id, unused;
  if (!take_names(request, false, id, unused, done)) return;
  const Json* result = body_field(request, "result");
  if (!result) return done(bad_request("body must be {\"result\": <the skipped activity's result, any JSON>}"));
  ctx.engine.skip(id, *result, actor_of(request), accepted(id, std::move(done)));
}

}  // namespace cairn::api
