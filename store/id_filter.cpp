// IdFilter: layers of bits set and read with release/acquire, no lock.
#include "store/id_filter.h"

#include <algorithm>
#include <array>
#include <bit>
#include <functional>
#include <memory>

namespace cairn::store {

namespace {

constexpr std::size_t kBitsPerName = 16;
constexpr std::size_t kMinBits = std::size_t{1} << 23;  // 1 MiB
constexpr int kProbes = 4;

// splitmix64's finaliser: spreads std::hash's bits over the second probe step.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

// One Bloom filter with room for `room` names; the layers before it stay, read-only.
struct IdFilter::Layer {
  explicit Layer(std::size_t bits, std::unique_ptr<Layer> prior)
      : mask(bits - 1), room(bits / kBitsPerName), words(std::make_unique<std::atomic<std::uint64_t>[]>(bits / 64)),
        before(std::move(prior)) {}

  // The bits that stand for `name`: 4 probes from one 64-bit hash (double hashing). A key's hash
  // is moved by an odd constant (the golden ratio's): its probes are not its id twin's.
  std::array<std::uint64_t, kProbes> bits_of(Kind kind, std::string_view name) const {
    const std::uint64_t h =
        std::hash<std::string_view>{}(name) + (kind == Kind::kRunId ? 0 : 0x9e3779b97f4a7c15ULL);
    const std::uint64_t step = mix(h) | 1;  // odd: the probes never repeat a bit
    std::array<std::uint64_t, kProbes> bits{};
    for (int i = 0; i < kProbes; ++i) bits[i] = (h + static_cast<std::uint64_t>(i) * step) & mask;
    return bits;
  }
  bool holds(Kind kind, std::string_view name) const {
    for (std::uint64_t bit : bits_of(kind, name))
      if (!(words[bit / 64].load(std::memory_order_acquire) & (std::uint64_t{1} << (bit % 64)))) return false;
    return true;
  }

  const std::uint64_t mask;  // the number of bits, a power of two, minus one
  const std::size_t room;
  std::size_t added = 0;  // by the adding thread only
  std::unique_ptr<std::atomic<std::uint64_t>[]> words;
  const std::unique_ptr<Layer> before;
};

IdFilter::IdFilter(std::size_t expected)
    : newest_(new Layer(std::bit_ceil(std::max(kMinBits, expected * kBitsPerName)), nullptr)) {}

IdFilter::~IdFilter() { delete newest_.load(); }

IdFilter::Layer& IdFilter::grown() {
  Layer* layer = newest_.load(std::memory_order_relaxed);  // only this thread stores it
  if (layer->added < layer->room) return *layer;
  // Published before any name is added to it: a reader that finds such a name's row also finds it.
  auto* next = new Layer(2 * (layer->mask + 1), std::unique_ptr<Layer>(layer));
  newest_.store(next, std::memory_order_release);
  return *next;
}

void IdFilter::add(Kind kind, std::string_view name) {
  Layer& layer = grown();
  for (std::uint64_t bit : layer.bits_of(kind, name))
    layer.words[bit / 64].fetch_or(std::uint64_t{1} << (bit % 64), std::memory_order_release);
  ++layer.added;
}

bool IdFilter::may_contain(Kind kind, std::string_view name) const {
  for (const Layer* layer = newest_.load(std::memory_order_acquire); layer; layer = layer->before.get())
    if (layer->holds(kind, name)) return true;
  return false;
}

std::size_t IdFilter::layers() const {
  std::size_t n = 0;
  for (const Layer* layer = newest_.load(std::memory_order_acquire); layer; layer = layer->before.get()) ++n;
  return n;
}

}  // namespace cairn::store
