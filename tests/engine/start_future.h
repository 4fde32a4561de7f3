// Test helper: starts a run through Engine::start_run and hands back a future for its answer,
// so a test can send several starts before it waits for any.
#pragma once

#include <future>
#include <memory>
#include <utility>

#include "engine/engine.h"

namespace cairn::engine::testing {

inline std::future<Result<StartReply>> start_future(Engine& engine, StartRequest request) {
  auto answer = std::make_shared<std::promise<Result<StartReply>>>();
  auto future = answer->get_future();
  engine.start_run(std::move(request), [answer](Result<StartReply> r) { answer->set_value(std::move(r)); });
  return future;
}

}  // namespace cairn::engine::testing
