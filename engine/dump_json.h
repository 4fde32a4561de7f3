// dump_json(): the engine's Json-to-text for journal payloads, without Json::dump's allocations.
#pragma once

#include <string>

#include "cairn/json.h"

namespace cairn::engine {
// j.dump() (compact, UTF-8 checked the same way) with one allocation of the exact size:
// Json::dump builds a serializer (two allocations) and grows its string by appending, which
// reallocates four or five times for a 150-byte event. This keeps one serializer and its buffer
// per thread and copies the text out.
inline std::string dump_json(const Json& j) {
  thread_local std::string scratch;
  thread_local nlohmann::detail::serializer<Json> serializer(
      nlohmann::detail::output_adapter<char, std::string>(scratch), ' ');
  scratch.clear();
  serializer.dump(j, false, false, 0);
  std::string out = scratch;
  if (scratch.capacity() > (std::size_t{64} << 10)) scratch.clear(), scratch.shrink_to_fit();  // keep no large buffer
  return out;
}
}  // namespace cairn::engine
