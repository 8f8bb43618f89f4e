// What /healthz and /readyz report: written by the main loop, read by the HTTP threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace approvald::app {

struct Health {
  std::atomic<std::int64_t> loop_ms{0};  // the last turn of the main loop
  std::atomic<bool> broker_up{false};
  std::atomic<std::size_t> assigned{0};
  std::atomic<double> timer_lateness_s{0};
};

// The readiness verdict as JSON ({"ready":…,"reasons":[…]}); sets *ready.
std::string readiness_json(const Health& h, std::int64_t now_ms, bool* ready);

}  // namespace approvald::app
