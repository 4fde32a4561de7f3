// Error mapping: Errc -> HTTP status and code, and the error body every non-2xx answer carries.
#include "api/errors.h"

#include <atomic>
#include <chrono>
#include <cstdio>

#include <fmt/format.h>

namespace cairn::api {

ErrorInfo error_info(ApiError e) {
  switch (e) {
    case ApiError::kBadRequest: return {400, "bad_request"};
    case ApiError::kUnauthorized: return {401, "unauthorized"};
    case ApiError::kForbidden: return {403, "forbidden"};
    case ApiError::kNotFound: return {404, "not_found"};
    case ApiError::kMethodNotAllowed: return {405, "method_not_allowed"};
    case ApiError::kConflict: return {409, "conflict"};
    case ApiError::kPayloadTooLarge: return {413, "payload_too_large"};
    case ApiError::kUnsupportedMediaType: return {415, "unsupported_media_type"};
    case ApiError::kOverloaded: return {429, "overloaded"};
    case ApiError::kUnavailable: return {503, "unavailable"};
    case ApiError::kInternal: return {500, "internal"};
  }
  return {500, "internal"};
}

ApiError api_error_for(Errc c) {
  switch (c) {
    case Errc::kNotFound: return ApiError::kNotFound;
    case Errc::kConflict: return ApiError::kConflict;
    case Errc::kInvalidArgument: return ApiError::kBadRequest;
    case Errc::kOverloaded: return ApiError::kOverloaded;
    case Errc::kUnavailable:
    case Errc::kIoError:
    case Errc::kDiskFull:
    case Errc::kTimeout:
    case Errc::kCorruption:  // a damaged database: the store refuses, /readyz says why
    case Errc::kCancelled: return ApiError::kUnavailable;
    case Errc::kOk:
    case Errc::kNondeterminism:
    case Errc::kInternal: return ApiError::kInternal;
  }
  return ApiError::kInternal;
}

Response json_response(int status, const Json& body) {
  Response r;
  r.status = status;
  // Bodies echo client text (paths, names) that may not be UTF-8: replace bad bytes, never throw.
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

namespace {

// Messages quote what the client sent (a type, a status, a cursor), which may be as long as a body:
// past this the message is cut, between UTF-8 characters, and says how long it was.
constexpr std::size_t kMaxMessageBytes = 1000;

std::string capped(std::string message) {
  if (message.size() <= kMaxMessageBytes) return message;
  std::size_t cut = kMaxMessageBytes;
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;  // a continuation byte
  const std::size_t size = message.size();
  message.resize(cut);
  return fmt::format("{}... (cut: the message was {} bytes)", message, size);
}

}  // namespace

Response error_response(ApiError e, std::string message) {
  message = capped(std::move(message));
  ErrorInfo info = error_info(e);
  Response r = json_response(info.status, Json{{"error", {{"code", info.code}, {"message", std::move(message)}}}});
  if (e == ApiError::kOverloaded) r.headers.emplace_back("Retry-After", "1");
  return r;
}

namespace {

// A short id that ties a generic 500/503 answer to the stderr line holding the details.
std::string correlation_id() {
  static std::atomic<std::uint64_t> counter{0};
  auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  return fmt::format("{:08x}{:04x}", static_cast<std::uint32_t>(now), static_cast<std::uint16_t>(++counter));
}

// The store starts its messages with its name and the operation (`store: search: malformed
// cursor "x"`): context for logs, internals for a client, who gets only what follows (`malformed
// cursor "x"`). Operation names never hold a quote, while quoted input may hold ": ", so the
// stripping stops at the first segment with a quote.
std::string client_message(std::string_view message) {
  constexpr std::string_view kStore = "store: ";
  if (!message.starts_with(kStore)) return std::string(message);
  message.remove_prefix(kStore.size());
  for (;;) {
    auto sep = message.find(": ");
    if (sep == std::string_view::npos || message.substr(0, sep).find('"') != std::string_view::npos) break;
    message.remove_prefix(sep + 2);
  }
  return std::string(message);
}

}  // namespace

Response error_response(const Status& status) {
  ApiError e = api_error_for(status.code());
  switch (status.code()) {
    case Errc::kNotFound:
    case Errc::kConflict:
    case Errc::kInvalidArgument:
    case Errc::kOverloaded:
    case Errc::kUnavailable: return error_response(e, client_message(status.message()));
    // The store cannot write at all (/readyz and the engine's one line a second say so): the
    // reason, not a ref to a line per refused request, which flooded stderr on a full disk.
    case Errc::kDiskFull:
    case Errc::kIoError:
      return error_response(e, "the store cannot write now: " + client_message(status.message()));
    default: break;
  }
  std::string ref = correlation_id();
  std::fprintf(stderr, "cairn api: ref %s: %s\n", ref.c_str(), status.to_string().c_str());
  if (e == ApiError::kUnavailable) return error_response(e, "the store cannot serve this now (ref " + ref + ")");
  return error_response(ApiError::kInternal, "internal error (ref " + ref + ")");
}

}  // namespace cairn::api
