// Demo service routes (API.md "Demo services"): read and set the simulated services' state.
// Their table calls block on a commit, so they run on the context's blocking pool.
#include <string>

#include "activities/demo_views.h"
#include "api/errors.h"
#include "api/routes.h"
#include "api/validate.h"

namespace cairn::api {

namespace {

Response bad_request(std::string message) { return error_response(ApiError::kBadRequest, std::move(message)); }

// Runs `fn` (which produces the answer) on the blocking pool; 429 when the pool is full. What it
// throws (a stored row that is not JSON) is a 500: an exception escaping the pool's thread would
// end the process.
template <class Fn>
void off_io_thread(Context& ctx, Reply done, Fn fn) {
  auto shared = std::make_shared<Reply>(std::move(done));
  auto answer = [shared, fn = std::move(fn)] {
    Response r;
    try {
      r = fn();
    } catch (const std::exception& e) {
      r = error_response(Status(Errc::kInternal, std::string("demo services: ") + e.what()));
    }
    (*shared)(std::move(r));
  };
  if (!ctx.blocking.post(std::move(answer)))
    (*shared)(error_response(ApiError::kOverloaded, "too many demo requests queued; retry later"));
}

Response json_or_error(const Result<Json>& r) { return r ? json_response(200, *r) : error_response(r.status()); }

// `?order=` is required and must be a run id.
bool take_order(const Request& request, std::string& order, Reply& done) {
  auto it = request.query.find("order");
  if (it == request.query.end() || !valid_id(it->second)) {
    done(bad_request("`order` query parameter (a run id) is required"));
    return false;
  }
  order = it->second;
  return true;
}

}  // namespace

void handle_demo_set_stock(const Request& request, Context& ctx, Reply done) {
  std::string seller = request.param("seller_id"), sku = request.param("sku");
  if (!valid_name(seller) || !valid_name(sku))
    return done(bad_request("seller_id and sku must be 1 to 128 bytes of UTF-8 text"));
  auto available = request.json.find("available");
  if (!request.json.is_object() || available == request.json.end() || !available->is_number_integer())
    return done(bad_request("body must be {\"available\": <integer>}"));
  // Bounded like order quantities' sums, so a release or restock on top cannot overflow.
  constexpr std::int64_t kMaxStock = 1'000'000'000'000;
  if (available->is_number_unsigned() && available->get<std::uint64_t>() > std::uint64_t(kMaxStock))
    return done(bad_request("available must be between 0 and 10^12"));
  std::int64_t n = available->get<std::int64_t>();
  if (n < 0 || n > kMaxStock) return done(bad_request("available must be between 0 and 10^12"));
  Tables& tables = *ctx.demo;
  off_io_thread(ctx, std::move(done), [&tables, seller, sku, n] {
    Status s = activities::demo_set_stock(tables, seller, sku, n);
    if (!s) return error_response(s);
    return json_response(200, Json{{"seller_id", seller}, {"sku", sku}, {"available", n}});
  });
}

void handle_demo_inventory(const Request&, Context& ctx, Reply done) {
  Tables& tables = *ctx.demo;
  off_io_thread(ctx, std::move(done), [&tables] { return json_or_error(activities::demo_inventory(tables)); });
}

void handle_demo_payments(const Request& request, Context& ctx, Reply done) {
  std::string order;
  if (!take_order(request, order, done)) return;
  Tables& tables = *ctx.demo;
  off_io_thread(ctx, std::move(done), [&tables, order] { return json_or_error(activities::demo_payments(tables, order)); });
}

void handle_demo_notifications(const Request& request, Context& ctx, Reply done) {
  std::string order;
  if (!take_order(request, order, done)) return;
  Tables& tables = *ctx.demo;
  off_io_thread(ctx, std::move(done),
                [&tables, order] { return json_or_error(activities::demo_notifications(tables, order)); });
}

}  // namespace cairn::api
