// Unit tests of the input checks, time formatting, target parsing, the error table and the
// start reply written as text.
#include <doctest/doctest.h>

#include "api/errors.h"
#include "api/http_types.h"
#include "api/run_json.h"
#include "api/validate.h"

using namespace cairn::api;

TEST_SUITE("api") {
  TEST_CASE("ids follow [A-Za-z0-9._:-]{1,128}") {
    CHECK(valid_id("order-1.a_b:c"));
    CHECK(valid_id(std::string(128, 'x')));
    CHECK_FALSE(valid_id(""));
    CHECK_FALSE(valid_id(std::string(129, 'x')));
    CHECK_FALSE(valid_id("a b"));
    CHECK_FALSE(valid_id("a/b"));
    CHECK_FALSE(valid_id("é"));
  }

  TEST_CASE("wait takes ms or s up to 60 s") {
    CHECK(*parse_wait("500ms") == 500);
    CHECK(*parse_wait("5s") == 5000);
    CHECK(*parse_wait("60s") == 60000);
    CHECK(*parse_wait("0s") == 0);
    for (const char* bad : {"61s", "60001ms", "5", "s", "ms", "-1s", "1m", "1.5s", "99999999999999999999s", ""})
      CHECK_MESSAGE(!parse_wait(bad), bad);
  }

  TEST_CASE("limits are 1 to 1000") {
    CHECK(*parse_limit("1") == 1);
    CHECK(*parse_limit("1000") == 1000);
    CHECK_FALSE(parse_limit("0"));
    CHECK_FALSE(parse_limit("1001"));
    CHECK_FALSE(parse_limit("ten"));
  }

  TEST_CASE("RFC 3339 times parse with offsets and print as UTC with milliseconds") {
    CHECK(*parse_rfc3339("1970-01-01T00:00:00Z") == 0);
    CHECK(*parse_rfc3339("2026-01-01T00:00:00Z") == 1'767'225'600'000);
    CHECK(*parse_rfc3339("2026-01-01T02:00:00.5+02:00") == 1'767'225'600'500);
    CHECK(*parse_rfc3339("2024-02-29T12:00:00.123456Z") == *parse_rfc3339("2024-02-29T12:00:00.123Z"));
    CHECK(format_rfc3339(1'767'225'600'000) == "2026-01-01T00:00:00.000Z");
    CHECK(format_rfc3339(951'782'400'007) == "2000-02-29T00:00:00.007Z");
    for (Millis t : {0LL, 1'767'225'600'123LL, 4'102'444'799'999LL})
      CHECK(*parse_rfc3339(format_rfc3339(t)) == t);
    for (const char* bad : {"2026-01-01", "2026-01-01T00:00:00", "2026-02-30T00:00:00Z", "2026-01-01T24:00:00Z",
                            "2026-01-01T00:00:00+2:00", "yesterday", "2026-01-01T00:00:00Zjunk"})
      CHECK_MESSAGE(!parse_rfc3339(bad), bad);
    // "+01:00" unescaped in a query string is decoded to " 01:00": the error says how to send it.
    auto spaced = parse_rfc3339("2026-01-01T02:00:00.519 01:00");
    REQUIRE_FALSE(spaced);
    CHECK(spaced.status().message().find("send it as %2B") != std::string::npos);
  }

  TEST_CASE("targets split into a decoded path and query") {
    Request r;
    REQUIRE(parse_target("/v1/workflows/a%3Ab?status=stuck&type=order.place&x=a+b&flag", r));
    CHECK(r.path == "/v1/workflows/a:b");
    CHECK(r.query["status"] == "stuck");
    CHECK(r.query["x"] == "a b");
    CHECK(r.query.count("flag") == 1);
    CHECK_FALSE(parse_target("v1/x", r));
    // The absolute form (RFC 9112, 3.2.2: a server must accept it): the authority is ignored.
    REQUIRE(parse_target("HTTP://cairn.example:8080/v1/workflows/a?status=stuck", r));
    CHECK(r.path == "/v1/workflows/a");
    CHECK(r.query.at("status") == "stuck");
    REQUIRE(parse_target("http://cairn.example?x=1", r));
    CHECK(r.path == "/");
    CHECK(r.query.at("x") == "1");
    CHECK_FALSE(parse_target("http:///v1/x", r));
    CHECK_FALSE(parse_target("ftp://h/v1/x", r));
    CHECK_FALSE(parse_target("/v1/%zz", r));
    CHECK_FALSE(parse_target("/v1/%4", r));
  }

  TEST_CASE("JSON bodies: depth limit, malformed text, content types") {
    CHECK(parse_json(std::string(64, '[') + std::string(64, ']')));
    CHECK_FALSE(parse_json(std::string(65, '{')));
    CHECK(parse_json(R"({"s":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\""})"));
    CHECK_FALSE(parse_json("{"));
    // A NUL ended the parse: what preceded it was accepted, the rest ignored.
    CHECK_FALSE(parse_json(std::string(R"({"type":"t"})") + '\0' + "garbage{{{"));
    CHECK_FALSE(parse_json(std::string("1") + '\0' + " not json"));
    // Integers past 64 bits were kept as doubles, rounded: 2^64 + 1 read back as 2^64.
    auto big = parse_json(R"({"x":18446744073709551617})");
    REQUIRE_FALSE(big);
    CHECK(big.status().message() == "the integer 18446744073709551617 does not fit in 64 bits; send it as a string");
    CHECK_FALSE(parse_json("[-9223372036854775809]"));
    CHECK(parse_json("[18446744073709551615, -9223372036854775808, 0, -0, 1.5e300, 123456789012345678901234567890.5]"));
    CHECK(parse_json(R"({"s":"123456789012345678901234567890"})"));  // in a string: text
    CHECK(is_json_content_type("application/json"));
    CHECK(is_json_content_type("Application/JSON; charset=utf-8"));
    CHECK_FALSE(is_json_content_type("text/plain"));
    CHECK_FALSE(is_json_content_type(""));
    CHECK(is_json_content_type("application/json ;charset=utf-8"));  // whitespace before a parameter
    CHECK_FALSE(is_json_content_type("application/jsonx"));
    CHECK_FALSE(is_json_content_type("application/json-patch+json"));
  }

  TEST_CASE("JSON bodies: numbers a double cannot hold are refused; the rest parse as Json::parse parses them") {
    // Underflow was accepted as 0: non-zero digits, yet the value read back as 0.
    for (std::string tiny : {std::string("1e-400"), std::string("-2.5E-999"), "0." + std::string(400, '0') + "1"}) {
      auto r = parse_json("[" + tiny + "]");
      REQUIRE_FALSE_MESSAGE(r, tiny);
      CHECK(r.status().message().find("too small for a 64-bit float") != std::string::npos);
    }
    auto tiny = parse_json(R"({"x":1e-400})");
    REQUIRE_FALSE(tiny);
    CHECK(tiny.status().message() ==
          "the number 1e-400 is too small for a 64-bit float (it would read as 0); send it as a string");
    // Overflow was refused as "malformed JSON body", which it is not.
    auto huge = parse_json(R"({"x":-1e400})");
    REQUIRE_FALSE(huge);
    CHECK(huge.status().message() == "the number -1e400 is too large for a 64-bit float; send it as a string");
    // Zeros and the smallest subnormal are values a double holds.
    for (const char* body : {"[0e-400, 0.0e5, -0.0, 0, -0, 5e-324, 1.7976931348623157e308]",
                             R"({"a":1,"a":[2,{"b":null,"c":true}],"s":"x\u0000y","":-9223372036854775808})"}) {
      auto r = parse_json(body);
      REQUIRE_MESSAGE(r, body);
      CHECK(r->dump() == cairn::Json::parse(body).dump());  // a repeated key keeps its last value
    }
  }

  TEST_CASE("every engine error maps to one status and code; internals are not shown") {
    using cairn::Errc;
    CHECK(error_info(api_error_for(Errc::kNotFound)).status == 404);
    CHECK(error_info(api_error_for(Errc::kConflict)).status == 409);
    CHECK(error_info(api_error_for(Errc::kInvalidArgument)).code == "bad_request");
    CHECK(error_info(api_error_for(Errc::kOverloaded)).status == 429);
    CHECK(error_info(api_error_for(Errc::kUnavailable)).status == 503);
    CHECK(error_info(api_error_for(Errc::kDiskFull)).status == 503);
    CHECK(error_info(api_error_for(Errc::kNondeterminism)).status == 500);
    Response overloaded = error_response(cairn::Status{Errc::kOverloaded, "busy"});
    CHECK(overloaded.status == 429);
    REQUIRE(overloaded.headers.size() == 1);
    CHECK(overloaded.headers[0] == std::pair<std::string, std::string>{"Retry-After", "1"});
    CHECK(error_info(api_error_for(Errc::kCorruption)).status == 503);  // a damaged file, not a bug
    Response internal = error_response(cairn::Status{Errc::kInternal, "page 7 of /secret/path is bad"});
    CHECK(internal.status == 500);
    CHECK(internal.body.find("/secret/path") == std::string::npos);
    CHECK(internal.body.find("internal error (ref ") != std::string::npos);
    Response damaged = error_response(cairn::Status{Errc::kCorruption, "page 7 of /secret/path is bad"});
    CHECK(damaged.status == 503);
    CHECK(damaged.body.find("/secret/path") == std::string::npos);
    CHECK(damaged.body.find("(ref ") != std::string::npos);
  }

  TEST_CASE("the start reply written as text is the JSON the Json library writes, for any type name") {
    using cairn::store::RunStatus;
    const std::string invalid_utf8 = "bad\xff" "byte";
    for (std::string type : {std::string("bench.steps"), std::string("we\"ird\\name"), std::string("tab\there\x01"),
                             std::string("caf\xc3\xa9"), invalid_utf8}) {
      std::string text = start_reply_body("order-1", type, RunStatus::kRunning);
      cairn::Json parsed = cairn::Json::parse(text, nullptr, /*allow_exceptions=*/false);
      REQUIRE_MESSAGE(parsed.is_object(), text);
      CHECK(parsed.size() == 3);
      CHECK(parsed["id"] == "order-1");
      CHECK(parsed["status"] == "running");
      if (type != invalid_utf8) CHECK(parsed["type"] == type);
      else CHECK(parsed["type"] == "bad\xef\xbf\xbd" "byte");  // the invalid byte becomes U+FFFD
    }
    CHECK(start_reply_body("r-1", "t", RunStatus::kCompleted) == R"({"id":"r-1","type":"t","status":"completed"})");
  }
}
