// Lifecycle of a run and of an activity attempt, as the engine moves them. Code and reviews cite
// the transitions by their arrow.
//
// Run (status as stored in the index row; `waiting` = only timers/signals pending):
//
//        start_run                    all pending are timers/signals
//   (none) ──────► running ◄────────────────────────────────────► waiting
//                    │  │  ▲  activity exhausted (pause),            │
//                    │  │  │  compensation failed, non-determinism  │
//                    │  │  └────────── admin retry ─────── stuck ◄──┘
//                    │  └──────────────────────────────────►  │
//                    ▼                                         ▼ admin terminate
//     completed | failed | cancelled                       terminated
//                    │ failed ── admin retry (no compensation ran) ──► running
//
//   FROM -> TO                      [function]
//   none -> running                 [Engine::start_run: CreateRun + WorkflowStarted]
//   running <-> waiting             [Run::status, derived after every activation]
//   running|waiting -> stuck        [Run::deliver_activity_failed (pause), Run::fail_nondeterminism]
//   stuck -> running                [Engine::retry: AdminAction(retry)]
//   failed -> running               [Engine::retry: AdminAction(retry), superseding the failure]
//   running|waiting -> completed|failed|cancelled   [Run::finish]
//   any non-terminal -> terminated  [Engine::terminate: AdminAction + WorkflowTerminated]
//   (a cancel request is AdminAction + CancelRequested; the code then decides: Run::finish)
//
// Activity attempt:
//
//   issued ─dispatch─► executing ─ok─► ActivityCompleted (resolves the await)
//                        │ error / timeout
//                        ▼
//          retryable and attempts left? ─yes─► ActivityFailed(final=false) ─ backoff timer ─► executing
//                        │ no
//                        ▼
//          ActivityFailed(final=true): on_exhausted = fail  -> await throws ActivityFailed
//                                      on_exhausted = pause -> run stuck until admin retry
//          (a cancel request during backoff: ActivityFailed(final, cancelled) -> CancelledError)
#pragma once

namespace cairn::engine {

enum class RunPhase {
  kRunning,   // code runs or waits; status running or waiting
  kStuck,     // paused on an exhausted activity, or non-deterministic: needs an admin
  kTerminal,  // completed, failed, cancelled or terminated
};

}  // namespace cairn::engine
