// same_json(): see json_equal.h.
#include "engine/json_equal.h"

#include <cstdint>
#include <limits>

namespace cairn::engine {
namespace {

// A JSON number's exact value: a long double's significand (64 bits on x86-64, 113 on AArch64)
// holds every int64, uint64 and double.
static_assert(std::numeric_limits<long double>::digits >= 64);
long double exact_number(const Json& j) {
  if (j.is_number_float()) return j.get<double>();
  if (j.is_number_unsigned()) return static_cast<long double>(j.get<std::uint64_t>());
  return static_cast<long double>(j.get<std::int64_t>());
}

}  // namespace

bool same_json(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return exact_number(a) == exact_number(b);
  if (a.type() != b.type()) return false;
  if (!a.is_structured()) return a == b;
  if (a.size() != b.size()) return false;
  for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
    if ((a.is_object() && i.key() != j.key()) || !same_json(*i, *j)) return false;
  return true;
}

}  // namespace cairn::engine
