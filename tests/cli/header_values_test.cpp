// What the CLI puts in request headers: a token or idempotency key that could add headers or whole
// requests (a CR/LF in it) is a usage error before anything is sent, and Host names the server's
// port (RFC 9110 §7.2).
#include <doctest/doctest.h>

#include <string>

#include "cli/cli_run.h"
#include "cli/stub_server.h"

using namespace cairn::test;

namespace {

const std::string kRun = R"({"id": "r1", "type": "t", "status": "running"})";

// `value` as one shell word: CR, LF and tabs go through single quotes as they are (popen's sh has
// no $'...').
std::string quoted(const std::string& value) { return "'" + value + "'"; }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("an idempotency key outside 1-256 visible ASCII characters is refused before any request") {
    StubServer stub(201, kRun);
    // The audit's attack: the key ended the start request and sent a terminate of another run.
    const std::string smuggled =
        "zz\r\nContent-Length: 0\r\n\r\nPOST /v1/workflows/victim-1/terminate HTTP/1.1\r\nHost: x\r\n";
    for (const std::string& key : {smuggled, std::string("a b"), std::string("a\tb"), std::string("\xc3\xa9"),
                                   std::string("a\x7f"), std::string(257, 'k')}) {
      CAPTURE(key);
      Run start = cairn_cli(stub.url(), "start bench.steps --input '{}' --idempotency-key " + quoted(key));
      CHECK(start.code == 2);
      CHECK(has(start, "cairn start: --idempotency-key must be 1 to 256 visible ASCII characters (! to ~, no space)"));
      CHECK(cairn_cli(stub.url(), "signal r1 go --data '{}' --idempotency-key " + quoted(key)).code == 2);
    }
    CHECK(stub.requests().empty());
    CHECK(cairn_cli(stub.url(), "start bench.steps --input '{}' --idempotency-key " + std::string(256, '~')).code == 0);
    CHECK(stub.requests().size() == 1);
  }

  TEST_CASE("a token with control characters, spaces or non-ASCII bytes is refused before any request") {
    StubServer stub(200, R"({"types": []})");
    const std::string expected =
        "cairn types: the token (--token or CAIRN_TOKEN) may hold only visible ASCII characters (! to ~)";
    for (const char* token : {"t\r\nX-Forwarded-For: 1.2.3.4", "t\n", "a b", "\x7f", "\xc3\xa9"}) {
      CAPTURE(token);
      Run flag = cairn_cli(stub.url(), "types --token " + quoted(token));
      CHECK(flag.code == 2);
      CHECK(has(flag, expected));
      Run env = cairn_plain("types --server " + stub.url(), "CAIRN_TOKEN=" + quoted(token));
      CHECK(env.code == 2);
      CHECK(has(env, expected));
    }
    CHECK(stub.requests().empty());
    CHECK(cairn_cli(stub.url(), "types --token 's3cret!~'").code == 0);
    REQUIRE(stub.requests().size() == 1);
    CHECK(contains(stub.requests()[0], "\r\nAuthorization: Bearer s3cret!~\r\n"));
  }

  TEST_CASE("the Host header names the server's port") {
    StubServer stub(200, R"({"types": []})");
    REQUIRE(cairn_cli(stub.url(), "types").code == 0);
    REQUIRE(stub.requests().size() == 1);
    CHECK(contains(stub.requests()[0], "\r\nHost: 127.0.0.1:" + std::to_string(stub.port()) + "\r\n"));
  }
}
