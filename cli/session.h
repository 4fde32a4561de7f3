// Session: the admin commands' one way to call the server. It sends the token and idempotency
// key, and checks every answer (status code and JSON shape, cli/answers.h) before a command reads
// it, so a command either gets Cairn's answer or the CLI exits with a message and code.
#pragma once

#include <string>

#include "api/http_client.h"
#include "cairn/json.h"
#include "cli/answers.h"

namespace cairn::cli {

// Thrown to end a command with an exit code (cli/args.h) once the reason is printed on stderr.
struct Failure {
  int code;
};

struct Reply {
  int status;  // one of the Expected statuses
  Json body;   // an object with the Expected fields
};

class Session {
 public:
  Session(api::HttpClient client, std::string token) : client_(std::move(client)), token_(std::move(token)) {}

  // The answer when it is what `expected` says. Otherwise prints why and throws Failure:
  // kExitApiError for Cairn's error answers, kExitBadAnswer for anything that is not Cairn's API,
  // kExitNoConnection when the server cannot be reached (nothing was sent), kExitNoAnswer when the
  // request was sent but no answer came (the server may have applied it).
  Reply call(const std::string& method, const std::string& target, const Expected& expected,
             const std::string& body = "", const std::string& idempotency_key = "");

 private:
  // Prints why `request` got no answer and throws the Failure its HttpClient error class calls for.
  [[noreturn]] void no_answer(const std::string& request, const Status& why) const;

  api::HttpClient client_;
  std::string token_;
};

}  // namespace cairn::cli
