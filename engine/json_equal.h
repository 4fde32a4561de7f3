// same_json(): JSON equality with numbers compared by their exact value, for the engine's checks
// of a run's input (a repeated start, a run row against its WorkflowStarted event).
#pragma once

#include "cairn/json.h"

namespace cairn::engine {

// Json's == compares an integer with a float as doubles and an int64 with a uint64 after a cast,
// so 9007199254740993 equals 9007199254740992.0 and -1 equals 18446744073709551615 by it. Here
// numbers are equal when their values are (1 equals 1.0); everything else is as ==.
bool same_json(const Json& a, const Json& b);

}  // namespace cairn::engine
