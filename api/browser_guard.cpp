// Cross-site writes and DNS rebinding refused before auth (see browser_guard.h).
#include "api/browser_guard.h"

#include <fmt/format.h>

#include <string_view>

#include "api/header_tokens.h"

namespace cairn::api {

namespace {

// "http://host:port" -> "host:port"; "" for anything else (`null`, a path, another scheme).
std::string origin_authority(std::string_view origin) {
  for (std::string_view scheme : {"http://", "https://"})
    if (starts_with_nocase(origin, scheme)) return lowercase(origin.substr(scheme.size()));
  return {};
}

// The name part of a Host value: "[::1]:8080" -> "[::1]", "localhost:8080" -> "localhost".
std::string_view host_name(std::string_view host) {
  if (host.starts_with('[')) return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

// Allocation-free: it runs on every request of an open server.
bool is_loopback_name(std::string_view host) {
  const std::string_view name = host_name(host);
  if (iequals(name, "localhost") || name == "[::1]") return true;
  if (!name.starts_with("127.")) return false;
  int dots = 0;
  for (char c : name) {
    if (c == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return dots == 3;
}

}  // namespace

std::optional<std::string> browser_refusal(const Request& request, bool open_server) {
  const std::string& host = request.header("host");
  const std::string& origin = request.header("origin");
  const bool safe = request.method == "GET" || request.method == "HEAD";
  if (!safe && !origin.empty() && (host.empty() || !iequals(host, origin_authority(origin))))
    return fmt::format("cross-origin request refused: Origin {} is not this server (Host {})", origin,
                       host.empty() ? "missing" : host);
  if (open_server && !host.empty() && !is_loopback_name(host))
    return fmt::format("an open server (no tokens) answers only requests addressed to a loopback name; "
                       "Host {} is not one", host);
  return std::nullopt;
}

}  // namespace cairn::api
