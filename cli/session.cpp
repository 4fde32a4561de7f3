// Session: one HTTP call, and the check that its answer is Cairn's.
#include "cli/session.h"

#include <algorithm>
#include <cstdio>

#include "cli/args.h"
#include "cli/format.h"

namespace cairn::cli {

namespace {

[[noreturn]] void not_cairn(const std::string& why) {
  std::fprintf(stderr, "cairn: the server's answer is not Cairn's API: %s\n", why.c_str());
  throw Failure{kExitBadAnswer};
}

}  // namespace

void Session::no_answer(const std::string& request, const Status& why) const {
  const std::string server = api::authority(client_.host(), client_.port());
  const char* what = why.message().c_str();
  switch (why.code()) {
    case Errc::kInvalidArgument:  // the arguments are checked before: a request the CLI should not make
      std::fprintf(stderr, "cairn: %s: %s\n", request.c_str(), what);
      throw Failure{kExitUsage};
    case Errc::kUnavailable:  // nothing of the request was written
      std::fprintf(stderr, "cairn: cannot reach %s: %s\n", server.c_str(), what);
      throw Failure{kExitNoConnection};
    default:  // kIoError, kTimeout: written, then the connection broke or stayed silent
      std::fprintf(stderr,
                   "cairn: %s was sent to %s, but no answer came (%s): it may or may not have been applied; retry it "
                   "(with the same id or idempotency key) or look with `cairn show`\n",
                   request.c_str(), server.c_str(), what);
      throw Failure{kExitNoAnswer};
  }
}

Reply Session::call(const std::string& method, const std::string& target, const Expected& expected,
                    const std::string& body, const std::string& idempotency_key) {
  api::HttpHeaders headers;
  if (!token_.empty()) headers.emplace_back("Authorization", "Bearer " + token_);
  if (!idempotency_key.empty()) headers.emplace_back("Idempotency-Key", idempotency_key);
  auto r = client_.request(method, target, body, headers);
  if (!r) no_answer(method + " " + target, r.status());
  const std::string answered = method + " " + target + " answered " + std::to_string(r->status);
  Json j = Json::parse(r->body, nullptr, false);
  const bool object = !j.is_discarded() && j.is_object();
  if (r->status >= 200 && r->status < 300) {
    const auto& ok = expected.statuses;
    if (std::find(ok.begin(), ok.end(), r->status) == ok.end()) {
      std::string want;
      for (int s : ok) want += (want.empty() ? "" : " or ") + std::to_string(s);
      not_cairn(answered + ", expected " + want);
    }
    if (!object) not_cairn(answered + " with a body that is not a JSON object");
    if (auto why = mismatch(j, expected.fields)) not_cairn(answered + ": " + *why);
    return {r->status, std::move(j)};
  }
  if (r->status < 400 || !object || mismatch(j, kErrorFields))
    not_cairn(answered + " without Cairn's {\"error\": {\"code\", \"message\"}} body");
  std::fprintf(stderr, "error: %s (%d): %s\n", printable(j["error"]["code"].get<std::string>()).c_str(), r->status,
               printable(j["error"]["message"].get<std::string>()).c_str());
  throw Failure{kExitApiError};
}

}  // namespace cairn::cli
