// Cross-site writes and DNS rebinding refused before auth (see browser_guard.h).
#include "api/browser_guard.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace cairn::api {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "http://host:port" -> "host:port"; "" for anything else (`null`, a path, another scheme).
std::string origin_authority(std::string_view origin) {
  for (std::string_view scheme : {"http://", "https://"})
    if (starts_with_nocase(origin, scheme)) return lower(origin.substr(scheme.size()));
  return {};
}

// The name part of a Host value: "[::1]:8080" -> "[::1]", "localhost:8080" -> "localhost".
std::string_view host_name(std::string_view host) {
  if (host.starts_with('[')) return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

bool equals_nocase(std::string_view a, std::string_view lower_b) {
  return a.size() == lower_b.size() && starts_with_nocase(a, lower_b);
}

// Allocation-free: it runs on every request of an open server.
bool is_loopback_name(std::string_view host) {
  const std::string_view name = host_name(host);
  if (equals_nocase(name, "localhost") || name == "[::1]") return true;
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
  if (!safe && !origin.empty() && (host.empty() || !equals_nocase(host, origin_authority(origin))))
    return fmt::format("cross-origin request refused: Origin {} is not this server (Host {})", origin,
                       host.empty() ? "missing" : host);
  if (open_server && !host.empty() && !is_loopback_name(host))
    return fmt::format("an open server (no tokens) answers only requests addressed to a loopback name; "
                       "Host {} is not one", host);
  return std::nullopt;
}

}  // namespace cairn::api
