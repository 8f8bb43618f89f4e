// The loop's clocks, injected: tests drive them by hand, `run` reads the system's, `demo` runs
// supervision time thousands of times faster (ADR 0008).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace approvald::loop {

struct Clocks {
  // Supervision time (ms since the epoch): what is due. Simulated in the demo.
  std::function<std::int64_t()> supervision_ms;
  // Real time (ms since the epoch): intervals, health and stall ages, so that a fast supervision
  // clock changes what is due, not how often the loop commits offsets or probes the broker.
  std::function<std::int64_t()> real_ms;
  // Only measures how long a batch took, for a histogram; decides nothing.
  std::function<std::chrono::steady_clock::time_point()> steady = std::chrono::steady_clock::now;
};

// Waits between retries of a failing store; tests record the waits instead of sleeping.
using Sleeper = std::function<void(std::chrono::milliseconds)>;

}  // namespace approvald::loop
