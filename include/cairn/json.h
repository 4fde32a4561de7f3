// The JSON type every payload travels as: workflow inputs and results, activity inputs and
// results, signal payloads, query answers. Typed values convert through nlohmann's
// to_json/from_json (define them next to your types, or use NLOHMANN_DEFINE_TYPE_*).
#pragma once

#include <cstdint>
#include <limits>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

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
  const bool bounded = lo != std::numeric_limits<std::int64_t>::min() || hi != std::numeric_limits<std::int64_t>::max();
  throw std::invalid_argument(std::string(key) + " must be an integer" +
                              (bounded ? " between " + std::to_string(lo) + " and " + std::to_string(hi) : ""));
}

// The message of a conversion error for a 400 answer: nlohmann's "[json.exception.type_error.302] "
// prefix names the library, not the caller's input, so it is cut.
inline std::string input_error(const std::exception& e) {
  std::string what = e.what();
  if (what.rfind("[json.exception.", 0) == 0)
    if (auto end = what.find("] "); end != std::string::npos) what.erase(0, end + 2);
  return what;
}

// Throws std::invalid_argument("<what> must be a JSON object") unless `j` is one.
inline void require_object(const Json& j, const std::string& what) {
  if (!j.is_object()) throw std::invalid_argument(what + " must be a JSON object");
}

// A string field of an object: `fallback` when absent or null; anything but a string throws
// std::invalid_argument naming the field.
inline std::string string_field(const Json& j, const char* key, std::string fallback = {}) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_string()) throw std::invalid_argument(std::string(key) + " must be a string");
  return it->get<std::string>();
}

// An array field of an object, each element converted to T: empty when absent or null. A
// non-array, or an element that does not convert, throws std::invalid_argument naming the field
// and the element ("items[2]: qty must be an integer").
template <class T>
std::vector<T> list_field(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_array()) throw std::invalid_argument(std::string(key) + " must be an array");
  std::vector<T> out;
  out.reserve(it->size());
  for (std::size_t i = 0; i < it->size(); ++i) {
    try {
      out.push_back((*it)[i].template get<T>());
    } catch (const std::exception& e) {
      throw std::invalid_argument(std::string(key) + "[" + std::to_string(i) + "]: " + input_error(e));
    }
  }
  return out;
}

}  // namespace cairn
