// The one table from engine/store error codes to HTTP status and API error code (API.md "Errors").
#pragma once

#include <string>
#include <string_view>

#include "api/http_types.h"
#include "cairn/json.h"
#include "cairn/status.h"

namespace cairn::api {

enum class ApiError {
  kBadRequest,
  kUnauthorized,
  kForbidden,
  kNotFound,
  kMethodNotAllowed,
  kConflict,
  kPayloadTooLarge,
  kUnsupportedMediaType,
  kOverloaded,
  kUnavailable,
  kInternal,
};

struct ErrorInfo {
  int status;
  std::string_view code;  // API.md's machine code: "bad_request", ...
};

ErrorInfo error_info(ApiError e);
// kNotFound -> kNotFound, kInvalidArgument -> kBadRequest, kDiskFull -> kUnavailable, ...
ApiError api_error_for(Errc c);

// `{"error":{"code","message"}}` with the status of `e`; 429 adds `Retry-After: 1`.
Response error_response(ApiError e, std::string message);
// Maps an engine/store failure. Caller-facing codes keep the engine's message, without the
// store's `store: <operation>: ` context (`no run with id "x"`); anything that
// would leak internals (I/O, corruption, bugs) is logged to stderr with a correlation id and
// answered with a generic message naming that id.
Response error_response(const Status& status);
Response json_response(int status, const Json& body);

}  // namespace cairn::api
