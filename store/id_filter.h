// IdFilter: a Bloom filter of the run ids the store holds, so that looking up an id that was never
// stored (a start with a new id of the client's, a GET of a mistyped id) needs no read. Such a read
// is dear: a reader's page cache is emptied by every commit, so each lookup reads its B-tree pages
// again (~18 µs a start, docs/BENCHMARKS.md). It may say "maybe" for an id never stored (then the
// store reads), never "no" for one stored: ids are added before the commit that stores them.
// Lock-free: the writer thread adds, any thread asks.
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
  // Room for `expected` ids at 16 bits each (0.2 % false positives with kProbes), 1 MiB at least.
  // More ids only make "maybe" likelier: 2.4 % at twice as many, 16 % at four times.
  explicit IdFilter(std::size_t expected);

  void add(std::string_view id);
  // False: `id` was never added. True: it may have been.
  bool may_contain(std::string_view id) const;

 private:
  static constexpr int kProbes = 4;
  // The bits that stand for `id`: 4 probes from one 64-bit hash (double hashing).
  std::array<std::uint64_t, kProbes> bits_of(std::string_view id) const;

  std::size_t bits_mask_;  // the number of bits, a power of two, minus one
  std::unique_ptr<std::atomic<std::uint64_t>[]> words_;
};

}  // namespace cairn::store
