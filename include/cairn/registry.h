// Registry: binds workflow type names (with versions) and activity names to C++ functions.
//
//   cairn::Registry reg;
//   reg.workflow("order.place", place_order, {.version = 2, .signals = {"fraud.review"}});
//   reg.activity("payment.authorize", authorize, {.timeout = 10s});
//
// Workflow functions: Task<Out>(WorkflowContext&, In). Activity functions: Out(ActivityContext&,
// In). In and Out convert from/to JSON through nlohmann's to_json/from_json; Out may be void.
// Runs are pinned to the version they started on: register old versions next to the new one for
// as long as runs of them exist. Register everything before the engine starts; afterwards the
// registry is read-only and may be read from any thread.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "cairn/activity.h"
#include "cairn/json.h"
#include "cairn/options.h"
#include "cairn/task.h"
#include "cairn/workflow.h"

namespace cairn {

struct WorkflowOptions {
  int version = 1;
  std::vector<std::string> signals;  // documentation for /v1/workflow-types
  std::vector<std::string> queries;
  // Extra validation of a start's input beyond its JSON shape; returns "" when valid, else a
  // message for the 400 answer.
  std::function<std::string(const Json&)> validate;
};

struct WorkflowDef {
  std::string name;
  int version = 1;
  std::function<Task<Json>(WorkflowContext&, Json)> run;
  std::function<std::string(const Json&)> validate;  // "" = valid
  std::vector<std::string> signals;
  std::vector<std::string> queries;
};

struct ActivityDef {
  std::string name;
  std::function<Json(ActivityContext&, const Json&)> run;
  ActivityOptions options;
};

class Registry {
 public:
  template <class F>
  Registry& workflow(std::string name, F fn, WorkflowOptions options = {}) {
    return add_workflow(std::move(name), std::function{std::move(fn)}, std::move(options));
  }

  template <class F>
  Registry& activity(std::string name, F fn, ActivityOptions options = {}) {
    return add_activity(std::move(name), std::function{std::move(fn)}, std::move(options));
  }

  // The definition of `name` at `version`, or its newest version when version is 0.
  const WorkflowDef* find_workflow(std::string_view name, int version = 0) const {
    auto it = workflows_.find(name);
    if (it == workflows_.end() || it->second.empty()) return nullptr;
    if (version == 0) return &it->second.rbegin()->second;
    auto v = it->second.find(version);
    return v == it->second.end() ? nullptr : &v->second;
  }
  const ActivityDef* find_activity(std::string_view name) const {
    auto it = activities_.find(name);
    return it == activities_.end() ? nullptr : &it->second;
  }
  // Every workflow type, each with all its registered versions (oldest first).
  const std::map<std::string, std::map<int, WorkflowDef>, std::less<>>& workflows() const {
    return workflows_;
  }

 private:
  template <class Out, class In>
  Registry& add_workflow(std::string name, std::function<Task<Out>(WorkflowContext&, In)> fn,
                         WorkflowOptions options) {
    using Input = std::decay_t<In>;
    WorkflowDef def;
    def.name = name;
    def.version = options.version;
    def.signals = std::move(options.signals);
    def.queries = std::move(options.queries);
    def.run = [fn = std::move(fn)](WorkflowContext& ctx, Json input) {
      return invoke_workflow<Out, Input>(fn, ctx, std::move(input));
    };
    def.validate = [extra = std::move(options.validate)](const Json& input) -> std::string {
      try {
        (void)input.get<Input>();
      } catch (const std::exception& e) {
        return input_error(e);
      }
      return extra ? extra(input) : std::string{};
    };
    workflows_[name][def.version] = std::move(def);
    return *this;
  }

  // NOTE: a static function (not a capturing lambda coroutine) so that `fn` and `input` are
  // copied into the coroutine frame and outlive the caller.
  template <class Out, class Input, class Fn>
  static Task<Json> invoke_workflow(Fn fn, WorkflowContext& ctx, Json input) {
    Input in = input.get<Input>();
    if constexpr (std::is_void_v<Out>) {
      co_await fn(ctx, std::move(in));
      co_return Json();
    } else {
      co_return detail::moved(Json(co_await fn(ctx, std::move(in))));
    }
  }

  template <class Out, class In>
  Registry& add_activity(std::string name, std::function<Out(ActivityContext&, In)> fn,
                         ActivityOptions options) {
    using Input = std::decay_t<In>;
    ActivityDef def;
    def.name = name;
    def.options = std::move(options);
    def.run = [fn = std::move(fn)](ActivityContext& ctx, const Json& input) -> Json {
      if constexpr (std::is_void_v<Out>) {
        fn(ctx, input.get<Input>());
        return Json();
      } else {
        return Json(fn(ctx, input.get<Input>()));
      }
    };
    activities_[name] = std::move(def);
    return *this;
  }

  std::map<std::string, std::map<int, WorkflowDef>, std::less<>> workflows_;
  std::map<std::string, ActivityDef, std::less<>> activities_;
};

}  // namespace cairn
