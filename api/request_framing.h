// Request heads the HTTP parser accepts but the server must refuse (RFC 9112 §2.3, §6.1, §6.3).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "api/http_types.h"

namespace cairn::api {

// The answer to a request whose framing cannot be served, or nullopt when it can:
// - an HTTP version other than 1.0 and 1.1 (`version` is 10 × major + minor): 400;
// - a Transfer-Encoding (`transfer_encoding`: the values of every such field joined by ", ")
//   other than a single `chunked`: 400 (`gzip`, `chunked, identity`: the body's length is
//   unknown; `gzip, chunked`: a coding the server does not decode; `chunked` twice). API.md's
//   error codes are the set clients handle, so this is `bad_request`, not RFC 9112's 501.
// - more than one Host field (`hosts`: how many): 400 (RFC 9112 §3.2); the browser guard reads it.
// The caller must close the connection after the answer: the bytes that follow such a head are
// not a request it may parse (request smuggling).
std::optional<Response> refuse_framing(unsigned version, const std::optional<std::string>& transfer_encoding,
                                       std::size_t hosts);

}  // namespace cairn::api
