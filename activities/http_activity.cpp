// The HTTP activity over Boost.Beast: a private io_context per call, so one deadline covers
// connect, write and read and the caller simply blocks.
#include "activities/http_activity.h"

#include <utility>  // before asio: g++ 12 needs std::exchange declared first

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "cairn/activity.h"
#include "cairn/errors.h"

namespace cairn::activities {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

Result<HttpEndpoint> parse_http_url(const std::string& url, milliseconds timeout) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return Status(Errc::kInvalidArgument, "only http:// URLs are supported: " + url);
  HttpEndpoint e;
  e.timeout = timeout;
  std::string rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  if (slash != std::string::npos) {
    e.target = rest.substr(slash);
    rest.resize(slash);
  }
  auto colon = rest.rfind(':');
  if (colon != std::string::npos) {
    e.port = rest.substr(colon + 1);
    rest.resize(colon);
    if (e.port.empty() || e.port.find_first_not_of("0123456789") != std::string::npos)
      return Status(Errc::kInvalidArgument, "bad port in " + url);
  }
  if (rest.empty()) return Status(Errc::kInvalidArgument, "no host in " + url);
  e.host = rest;
  return e;
}

Json http_post_json(const HttpEndpoint& endpoint, const Json& body, const std::string& idempotency_key) {
  boost::asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  http::request<http::string_body> req{http::verb::post, endpoint.target, 11};
  req.set(http::field::host, endpoint.host);
  req.set(http::field::content_type, "application/json");
  req.set("Idempotency-Key", idempotency_key);
  req.body() = body.dump();
  req.prepare_payload();
  http::response<http::string_body> res;
  beast::flat_buffer buffer;
  beast::error_code failure;

  tcp::resolver resolver(ioc);
  auto endpoints = resolver.resolve(endpoint.host, endpoint.port, failure);
  if (failure) throw RetryableError("http_unreachable", "resolve " + endpoint.host + ": " + failure.message());
  stream.expires_after(endpoint.timeout);
  stream.async_connect(endpoints, [&](beast::error_code ec, const tcp::endpoint&) {
    if (ec) {
      failure = ec;
      return;
    }
    http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
      if (ec) {
        failure = ec;
        return;
      }
      http::async_read(stream, buffer, res, [&](beast::error_code ec, std::size_t) { failure = ec; });
    });
  });
  ioc.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (failure) throw RetryableError("http_unreachable", endpoint.host + endpoint.target + ": " + failure.message());

  const unsigned status = res.result_int();
  const std::string where = "POST " + endpoint.host + endpoint.target + " answered " + std::to_string(status);
  if (status == 408 || status == 429 || status >= 500) throw RetryableError("http_" + std::to_string(status), where);
  if (status < 200 || status >= 300) throw TerminalError(where + ": " + res.body(), "http_" + std::to_string(status));
  if (res.body().empty()) return nullptr;
  Json out = Json::parse(res.body(), nullptr, false);
  if (out.is_discarded()) throw TerminalError(where + " with a body that is not JSON", "http_bad_body");
  return out;
}

void register_http_activity(Registry& registry, std::string name, HttpEndpoint endpoint, ActivityOptions options) {
  registry.activity(
      std::move(name),
      [endpoint = std::move(endpoint)](ActivityContext& ctx, Json input) {
        return http_post_json(endpoint, input, ctx.idempotency_key());
      },
      std::move(options));
}

}  // namespace cairn::activities
