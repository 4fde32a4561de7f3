// Bearer-token authentication and the role rules of API.md "Auth".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.h"
#include "cairn/status.h"

namespace cairn::api {

// What a route requires.
enum class Access {
  kPublic,   // no token ever (/healthz, /readyz, the static admin page /ui/)
  kService,  // any valid token: service or admin (reads, start, signal, query, demo, /metrics)
  kAdmin,    // admin only (cancel, terminate, retry, audit)
};

class Auth {
 public:
  // No tokens: every request is allowed as `anonymous` (with the admin role).
  Auth() = default;
  // Reads `<role> <token>` lines (roles `service`, `admin`; blank lines and `#` comments skipped).
  // Labels are `<role>#<n>`, n counting that role's tokens from 1. kInvalidArgument names the
  // bad line; kNotFound when the file cannot be read.
  static Result<Auth> load_file(const std::string& path);
  static Result<Auth> parse(std::string_view text);

  bool open() const { return tokens_.empty(); }
  std::size_t size() const { return tokens_.size(); }
  // The principal for an `Authorization` header value, or nullopt when tokens are configured and
  // the header is missing, malformed or names no token.
  std::optional<Principal> authenticate(std::string_view authorization) const;
  // True when `p` may use a route requiring `access`.
  static bool allows(const Principal& p, Access access);

 private:
  struct Token {
    std::string secret;
    Principal principal;
  };
  std::vector<Token> tokens_;
};

}  // namespace cairn::api
