// What a run's journal must look like to be replayed: seqs 1, 2, ... without a gap, WorkflowStarted
// first, every row matching its checksum, ending at its run row's last_seq. Replay (the engine)
// and `cairn check` (verify.cpp) judge a journal by this one function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace cairn::store {

struct JournalFlaw {
  std::int64_t seq = 0;  // the row, or the first missing seq
  std::string problem;   // "missing from the journal", ...
};

// The first flaw of `history` (a whole journal, in seq order), nullopt when it has none.
// `last_seq`: the run row's, or nullopt to leave the journal's end unchecked.
std::optional<JournalFlaw> journal_flaw(const std::vector<Event>& history, std::optional<std::int64_t> last_seq);

}  // namespace cairn::store
