// The HTTP routes of `approvald run`: metrics, health, readiness and the JSON API. Called on the
// server's connection threads; everything here is safe to use next to the main loop (RocksDB
// reads, the metrics registry, atomics, the engine holder, the rule mailbox).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "config/config.h"
#include "control/health.h"
#include "control/rule_mailbox.h"
#include "control/rule_source.h"
#include "http/server.h"
#include "metrics/metrics.h"
#include "store/store.h"
#include "web/alert_feed.h"

namespace approvald::web {

using control::build_engine;
using control::EngineHolder;
using control::Health;
using control::real_ms;
using control::RuleMailbox;
using control::same_sources;

struct ApiContext {
  store::Store& store;
  EngineHolder& engines;
  metrics::Metrics& metrics;
  const Health& health;
  RuleMailbox& mailbox;
  std::function<std::int64_t()> wall_ms;
  std::string rules_token_file;  // empty: PUT /api/v1/rules is disabled
  rules::EngineOptions engine_options;
  std::chrono::milliseconds apply_timeout{30000};  // how long PUT waits for the main loop
  AlertFeed* feed = nullptr;                       // the live feed and hourly counts
  std::string mode = "run";                        // or "demo"
  double speed = 1;                                // simulated seconds per second (demo)
  std::string access_tokens_file;                  // empty: the dashboard and the read API are open
};

http::Response route(const ApiContext& ctx, const http::Request& req);

// The readiness verdict as JSON ({"ready":…,"reasons":[…]}); sets *ready.
std::string readiness_json(const Health& h, std::int64_t now_ms, bool* ready);

// The server's limits, deadlines and names from the configuration's http section.
http::ServerOptions server_options(const config::Config::Http& http);

}  // namespace approvald::web
