// Request helpers: header and parameter lookup, target splitting and percent-decoding.
#include "api/http_types.h"

#include <algorithm>
#include <string_view>

namespace cairn::api {

namespace {

const std::string kEmpty;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

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

}  // namespace

const std::string& Request::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? kEmpty : it->second;
}

const std::string& Request::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

bool parse_target(const std::string& target, Request& request) {
  if (target.empty() || target[0] != '/') return false;
  std::string_view t = target;
  auto q = t.find('?');
  std::string_view raw_path = t.substr(0, q);
  if (!decode(raw_path, false, request.path)) return false;
  request.segments.clear();
  for (std::size_t start = 1; start <= raw_path.size();) {
    std::size_t slash = std::min(raw_path.find('/', start), raw_path.size());
    if (!decode(raw_path.substr(start, slash - start), false, request.segments.emplace_back())) return false;
    start = slash + 1;
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
