// `approvald run`: the daemon's composition root and main loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "config/config.h"

namespace approvald::app {

struct RunHooks {
  // Wall-clock milliseconds; tests may inject their own.
  std::function<std::int64_t()> wall_ms;
  // Set (by SIGHUP) to apply the configured rule files as a new version between batches.
  std::atomic<bool>* reload = nullptr;
};

// Runs until `stop` becomes true; returns the process exit code.
int run(const config::Config& config, const std::atomic<bool>& stop, const RunHooks& hooks = {});

}  // namespace approvald::app
