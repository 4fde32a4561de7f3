// Request, Response and Reply: the socket-free HTTP model routes are written against.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/client_gone.h"
#include "cairn/json.h"

namespace cairn::api {

// Who sent a request, once authenticated. `name` is a token label (`admin#1`) or `anonymous`.
struct Principal {
  std::string name = "anonymous";
  std::string role;  // "admin", "service"; "" when unauthenticated
};

struct Request {
  std::string method;                         // "GET", "POST", ...
  std::string path;                           // percent-decoded, without the query string
  // The path's segments between slashes, each percent-decoded on its own: an escaped slash
  // (`%2F`) stays inside its segment, so it can be part of a name but never makes a new one.
  std::vector<std::string> segments;
  std::map<std::string, std::string> query;   // decoded; a repeated key keeps the last value
  std::string raw_query;                      // the query string as sent, without the `?`
  // Lower-case names. The server copies only those the router and routes read: authorization,
  // content-type, idempotency-key, host and origin (browser_guard.h), cookie (page_token.h).
  std::map<std::string, std::string> headers;
  std::string body;
  // Filled by the router: the parsed body (null when empty), the `{name}` segments of the matched
  // route, and who is asking.
  Json json;
  std::map<std::string, std::string> params;
  Principal principal;
  // Set by the server on a request that may wait (`?wait=`): see client_gone.h. Null elsewhere.
  std::shared_ptr<ClientGone> client_gone;

  // The header's value, or "" when absent. `name` is lower-case.
  const std::string& header(const std::string& name) const;
  const std::string& param(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string_view content_type = "application/json";  // always a literal: nothing to allocate
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type/Length
  std::string body;
};

// Completes a request. Routes call it exactly once, from any thread (engine callbacks included).
using Reply = std::function<void(Response)>;

// The segments of a path between its slashes ("/v1/workflows" -> "v1", "workflows"), as views
// into `path`, which starts with '/'.
std::vector<std::string_view> split_path(std::string_view path);

// Builds a Request from a raw target ("/v1/workflows?status=stuck", or the absolute form
// "http://host/v1/workflows?status=stuck"): splits and decodes the path and query. Returns false
// when the target is neither a valid origin-form path nor an absolute http(s) URL.
bool parse_target(const std::string& target, Request& request);

// The value of hex digit `c` (either case), or -1.
int hex_value(char c);

}  // namespace cairn::api
