// IdFilter: bits set and read with release/acquire, no lock.
#include "store/id_filter.h"

#include <algorithm>
#include <bit>
#include <functional>

namespace cairn::store {

namespace {

constexpr std::size_t kBitsPerId = 16;
constexpr std::size_t kMinBits = std::size_t{1} << 23;  // 1 MiB

// splitmix64's finaliser: spreads std::hash's bits over the second probe step.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

IdFilter::IdFilter(std::size_t expected)
    : bits_mask_(std::bit_ceil(std::max(kMinBits, expected * kBitsPerId)) - 1),
      words_(std::make_unique<std::atomic<std::uint64_t>[]>((bits_mask_ + 1) / 64)) {}

std::array<std::uint64_t, IdFilter::kProbes> IdFilter::bits_of(Kind kind, std::string_view name) const {
  // A key's hash is moved by an odd constant (the golden ratio's): its probes are not its id twin's.
  const std::uint64_t h =
      std::hash<std::string_view>{}(name) + (kind == Kind::kRunId ? 0 : 0x9e3779b97f4a7c15ULL);
  const std::uint64_t step = mix(h) | 1;  // odd: the probes never repeat a bit
  std::array<std::uint64_t, kProbes> bits{};
  for (int i = 0; i < kProbes; ++i) bits[i] = (h + static_cast<std::uint64_t>(i) * step) & bits_mask_;
  return bits;
}

void IdFilter::add(Kind kind, std::string_view name) {
  for (std::uint64_t bit : bits_of(kind, name)) words_[bit / 64].fetch_or(std::uint64_t{1} << (bit % 64), std::memory_order_release);
}

bool IdFilter::may_contain(Kind kind, std::string_view name) const {
  for (std::uint64_t bit : bits_of(kind, name))
    if (!(words_[bit / 64].load(std::memory_order_acquire) & (std::uint64_t{1} << (bit % 64)))) return false;
  return true;
}

}  // namespace cairn::store
