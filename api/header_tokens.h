// Header value tokens shared by the server's checks and the HTTP client: optional whitespace,
// Transfer-Encoding coding lists, and case-insensitive names and schemes (RFC 9110 §5.6).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cairn::api {

// `s` without leading and trailing spaces and tabs.
std::string_view trim(std::string_view s);
// Whether `a` and `b` are equal, ASCII letters compared without case.
bool iequals(std::string_view a, std::string_view b);
// Whether `text` starts with `prefix`, ASCII letters compared without case.
bool starts_with_nocase(std::string_view text, std::string_view prefix);
// `s` with ASCII letters in lower case (a header name as a map key).
std::string lowercase(std::string_view s);
// `gzip;q=1, chunked` -> {"gzip", "chunked"}: coding names without parameters; empty list
// elements are skipped (RFC 9110 §5.6.1).
std::vector<std::string_view> codings(std::string_view value);

}  // namespace cairn::api
