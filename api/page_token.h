// The admin page's credential. A browser cannot send a bearer header when it navigates, so
// `/ui/` (API.md: any valid token when tokens are configured) also takes the token as `?token=`,
// and then keeps it in a cookie scoped to `/ui/`, so a reload of the page is let in too. The
// cookie authenticates the page only: every API call of the page carries the bearer header.
#pragma once

#include <string>

#include "api/http_types.h"

namespace cairn::api {

// The route action of the page (router.cpp): the one route whose token may come this way.
inline constexpr std::string_view kPageAction = "ui";

// The Authorization value to check for a request of the page: its header, else `?token=`, else
// the page's cookie; "" when it carries none.
std::string page_credential(const Request& request);

// The Set-Cookie value that keeps `token` for the page (hex-encoded: any byte of a token is safe).
std::string page_cookie(const std::string& token);

}  // namespace cairn::api
