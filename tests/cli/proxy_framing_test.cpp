// The admin commands behind a proxy: answers framed by chunks or by the connection's close (as a
// proxy may re-frame Cairn's Content-Length answers), or after an interim 100, are read whole;
// broken framing is an answer that never came (exit 5), not a crash.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <utility>

#include "cli/cli_run.h"
#include "cli/stub_server.h"

using cairn::test::cairn_cli;
using cairn::test::has;
using cairn::test::Run;
using cairn::test::StubServer;

namespace {

const std::string kStarted = R"({"id":"r1","type":"bench.steps","status":"running"})";
const std::string kCreatedHead = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n";

// `body` in two chunks, the first with a chunk extension, and a trailer field after the last.
std::string chunked(const std::string& body) {
  const std::string a = body.substr(0, 10), b = body.substr(10);
  char sizes[32];
  std::snprintf(sizes, sizeof sizes, "%zX|%zX", a.size(), b.size());
  const std::string s(sizes);
  const std::size_t bar = s.find('|');
  return s.substr(0, bar) + ";name=value\r\n" + a + "\r\n" + s.substr(bar + 1) + "\r\n" + b + "\r\n0\r\nX-Trailer: t\r\n\r\n";
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("a chunked answer is read whole") {
    StubServer stub(StubServer::Raw{kCreatedHead + "Transfer-Encoding: chunked\r\n\r\n" + chunked(kStarted)});
    Run r = cairn_cli(stub.url(), "start bench.steps --input '{}'");
    CHECK(r.code == 0);
    CHECK(has(r, "r1 running (created)"));
  }

  TEST_CASE("an answer without a length ends where the server closes the connection") {
    StubServer stub(StubServer::Raw{kCreatedHead + "\r\n" + kStarted});
    Run r = cairn_cli(stub.url(), "start bench.steps --input '{}' --json");
    CHECK(r.code == 0);
    CHECK(has(r, R"("id": "r1")"));
  }

  TEST_CASE("an interim 100 Continue before the answer is skipped") {
    StubServer stub(StubServer::Raw{"HTTP/1.1 100 Continue\r\n\r\n" + kCreatedHead +
                                    "Content-Length: " + std::to_string(kStarted.size()) + "\r\n\r\n" + kStarted});
    Run r = cairn_cli(stub.url(), "start bench.steps --input '{}'");
    CHECK(r.code == 0);
    CHECK(has(r, "r1 running (created)"));
  }

  TEST_CASE("broken framing is an answer that never came: exit 5, saying why") {
    const std::pair<std::string, std::string> cases[] = {
        {"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", "bad chunk size: zz"},
        {"Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n", "a chunk's data is not followed by CRLF"},
        {"Transfer-Encoding: chunked\r\n\r\n5\r\n{}", "connection closed by the server"},
        {"Content-Length: 12abc\r\n\r\n{}", "bad Content-Length: 12abc"},
        {"Content-Length: 999999999999\r\n\r\n{}", "bad Content-Length: 999999999999"},
    };
    for (const auto& [rest, why] : cases) {
      CAPTURE(rest);
      StubServer stub(StubServer::Raw{kCreatedHead + rest});
      Run r = cairn_cli(stub.url(), "start bench.steps --input '{}'");
      CHECK(r.code == 5);
      CHECK(has(r, why));
    }
  }
}
