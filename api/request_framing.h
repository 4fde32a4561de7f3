// Request heads the HTTP parser accepts but the server must refuse (RFC 9112 §2.3, §6.1, §6.3).
#pragma once

#include <optional>
#include <string>

#include "api/http_types.h"

namespace cairn::api {

// The answer to a request whose framing cannot be served, or nullopt when it can:
// - an HTTP version other than 1.0 and 1.1 (`version` is 10 × major + minor): 400;
// - a Transfer-Encoding (`transfer_encoding`: the values of every such field joined by ", ")
//   whose last coding is not `chunked`, or with `chunked` twice: 400, as the body's length is
//   unknown;
// - a coding other than `chunked` before it (`gzip, chunked`): 501 `not_implemented`.
// The caller must close the connection after the answer: the bytes that follow such a head are
// not a request it may parse (request smuggling).
std::optional<Response> refuse_framing(unsigned version, const std::optional<std::string>& transfer_encoding);

}  // namespace cairn::api
