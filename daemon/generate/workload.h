// A deterministic, realistic stream of approval events for benchmarks and load tests: many cases
// open at once, each following a plausible life (corrections, procedures, extensions, late
// decisions, fees).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct Workload {
  std::vector<std::string> lines;  // approval.event/v1 JSON, in business-time order
  std::size_t bytes = 0;
  std::size_t cases = 0;
};

// `cases` cases received over ten working days of March 2026, so that all are open at once.
// With `open_only`, each case is received and accepted and nothing more: every case stays open
// (for measuring memory against the number of open cases).
Workload make_workload(std::size_t cases, std::uint64_t seed, bool open_only = false);

}  // namespace bench
