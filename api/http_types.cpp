// Request helpers: header and parameter lookup, target splitting and percent-decoding.
#include "api/http_types.h"

#include <string_view>

#include "api/header_tokens.h"

namespace cairn::api {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

namespace {

const std::string kEmpty;

// Percent-decodes `in` (and `+` as space in a query). False on a malformed escape.
bool decode(std::string_view in, bool query, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && query) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return true;
}

// The origin form of a request target. A server must accept the absolute form as well (RFC 9112,
// 3.2.2: "http://host:8080/v1/workflows?x=1", as proxies send it); its authority is ignored.
// "" when `target` is not in absolute form either.
std::string origin_form(std::string_view target) {
  for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
    if (!starts_with_nocase(target, scheme)) continue;
    std::string_view rest = target.substr(scheme.size());
    auto path = rest.find_first_of("/?");
    if (path == 0) return {};  // no authority: malformed
    if (path == std::string_view::npos) return "/";
    return rest[path] == '/' ? std::string(rest.substr(path)) : "/" + std::string(rest.substr(path));
  }
  return {};
}

}  // namespace

const std::string& Request::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? kEmpty : it->second;
}

const std::string& Request::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool parse_target(const std::string& target, Request& request) {
  if (target.empty()) return false;
  if (target[0] != '/') {
    const std::string origin = origin_form(target);
    return !origin.empty() && parse_target(origin, request);
  }
  std::string_view t = target;
  auto q = t.find('?');
  request.path.clear();
  request.segments.clear();
  for (std::string_view raw : split_path(t.substr(0, q))) {  // decoded one by one: %2F stays inside
    if (!decode(raw, false, request.segments.emplace_back())) return false;
    request.path += '/';
    request.path += request.segments.back();
  }
  request.query.clear();
  request.raw_query.clear();
  if (q == std::string_view::npos) return true;
  std::string_view rest = t.substr(q + 1);
  request.raw_query = rest;
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string key, value;
    if (!decode(pair.substr(0, eq), true, key)) return false;
    if (eq != std::string_view::npos && !decode(pair.substr(eq + 1), true, value)) return false;
    request.query[std::move(key)] = std::move(value);
  }
  return true;
}

}  // namespace cairn::api
