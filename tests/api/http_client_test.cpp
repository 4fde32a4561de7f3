// The HTTP/1.1 framing HttpClient and the benchmark's async client share: request text (and the
// parts it refuses to send), the Host value, and where an answer ends in the bytes read so far.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "api/header_tokens.h"
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

  TEST_CASE("header tokens: case-insensitive names and prefixes, lower-cased keys, trimmed values") {
    CHECK(api::iequals("Content-Type", "content-type"));
    CHECK_FALSE(api::iequals("content-typ", "content-type"));
    CHECK(api::starts_with_nocase("HTTPS://x", "https://"));
    CHECK(api::starts_with_nocase("Bearer t", "bearer "));
    CHECK_FALSE(api::starts_with_nocase("http", "http://"));
    CHECK(api::lowercase("X-Request-ID") == "x-request-id");
    CHECK(api::trim(" \tclose \t") == "close");
  }

  TEST_CASE("from_url takes HOST:PORT without a scheme, and says that https is not served") {
    for (const char* url : {"127.0.0.1:8080", "HTTP://127.0.0.1:8080", "127.0.0.1:8080/"}) {
      auto c = api::HttpClient::from_url(url);
      REQUIRE_MESSAGE(c, url);
      CHECK(c->host() == "127.0.0.1");
      CHECK(c->port() == 8080);
    }
    auto tls = api::HttpClient::from_url("https://cairn.example:443");
    REQUIRE_FALSE(tls);
    CHECK(tls.status().message().starts_with("https is not supported"));
    auto other = api::HttpClient::from_url("ftp://cairn.example:21");
    REQUIRE_FALSE(other);
    CHECK(other.status().message().starts_with("server URL must start with http://"));
    CHECK_FALSE(api::HttpClient::from_url("127.0.0.1"));  // no port
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

  TEST_CASE("frame_response: chunked wins over a length, and without either the body ends at the close") {
    using api::BodyFraming;
    auto framing = [](const std::string& head) {
      auto f = api::frame_response(head + "\r\n");
      REQUIRE(f);
      REQUIRE(f->has_value());
      return (*f)->framing;
    };
    CHECK(framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n") == BodyFraming::kChunked);
    CHECK(framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n") == BodyFraming::kChunked);
    CHECK(framing("HTTP/1.1 200 OK\r\n") == BodyFraming::kUntilClose);
    // A coding after chunked: the body's end is unknown but for the close, whatever the length says.
    CHECK(framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\nContent-Length: 5\r\n") ==
          BodyFraming::kUntilClose);
    CHECK(framing("HTTP/1.0 500 Oops\r\n") == BodyFraming::kUntilClose);
    for (const char* none :
         {"HTTP/1.1 204 No Content\r\n", "HTTP/1.1 304 Not Modified\r\n", "HTTP/1.1 100 Continue\r\n"})
      CHECK(framing(none) == BodyFraming::kLength);
    for (const char* bad : {"-1", "1e3", "", "0x10", "68719476736"}) {
      CAPTURE(bad);
      auto f = api::frame_response(std::string("HTTP/1.1 200 OK\r\nContent-Length: ") + bad + "\r\n\r\n");
      REQUIRE_FALSE(f);
      CHECK(f.status().message() == std::string("bad Content-Length: ") + bad);
    }
  }

  TEST_CASE("next_chunk: one chunk at a time, extensions ignored, the last one takes its trailers") {
    const std::string body = "5;ext=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\nnext";
    auto first = api::next_chunk(body);
    REQUIRE(first);
    REQUIRE(first->has_value());
    CHECK(body.substr((*first)->data_start, (*first)->data_length) == "hello");
    CHECK_FALSE((*first)->last);
    auto last = api::next_chunk(std::string_view(body).substr((*first)->size));
    REQUIRE(last);
    REQUIRE(last->has_value());
    CHECK((*last)->last);
    CHECK(body.substr((*first)->size + (*last)->size) == "next");  // what follows the body stays
    for (const char* partial : {"5", "5\r\nhel", "5\r\nhello\r", "0\r\n", "0\r\nX-T: 1\r\n"}) {
      CAPTURE(partial);
      auto p = api::next_chunk(partial);
      REQUIRE(p);
      CHECK_FALSE(p->has_value());
    }
    for (const char* bad : {"zz\r\n", "\r\n", "5\r\nhelloXY", "123456789\r\n"}) {
      CAPTURE(bad);
      CHECK(api::next_chunk(bad).status().code() == Errc::kIoError);
    }
  }
}
