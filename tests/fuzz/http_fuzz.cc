// The HTTP request path without a socket (http::serve_bytes): the parser, the limits, the
// smuggling and Host checks, the router and every handler, over a real store in a temporary
// directory seeded with the shipped rules. Any bytes get HTTP answers, never a crash or a hang.
#include <stdlib.h>

#include <filesystem>
#include <memory>

#include "check.h"
#include "control/rule_source.h"
#include "http/wire.h"
#include "shipped/files.h"
#include "store/store.h"
#include "web/routes.h"

namespace {

struct World {
  std::unique_ptr<approvald::store::Store> store;
  std::unique_ptr<approvald::control::EngineHolder> engines;
  approvald::metrics::Metrics metrics{"fuzz", "r", "c"};
  approvald::control::Health health;
  approvald::control::RuleMailbox mailbox;
  std::unique_ptr<approvald::web::ApiContext> ctx;
  std::string dir;

  ~World() {
    ctx.reset();
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  World() {
    char tmpl[] = "/tmp/approvald-fuzz-http.XXXXXX";
    approvald::fuzz::check(::mkdtemp(tmpl) != nullptr, "a temporary directory");
    dir = tmpl;
    store = approvald::store::Store::open(
                {.dir = dir + "/db", .block_cache_bytes = 8u << 20, .write_buffer_bytes = 4u << 20})
                .take();
    approvald::store::RuleVersion v;
    for (auto path : approvald::shipped::kPacks) {
      v.packs.emplace_back(std::string(path), std::string(approvald::shipped::asset(path)->body));
    }
    v.calendar = {std::string(approvald::shipped::kCalendar),
                  std::string(approvald::shipped::asset(approvald::shipped::kCalendar)->body)};
    v.source = "fuzz";
    auto built = approvald::control::build_engine(v, {});
    approvald::fuzz::check(built.index() == 0, "the shipped rules load");
    const auto& engine = std::get<0>(built);
    v.rules_id = engine->rules().id();
    v.calendar_id = engine->calendar().id();
    approvald::fuzz::check(store->apply_rules(v).ok(), "the shipped rules are stored");
    engines = std::make_unique<approvald::control::EngineHolder>(engine);
    // No rules token: PUT is refused before it could wait for a main loop that is not there.
    ctx.reset(new approvald::web::ApiContext{*store,
                                             *engines,
                                             metrics,
                                             health,
                                             mailbox,
                                             [] { return std::int64_t{1'800'000'000'000}; },
                                             "",
                                             {},
                                             std::chrono::milliseconds(0),
                                             nullptr,
                                             "run",
                                             1,
                                             ""});
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  approvald::http::ServerOptions options;
  options.max_body_bytes = 64u << 10;
  const std::string out = approvald::http::serve_bytes(
      approvald::fuzz::as_text(data, size),
      [](const approvald::http::Request& r) { return approvald::web::route(*world.ctx, r); },
      options);
  approvald::fuzz::check(out.empty() || out.rfind("HTTP/1.", 0) == 0,
                         "what the server sends starts as an HTTP response");
  return 0;
}
