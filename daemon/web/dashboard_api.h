// The JSON behind the dashboard (docs/api.md), as pure functions of what the daemon keeps: the
// per-agency case counts, the performance table and the hourly alert counts. Testable without a
// store or sockets.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ports/write_set.h"
#include "rules/calendar.h"
#include "store/store.h"
#include "web/alert_feed.h"

namespace approvald::web {

// What the dashboard shows besides the data: which rules judge, in what time.
struct ServiceInfo {
  std::string version;  // approvald's
  std::string mode;     // "run" or "demo"
  double speed = 1;     // simulated seconds per real second (demo)
  std::optional<store::RuleVersion> rules;
};

// An agency's board colour: red while any of its cases has a standing red card, yellow while
// one has a standing yellow card or is overdue, green otherwise.
std::string board_status(const ports::CaseTally& t);

// GET /api/v1/overview. `performance` is the table of the last 30 days (for on-time rates).
std::string overview_json(const std::map<ports::TallyKey, ports::CaseTally>& tallies,
                          const std::vector<store::PerfRow>& performance,
                          const std::vector<HourCount>& hours, const ServiceInfo& info,
                          std::int64_t now_ms, int offset_minutes);

// GET /api/v1/performance: one row per agency (or per agency and item) of the period.
std::string performance_json(const std::vector<store::PerfRow>& rows, bool by_item,
                             const std::string& agency, rules::Date from, rules::Date to);

}  // namespace approvald::web
