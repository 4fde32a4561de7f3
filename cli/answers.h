// What the admin commands expect of each API answer (/work/shared/API.md): the success status
// codes and the JSON fields the CLI reads, with their types. Session::call (cli/session.h) checks
// every answer against one of these, so the output code reads fields it knows are there.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cairn/json.h"

namespace cairn::cli {

// The JSON types a field may have, as a bit set.
enum Kind : unsigned { kNull = 1, kString = 2, kNumber = 4, kBool = 8, kObject = 16, kArray = 32, kAnyKind = 63 };

struct Field {
  const char* name;
  unsigned kinds;
  // The fields of this object, or of each item of this array (the items must then be objects).
  const std::vector<Field>* members = nullptr;
};

struct Expected {
  std::vector<int> statuses;  // the 2xx codes API.md gives for the request
  std::vector<Field> fields;  // required fields of the top-level object
};

// nullopt when `object` has every field with an allowed type; otherwise the first problem,
// e.g. "workflows[0].id is a number, not a string".
std::optional<std::string> mismatch(const Json& object, const std::vector<Field>& fields);

// The answers, by request.
extern const Expected kStartAnswer;    // POST /v1/workflows
extern const Expected kRunListAnswer;  // GET /v1/workflows
extern const Expected kRunAnswer;      // GET /v1/workflows/{id}
extern const Expected kHistoryAnswer;  // GET /v1/workflows/{id}/history
extern const Expected kSignalAnswer;   // POST /v1/workflows/{id}/signals/{name}
extern const Expected kActionAnswer;   // POST /v1/workflows/{id}/cancel|terminate|retry
extern const Expected kAuditAnswer;    // GET /v1/audit
extern const Expected kTypesAnswer;    // GET /v1/workflow-types
// Every non-2xx answer: {"error": {"code", "message"}}.
extern const std::vector<Field> kErrorFields;

}  // namespace cairn::cli
