// `approvald run`: the daemon's composition root and main loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "config/config.h"

namespace approvald::app {

struct RunHooks {
  // Wall-clock milliseconds; tests may inject their own.
  std::function<std::int64_t()> wall_ms;
  // Set (by SIGHUP) to apply the configured rule files as a new version between batches.
  std::atomic<bool>* reload = nullptr;
  // Shown on the dashboard: "run", or "demo" with its simulated-time speed.
  std::string mode = "run";
  double speed = 1;
  // Called once the HTTP server listens, with its port (the demo prints the dashboard's URL).
  std::function<void(unsigned short)> on_listening;
  // Where the main loop reports its consumer lag (messages, all partitions), every few seconds,
  // and the records it has consumed since start, every turn.
  std::atomic<std::int64_t>* lag = nullptr;
  std::atomic<std::int64_t>* consumed = nullptr;
};

// Runs until `stop` becomes true; returns the process exit code.
int run(const config::Config& config, const std::atomic<bool>& stop, const RunHooks& hooks = {});

}  // namespace approvald::app
