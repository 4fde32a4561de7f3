// journal_flaw(): the shape every replayed journal must have.
#include "store/journal_shape.h"

#include <fmt/format.h>

namespace cairn::store {

std::optional<JournalFlaw> journal_flaw(const std::vector<Event>& history, std::optional<std::int64_t> last_seq) {
  if (history.empty()) return JournalFlaw{1, "missing from the journal, which is empty"};
  for (std::size_t i = 0; i < history.size(); ++i) {
    const Event& e = history[i];
    const auto expected = static_cast<std::int64_t>(i) + 1;
    if (e.seq != expected) return JournalFlaw{expected, "missing from the journal"};
    if (e.checksum == ChecksumChain::Verdict::kMismatch)
      return JournalFlaw{e.seq, fmt::format("the journal's {} event no longer matches the checksum it was written with",
                                            event_type_name(e.type))};
    if (e.checksum == ChecksumChain::Verdict::kMissing)
      return JournalFlaw{e.seq, fmt::format("the journal's {} event has no checksum, which every row of its run has",
                                            event_type_name(e.type))};
  }
  if (history.front().type != EventType::kWorkflowStarted)
    return JournalFlaw{1, fmt::format("the journal starts with {}, not WorkflowStarted", event_type_name(history.front().type))};
  const std::int64_t end = history.back().seq;
  if (!last_seq || end == *last_seq) return std::nullopt;
  if (*last_seq < 1) return JournalFlaw{1, fmt::format("the journal ends at seq {}, its run row at seq {}", end, *last_seq)};
  if (end < *last_seq)
    return JournalFlaw{end + 1, fmt::format("missing from the journal, which ends at seq {} where its run row says {}",
                                            end, *last_seq)};
  return JournalFlaw{*last_seq + 1, fmt::format("in the journal after its run row's last seq {}", *last_seq)};
}

}  // namespace cairn::store
