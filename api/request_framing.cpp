// Framing checks on a parsed request head: HTTP version, Transfer-Encoding and Host.
#include "api/request_framing.h"

#include <string_view>

#include "api/errors.h"
#include "api/header_tokens.h"

namespace cairn::api {

std::optional<Response> refuse_framing(unsigned version, const std::optional<std::string>& transfer_encoding,
                                       std::size_t hosts) {
  if (version != 10 && version != 11) return error_response(ApiError::kBadRequest, "only HTTP/1.0 and HTTP/1.1 are served");
  if (hosts > 1) return error_response(ApiError::kBadRequest, "more than one Host header");
  if (!transfer_encoding) return std::nullopt;
  auto list = codings(*transfer_encoding);
  if (list.size() != 1 || !iequals(list.front(), "chunked"))
    return error_response(ApiError::kBadRequest, "the only Transfer-Encoding served is chunked, once");
  return std::nullopt;
}

}  // namespace cairn::api
