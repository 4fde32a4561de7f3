// What a web page open in an operator's browser could make the browser send without the operator
// meaning it: a cross-site write (CSRF: a page posting to http://127.0.0.1:8080/v1/workflows/x/cancel,
// which an open server would take from the anonymous admin), and, on an open server, a request
// addressed to another name that resolves to loopback (DNS rebinding, which lets the page read the
// answers). Clients that are not browsers send no Origin and address the server by its own name.
#pragma once

#include <optional>
#include <string>

#include "api/http_types.h"

namespace cairn::api {

// Why `request` is refused (403), or nullopt:
// - a method other than GET/HEAD with an `Origin` that is not this server's (`http(s)://<Host>`);
// - on an open server (no tokens, so loopback only), a `Host` that is not a loopback name
//   (`localhost`, `127.x.x.x`, `[::1]`, any port). A request without `Host` (HTTP/1.0) passes.
std::optional<std::string> browser_refusal(const Request& request, bool open_server);

}  // namespace cairn::api
