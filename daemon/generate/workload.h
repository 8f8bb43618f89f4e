// A fixed number of simulated cases (generate/simulation.h), all events in time order: for
// benchmarks, load and crash tests, and `approvald generate`.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rules/calendar.h"

namespace bench {

struct Workload {
  std::vector<std::string> lines;  // approval.event/v1 JSON, in business-time order
  std::size_t bytes = 0;
  std::size_t cases = 0;
};

// The calendar shipped with approvald (cn-mainland), parsed once.
std::shared_ptr<const rules::Calendar> shipped_calendar();

// `cases` cases received over about ten working days from Monday 2 March 2026, so that most are
// open at once, each living its simulated life to the end. With `open_only`, each case is
// received and accepted and nothing more: every case stays open (for measuring memory against
// the number of open cases).
// `violations` (percent per kind) replaces generate::default_violation_rates() when given.
Workload make_workload(std::size_t cases, std::uint64_t seed, bool open_only = false,
                       const std::map<std::string, double>* violations = nullptr);

}  // namespace bench
