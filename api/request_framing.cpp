// Framing checks on a parsed request head: HTTP version, Transfer-Encoding and Host.
#include "api/request_framing.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

#include "api/errors.h"

namespace cairn::api {

namespace {

bool is_chunked(std::string_view coding) {
  constexpr std::string_view kChunked = "chunked";
  return std::equal(coding.begin(), coding.end(), kChunked.begin(), kChunked.end(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// `gzip;q=1, chunked` -> {"gzip", "chunked"}: coding names without parameters; empty list
// elements are skipped (RFC 9110 §5.6.1).
std::vector<std::string_view> codings(std::string_view value) {
  std::vector<std::string_view> out;
  while (!value.empty()) {
    auto comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    item = trim(item.substr(0, item.find(';')));
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

std::optional<Response> refuse_framing(unsigned version, const std::optional<std::string>& transfer_encoding,
                                       std::size_t hosts) {
  if (version != 10 && version != 11) return error_response(ApiError::kBadRequest, "only HTTP/1.0 and HTTP/1.1 are served");
  if (hosts > 1) return error_response(ApiError::kBadRequest, "more than one Host header");
  if (!transfer_encoding) return std::nullopt;
  auto list = codings(*transfer_encoding);
  if (list.size() != 1 || !is_chunked(list.front()))
    return error_response(ApiError::kBadRequest, "the only Transfer-Encoding served is chunked, once");
  return std::nullopt;
}

}  // namespace cairn::api
