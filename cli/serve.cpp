// `cairn serve`: store + registry + engine + HTTP server; graceful shutdown on SIGTERM/SIGINT.
#include "cli/serve.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "activities/simulated.h"
#include "api/context.h"
#include "api/errors.h"
#include "api/router.h"
#include "api/server.h"
#include "cli/args.h"
#include "cli/output.h"
#include "engine/engine.h"
#include "store/store.h"
#include "workflows/bench_steps.h"
#include "workflows/order_workflows.h"

namespace cairn::cli {

const char* const kServeHelp =
    "usage: cairn serve [--listen HOST:PORT] [--db PATH] [--tokens FILE] [--no-demo] [--sync full|normal]\n"
    "                   [--threads N] [--max-inflight N] [--max-connections N]\n"
    "  --listen HOST:PORT   address to serve on (default 127.0.0.1:8080; port 0 picks a free one)\n"
    "  --db PATH            SQLite database (default ./cairn.db), created if missing\n"
    "  --tokens FILE        `<role> <token>` lines, roles admin and service (or CAIRN_TOKENS=FILE);\n"
    "                       without tokens the API is open and may only listen on loopback\n"
    "  --no-demo            no order sagas, simulated services or /v1/demo routes\n"
    "  --sync full|normal   full (default): a commit is fsync'd before it is acknowledged;\n"
    "                       normal: a power loss may lose the last commits\n"
    "  --threads N          HTTP I/O threads, 1-256 (default: half the cores, at least 1)\n"
    "  --max-inflight N     requests handled at once before answering 429 (default 4096)\n"
    "  --max-connections N  open connections before answering 429 (default 10000)\n"
    "Prints `listening on HOST:PORT` once it recovered and accepts requests. SIGTERM/SIGINT: stop accepting,\n"
    "answer 503 to new requests, finish in-flight commits, exit 0.\n";

namespace {

constexpr std::int64_t kMaxHttpThreads = 256;

int usage(const std::string& message) {
  std::fprintf(stderr, "cairn serve: %s\n%s", message.c_str(), kServeHelp);
  return kExitUsage;
}

bool parse_count(const std::optional<std::string>& text, std::int64_t& out) {
  if (!text) return true;
  char* end = nullptr;
  long long v = std::strtoll(text->c_str(), &end, 10);
  if (text->empty() || *end || v <= 0) return false;
  out = v;
  return true;
}

}  // namespace

int run_serve(int argc, char** argv) {
  std::string error;
  auto args = parse_args(argc, argv, 2, {"no-demo", "help"},
                         {"listen", "db", "tokens", "sync", "threads", "max-inflight", "max-connections"}, error);
  if (!args) return usage(error);
  if (args->flag("help")) {
    write_out(kServeHelp);
    return finish_output(kExitOk);  // main leaves serve's output unchecked (cli/main.cpp)
  }
  if (!args->positional.empty()) return usage("unexpected argument `" + args->positional[0] + "`");

  api::ServerOptions server_options;
  std::string listen = args->get("listen").value_or("127.0.0.1:8080");
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return usage("--listen must be HOST:PORT");
  server_options.host = listen.substr(0, colon);
  if (server_options.host.size() > 2 && server_options.host.front() == '[')
    server_options.host = server_options.host.substr(1, server_options.host.size() - 2);
  // The engine keeps two threads busy under load (workflow, writer): HTTP gets the other half of
  // the cores. On 2 cores one I/O thread beat two for starts and for /healthz (docs/BENCHMARKS.md).
  std::int64_t port = -1, threads = std::max<std::int64_t>(1, std::thread::hardware_concurrency() / 2);
  char* end = nullptr;
  port = std::strtoll(listen.c_str() + colon + 1, &end, 10);
  if (colon + 1 == listen.size() || *end || port < 0 || port > 65535) return usage("bad port in --listen " + listen);
  server_options.port = static_cast<std::uint16_t>(port);
  if (!parse_count(args->get("threads"), threads) || !parse_count(args->get("max-inflight"), server_options.max_in_flight) ||
      !parse_count(args->get("max-connections"), server_options.max_connections))
    return usage("--threads, --max-inflight and --max-connections take a positive integer");
  // Each is an OS thread: far past the cores it only costs memory, and past the system's thread
  // limit creating them aborted the process (an outside audit gave 100000).
  if (threads > kMaxHttpThreads) return usage("--threads takes at most " + std::to_string(kMaxHttpThreads));
  server_options.threads = static_cast<std::size_t>(threads);
  std::string sync = args->get("sync").value_or("full");
  if (sync != "full" && sync != "normal") return usage("--sync must be full or normal");
  bool demo = !args->flag("no-demo");

  api::Auth auth;
  std::string tokens_file = args->get("tokens").value_or(std::getenv("CAIRN_TOKENS") ? std::getenv("CAIRN_TOKENS") : "");
  if (!tokens_file.empty()) {
    auto loaded = api::Auth::load_file(tokens_file);
    if (!loaded) {
      std::fprintf(stderr, "cairn serve: %s\n", loaded.status().message().c_str());
      return kExitUsage;
    }
    auth = std::move(loaded).value();
  } else if (!api::is_loopback_host(server_options.host)) {
    std::fprintf(stderr,
                 "cairn serve: refusing to listen on %s without tokens: the API would be open to the network.\n"
                 "Give --tokens FILE (or CAIRN_TOKENS), or listen on 127.0.0.1.\n",
                 server_options.host.c_str());
    return kExitUsage;
  }

  // Signals are taken by sigwait() below: block them before any thread starts so every thread
  // inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Before the database is opened (and created): a server that cannot listen leaves no file behind.
  if (Status s = api::check_can_listen(server_options.host, server_options.port); !s) {
    std::fprintf(stderr, "cairn serve: %s\n", s.message().c_str());
    return kExitApiError;
  }
  store::SqliteOptions store_options;
  store_options.path = args->get("db").value_or("./cairn.db");
  store_options.synchronous_full = sync == "full";
  auto opened = store::open_sqlite_store(store_options);
  if (!opened) {
    std::fprintf(stderr, "cairn serve: cannot open database %s: %s\n", store_options.path.c_str(),
                 opened.status().to_string().c_str());
    return kExitApiError;
  }
  std::unique_ptr<store::Store> store = std::move(opened).value();

  Registry registry;
  register_bench_steps(registry);
  std::optional<activities::SimulatedServices> services;
  if (demo) {
    services.emplace(*store);
    services->register_activities(registry);
    workflows::register_order_workflows(registry);
  }

  auto engine = std::make_unique<engine::Engine>(*store, registry);
  engine->start();
  api::Context ctx(*engine, std::move(auth), demo ? store.get() : nullptr);
  api::Router router(ctx);
  api::Server server(router, ctx, server_options);
  if (Status s = server.start(); !s) {
    std::fprintf(stderr, "cairn serve: %s\n", s.message().c_str());
    engine->stop();
    return kExitApiError;
  }
  if (ctx.auth.open())
    std::fprintf(stderr, "cairn serve: no tokens configured: the API is open to anyone on this machine\n");
  std::printf("listening on %s:%u\n", listen.substr(0, colon).c_str(), static_cast<unsigned>(server.port()));
  std::fflush(stdout);

  int received = 0;
  sigwait(&signals, &received);
  server.drain();  // first, so that once the line below is out every new request is answered 503
  std::fprintf(stderr, "cairn serve: %s received, shutting down\n", received == SIGINT ? "SIGINT" : "SIGTERM");
  ctx.watches.cancel_all(api::error_response(api::ApiError::kUnavailable, "the server is shutting down"));
  engine->stop();  // answers every queued call and waits for in-flight commits
  if (!server.wait_idle(std::chrono::seconds(10)))
    std::fprintf(stderr, "cairn serve: some answers were not written within 10 s\n");
  server.stop();
  // The engine drops the callbacks it never answered: destroy it while the server's I/O context
  // still exists to take the answers they post.
  engine.reset();
  store->close();
  return kExitOk;
}

}  // namespace cairn::cli
