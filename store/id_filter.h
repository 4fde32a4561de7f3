// IdFilter: a Bloom filter of the run ids and idempotency keys the store holds, so that looking up
// one that was never stored (a start with a new id of the client's or a new Idempotency-Key, a GET
// of a mistyped id) needs no read. Such a read is dear: a reader's page cache is emptied by every
// commit, so each lookup reads its B-tree pages again (~18 µs a start, docs/BENCHMARKS.md). It may
// say "maybe" for a name never stored (then the store reads), never "no" for one stored: names are
// added before the commit that stores them. Lock-free: one thread adds (the writer, or the opener
// before it starts), any thread asks.
//
// It grows with the store: when the newest of its layers holds as many names as it has room for,
// the next names go to a new layer twice its size (a scalable Bloom filter), so "maybe" stays
// near 0.2 % a layer however many runs a server stores between two opens.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cairn::store {

class IdFilter {
 public:
  // What a name is: the same string as a run id and as an idempotency key are two names.
  enum class Kind : std::uint8_t { kRunId, kIdempotencyKey };

  // Room for `expected` names at 16 bits each (0.2 % false positives with 4 probes), 1 MiB at
  // least, before the first new layer.
  explicit IdFilter(std::size_t expected);
  ~IdFilter();
  IdFilter(const IdFilter&) = delete;
  IdFilter& operator=(const IdFilter&) = delete;

  void add(Kind kind, std::string_view name);
  // False: `name` was never added as `kind`. True: it may have been.
  bool may_contain(Kind kind, std::string_view name) const;
  // How many layers it has grown to (1 until its first room is full).
  std::size_t layers() const;

 private:
  struct Layer;
  Layer& grown();  // the newest layer, after adding one when it is full

  std::atomic<Layer*> newest_;  // owns it; each layer owns the one before it
};

}  // namespace cairn::store
