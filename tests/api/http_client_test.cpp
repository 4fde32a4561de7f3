// The HTTP/1.1 framing HttpClient and the benchmark's async client share: request text, and where
// an answer ends in the bytes read so far.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "api/http_client.h"

using namespace cairn;

TEST_SUITE("api") {
  TEST_CASE("format_request: JSON bodies get their type and length; POST always has a length") {
    CHECK(api::format_request("GET", "/healthz", "h") == "GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(api::format_request("POST", "/x", "h", "{}") ==
          "POST /x HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
    CHECK(api::format_request("POST", "/x", "h") == "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
    CHECK(api::format_request("PUT", "/x", "h", "a", {{"content-type", "text/plain"}}) ==
          "PUT /x HTTP/1.1\r\nHost: h\r\ncontent-type: text/plain\r\nContent-Length: 1\r\n\r\na");
  }

  TEST_CASE("frame_response: incomplete heads wait, bodies are framed by Content-Length, junk is refused") {
    auto incomplete = api::frame_response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n");
    REQUIRE(incomplete);
    CHECK_FALSE(incomplete->has_value());

    std::map<std::string, std::string> seen;
    const std::string bytes = "HTTP/1.1 201 Created\r\nCONTENT-length:  5\r\nX-A: b\r\n\r\nhelloHTTP/1.1 ...";
    auto framed = api::frame_response(bytes, [&](std::string_view n, std::string_view v) { seen[std::string(n)] = v; });
    REQUIRE(framed);
    REQUIRE(framed->has_value());
    const api::ResponseFrame& f = **framed;
    CHECK(f.status == 201);
    CHECK(bytes.substr(f.body_start, f.body_length) == "hello");  // the next answer's bytes stay
    CHECK(seen == std::map<std::string, std::string>{{"CONTENT-length", "5"}, {"X-A", "b"}});

    auto no_length = api::frame_response("HTTP/1.1 204 No Content\r\n\r\n");
    REQUIRE(no_length);
    CHECK((*no_length)->size() == (*no_length)->body_start);

    CHECK(api::frame_response("SSH-2.0-OpenSSH\r\n\r\n").status().code() == Errc::kIoError);
    CHECK(api::frame_response(std::string(70 * 1024, 'x')).status().code() == Errc::kIoError);
  }
}
