// Bug: a request whose path holds invalid UTF-8 (`GET /v1\xff/workflows`) made the 404 message's JSON dump throw type_error.316 out of Router::dispatch, and `cairn serve` died in std::terminate (found by fuzz_http_request); it must answer with the error body.
#include <doctest/doctest.h>

#include "faults/fault_fixture.h"

namespace cairn::test {
namespace {

TEST_SUITE("regressions") {

TEST_CASE("issue 2: a path with invalid UTF-8 is answered with an error body, not an exception") {
  FaultFixture f;
  Answer a;
  CHECK_NOTHROW(a = f.call("GET", "/v1\xff\xff/workflows/f1/history?after=0&limit=10"));
  CHECK((a.status == 404 || a.status == 400));
  CHECK_FALSE(a.code().empty());
  CHECK(f.call("GET", "/healthz").status == 200);
}

}  // TEST_SUITE
}  // namespace
}  // namespace cairn::test
