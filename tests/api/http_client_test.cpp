// The HTTP/1.1 framing HttpClient and the benchmark's async client share: request text (and the
// parts it refuses to send), the Host value, and where an answer ends in the bytes read so far.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "api/http_client.h"

using namespace cairn;

TEST_SUITE("api") {
  TEST_CASE("format_request: JSON bodies get their type and length; POST always has a length") {
    CHECK(*api::format_request("GET", "/healthz", "h") == "GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(*api::format_request("POST", "/x", "h", "{}") ==
          "POST /x HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
    CHECK(*api::format_request("POST", "/x", "h") == "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
    CHECK(*api::format_request("PUT", "/x", "h", "a", {{"content-type", "text/plain"}}) ==
          "PUT /x HTTP/1.1\r\nHost: h\r\ncontent-type: text/plain\r\nContent-Length: 1\r\n\r\na");
  }

  TEST_CASE("format_request refuses parts that would add headers or requests of their own") {
    const std::string nul("a\0b", 3);
    for (const std::string& value : {std::string("k\r\nContent-Length: 0\r\n\r\nPOST /v1/x HTTP/1.1"),
                                     std::string("a\rb"), std::string("a\nb"), nul}) {
      CAPTURE(value);
      auto bad_value = api::format_request("POST", "/x", "h", "{}", {{"Idempotency-Key", value}});
      REQUIRE_FALSE(bad_value);
      CHECK(bad_value.status().code() == Errc::kInvalidArgument);
      CHECK(bad_value.status().message() ==
            "request not sent: the value of header Idempotency-Key holds CR, LF or NUL");
      CHECK_FALSE(api::format_request("GET", "/x", value));                         // the Host
      CHECK_FALSE(api::format_request("GET", "/x", "h", {}, {{"X-" + value, "v"}}));  // a header name
      CHECK_FALSE(api::format_request("GET", "/x" + value, "h"));                   // the target
    }
    auto spaced = api::format_request("GET", "/x HTTP/1.1\r\nX: y", "h");
    REQUIRE_FALSE(spaced);
    CHECK(spaced.status().message() ==
          "request not sent: the request target is empty or holds a space or control character");
    CHECK_FALSE(api::format_request("GET", "/a b", "h"));
    CHECK_FALSE(api::format_request("GET", "", "h"));
    CHECK_FALSE(api::format_request("GET /y", "/x", "h"));
    CHECK_FALSE(api::format_request("GET", "/x", "h", {}, {{"X:Y", "v"}}));
    CHECK_FALSE(api::format_request("GET", "/x", "h", {}, {{"", "v"}}));
    // Visible text, tabs and spaces in a value are fine (a value is not a line).
    CHECK(api::format_request("GET", "/x?a=%20", "h", {}, {{"X", "a b\tc"}}));
  }

  TEST_CASE("HttpClient sends nothing for a request format_request refuses") {
    // Port 1 listens nowhere: a request it tried to send would fail with kUnavailable instead.
    api::HttpClient c("127.0.0.1", 1);
    auto r = c.request("GET", "/x", {}, {{"Authorization", "Bearer t\r\nX-Admin: yes"}});
    REQUIRE_FALSE(r);
    CHECK(r.status().code() == Errc::kInvalidArgument);
    CHECK(c.request("GET", "/x\r\n").status().code() == Errc::kInvalidArgument);
    CHECK(c.request("GET", "/x").status().code() == Errc::kUnavailable);
  }

  TEST_CASE("authority: host:port, an IPv6 literal in brackets (the Host header, RFC 9110 7.2)") {
    CHECK(api::authority("127.0.0.1", 8080) == "127.0.0.1:8080");
    CHECK(api::authority("localhost", 1) == "localhost:1");
    CHECK(api::authority("::1", 8080) == "[::1]:8080");
  }

  TEST_CASE("from_url refuses a host with spaces or control characters") {
    CHECK_FALSE(api::HttpClient::from_url("http://a\r\nX: y:8080"));
    CHECK_FALSE(api::HttpClient::from_url("http://a b:8080"));
    auto v6 = api::HttpClient::from_url("http://[::1]:8080/");
    REQUIRE(v6);
    CHECK(v6->host() == "::1");
    CHECK(v6->port() == 8080);
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
