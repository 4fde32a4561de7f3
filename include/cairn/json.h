// The JSON type every payload travels as: workflow inputs and results, activity inputs and
// results, signal payloads, query answers. Typed values convert through nlohmann's
// to_json/from_json (define them next to your types, or use NLOHMANN_DEFINE_TYPE_*).
#pragma once

#include <nlohmann/json.hpp>

namespace cairn {
using Json = nlohmann::json;
}  // namespace cairn
