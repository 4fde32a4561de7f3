// IdFilter: 4 probes from one 64-bit hash (double hashing), bits set and read with release/acquire.
#include "store/id_filter.h"

#include <algorithm>
#include <bit>
#include <functional>

namespace cairn::store {

namespace {

constexpr int kProbes = 4;
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

template <class Probe>
bool IdFilter::probe_all(std::string_view id, Probe probe) const {
  const std::uint64_t h = std::hash<std::string_view>{}(id);
  const std::uint64_t step = mix(h) | 1;  // odd: the probes never repeat a bit
  bool all = true;
  for (int i = 0; i < kProbes; ++i) {
    const std::uint64_t bit = (h + static_cast<std::uint64_t>(i) * step) & bits_mask_;
    all &= probe(words_[bit / 64], std::uint64_t{1} << (bit % 64));
  }
  return all;
}

void IdFilter::add(std::string_view id) {
  probe_all(id, [](std::atomic<std::uint64_t>& word, std::uint64_t mask) {
    word.fetch_or(mask, std::memory_order_release);
    return true;
  });
}

bool IdFilter::may_contain(std::string_view id) const {
  return probe_all(id, [](const std::atomic<std::uint64_t>& word, std::uint64_t mask) {
    return (word.load(std::memory_order_acquire) & mask) != 0;
  });
}

}  // namespace cairn::store
