// page_credential() and page_cookie(): the admin page's token from its address or its cookie.
#include "api/page_token.h"

#include <string_view>

namespace cairn::api {

namespace {

constexpr std::string_view kCookie = "cairn_ui_token=";

// The token kept by page_cookie() in a Cookie header ("a=1; cairn_ui_token=7365; b=2"), or "".
std::string cookie_token(std::string_view cookies) {
  for (std::size_t at = cookies.find(kCookie); at != std::string_view::npos; at = cookies.find(kCookie, at + 1)) {
    if (at != 0 && cookies[at - 1] != ' ' && cookies[at - 1] != ';') continue;  // another name's suffix
    std::string_view hex = cookies.substr(at + kCookie.size());
    hex = hex.substr(0, hex.find(';'));
    if (hex.empty() || hex.size() % 2 != 0) return "";
    std::string token;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
      const int high = hex_value(hex[i]);
      const int low = hex_value(hex[i + 1]);
      if (high < 0 || low < 0) return "";
      token += static_cast<char>(high * 16 + low);
    }
    return token;
  }
  return "";
}

}  // namespace

std::string page_credential(const Request& request) {
  if (const std::string& header = request.header("authorization"); !header.empty()) return header;
  if (auto it = request.query.find("token"); it != request.query.end() && !it->second.empty())
    return "Bearer " + it->second;
  const std::string token = cookie_token(request.header("cookie"));
  return token.empty() ? "" : "Bearer " + token;
}

std::string page_cookie(const std::string& token) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string value(kCookie);
  for (unsigned char c : token) value.append({kHex[c >> 4], kHex[c & 15]});
  return value + "; Path=/ui/; HttpOnly; SameSite=Strict";
}

}  // namespace cairn::api
