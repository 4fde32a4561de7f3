// The JSON type every payload travels as: workflow inputs and results, activity inputs and
// results, signal payloads, query answers. Typed values convert through nlohmann's
// to_json/from_json (define them next to your types, or use NLOHMANN_DEFINE_TYPE_*).
#pragma once

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace cairn {
using Json = nlohmann::json;

// An integer field of an object: `fallback` when absent or null, the value when it is a JSON
// integer within [lo, hi]; anything else (1.5, 1e300, "3", beyond int64) throws
// std::invalid_argument naming the field. Prefer it to `j.value(key, 0)`, which converts a
// double silently (undefined behaviour when it does not fit).
inline std::int64_t int_field(const Json& j, const char* key, std::int64_t fallback,
                              std::int64_t lo = std::numeric_limits<std::int64_t>::min(),
                              std::int64_t hi = std::numeric_limits<std::int64_t>::max()) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  bool fits = it->is_number_integer() &&
              !(it->is_number_unsigned() && it->get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max()));
  if (fits) {
    auto v = it->get<std::int64_t>();
    if (v >= lo && v <= hi) return v;
  }
  throw std::invalid_argument(std::string(key) + " must be an integer between " + std::to_string(lo) + " and " +
                              std::to_string(hi));
}
}  // namespace cairn
