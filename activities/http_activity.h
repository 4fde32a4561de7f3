// A generic HTTP activity: POSTs its JSON input to a configured URL, with the activity's
// idempotency key as the Idempotency-Key header, so a real service can stand where a simulated
// one does today.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "cairn/json.h"
#include "cairn/options.h"
#include "cairn/registry.h"
#include "cairn/status.h"

namespace cairn::activities {

struct HttpEndpoint {
  std::string host;
  std::string port = "80";
  std::string target = "/";
  milliseconds timeout{10000};  // connect, send and receive together
};

// "http://host[:port][/path]" (plain HTTP only); kInvalidArgument otherwise.
Result<HttpEndpoint> parse_http_url(const std::string& url, milliseconds timeout = milliseconds{10000});

// POSTs `body` and returns the answer's JSON (null for an empty body). Throws RetryableError for
// a connection failure, a timeout, 408, 429 and 5xx, TerminalError (type "http_<status>") for any
// other non-2xx answer and for a 2xx body that is not JSON. Blocks; any thread.
Json http_post_json(const HttpEndpoint& endpoint, const Json& body, const std::string& idempotency_key);

// Registers activity `name` as http_post_json to `endpoint` with the attempt's idempotency key.
void register_http_activity(Registry& registry, std::string name, HttpEndpoint endpoint,
                            ActivityOptions options = {});

}  // namespace cairn::activities
