// Token file parsing and bearer-token lookup.
#include "api/auth.h"

#include <fstream>
#include <map>
#include <sstream>

#include "api/header_tokens.h"
#include "api/http_types.h"

namespace cairn::api {

namespace {

// Compares in time independent of where the first difference is (the length still shows).
bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

Result<Auth> Auth::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status{Errc::kNotFound, "cannot read tokens file " + path};
  std::stringstream ss;
  ss << in.rdbuf();
  auto auth = parse(ss.str());
  if (!auth) return Status{Errc::kInvalidArgument, path + ": " + auth.status().message()};
  if (auth->open()) return Status{Errc::kInvalidArgument, path + ": no tokens"};
  return auth;
}

Result<Auth> Auth::parse(std::string_view text) {
  Auth auth;
  std::map<std::string, int> per_role;
  std::map<std::string, int> line_of;  // token -> the line that gave it
  std::istringstream in{std::string(text)};
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::istringstream words(line);
    std::string role, secret, extra;
    if (!(words >> role) || role[0] == '#') continue;
    if (!(words >> secret) || (words >> extra))
      return Status{Errc::kInvalidArgument, "line " + std::to_string(line_no) + ": expected `<role> <token>`"};
    if (role != "admin" && role != "service")
      return Status{Errc::kInvalidArgument,
                    "line " + std::to_string(line_no) + ": unknown role `" + role + "` (admin or service)"};
    // One token on two lines may have two roles, and which one a request gets would hang on the
    // order of the lines: refused, naming the lines and not the secret.
    if (auto [at, added] = line_of.emplace(secret, line_no); !added)
      return Status{Errc::kInvalidArgument, "line " + std::to_string(line_no) + ": the token of line " +
                                                std::to_string(at->second) + " again (each token once)"};
    Principal p{role + "#" + std::to_string(++per_role[role]), role};
    auth.tokens_.push_back({std::move(secret), std::move(p)});
  }
  return auth;
}

std::optional<Principal> Auth::authenticate(std::string_view authorization) const {
  if (open()) return Principal{"anonymous", "admin"};
  // The scheme is case-insensitive (RFC 9110, 11.1): "bearer" and "BEARER" are "Bearer".
  static constexpr std::string_view kBearer = "bearer ";
  if (authorization.size() <= kBearer.size() || !starts_with_nocase(authorization, kBearer)) return std::nullopt;
  std::string_view secret = authorization.substr(kBearer.size());
  while (!secret.empty() && secret.front() == ' ') secret.remove_prefix(1);  // 1*SP (RFC 9110, 11.4)
  const Principal* found = nullptr;
  for (const Token& t : tokens_)
    if (same_secret(t.secret, secret)) found = &t.principal;
  if (!found) return std::nullopt;
  return *found;
}

bool Auth::allows(const Principal& p, Access access) {
  switch (access) {
    case Access::kPublic: return true;
    case Access::kService: return p.role == "service" || p.role == "admin";
    case Access::kAdmin: return p.role == "admin";
  }
  return false;
}

}  // namespace cairn::api
