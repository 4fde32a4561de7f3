// IdFilter: a Bloom filter of the run ids and idempotency keys the store holds, so that looking up
// one that was never stored (a start with a new id of the client's or a new Idempotency-Key, a GET
// of a mistyped id) needs no read. Such a read is dear: a reader's page cache is emptied by every
// commit, so each lookup reads its B-tree pages again (~18 µs a start, docs/BENCHMARKS.md). It may
// say "maybe" for a name never stored (then the store reads), never "no" for one stored: names are
// added before the commit that stores them. Lock-free: the writer thread adds, any thread asks.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace cairn::store {

class IdFilter {
 public:
  // What a name is: the same string as a run id and as an idempotency key are two names.
  enum class Kind : std::uint8_t { kRunId, kIdempotencyKey };

  // Room for `expected` names at 16 bits each (0.2 % false positives with kProbes), 1 MiB at
  // least. More only make "maybe" likelier: 2.4 % at twice as many, 16 % at four times.
  explicit IdFilter(std::size_t expected);

  void add(Kind kind, std::string_view name);
  // False: `name` was never added as `kind`. True: it may have been.
  bool may_contain(Kind kind, std::string_view name) const;

 private:
  static constexpr int kProbes = 4;
  // The bits that stand for `name`: 4 probes from one 64-bit hash (double hashing).
  std::array<std::uint64_t, kProbes> bits_of(Kind kind, std::string_view name) const;

  std::size_t bits_mask_;  // the number of bits, a power of two, minus one
  std::unique_ptr<std::atomic<std::uint64_t>[]> words_;
};

}  // namespace cairn::store
