// undo_on_cancel(): the shape both order sagas end with. A cancel request the code honours ends
// its steps with CancelledError; the saga then undoes what it did and the run ends cancelled.
#pragma once

#include <optional>
#include <utility>

#include "cairn/errors.h"
#include "cairn/json.h"
#include "cairn/task.h"

namespace cairn::workflows {

// Awaits `run()`; on CancelledError awaits `undo()` and rethrows it. (A co_await cannot sit in a
// catch block, hence the flag.) The callables must outlive the returned task.
template <class Run, class Undo>
Task<Json> undo_on_cancel(Run run, Undo undo) {
  std::optional<Json> result;
  bool cancelled = false;
  try {
    result = co_await run();
  } catch (const CancelledError&) {
    cancelled = true;
  }
  if (cancelled) {
    co_await undo();
    throw CancelledError();
  }
  co_return std::move(*result);
}

}  // namespace cairn::workflows
