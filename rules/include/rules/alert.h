// A supervision alert of contract approval.alert/v1.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rules/pack.h"
#include "rules/time.h"

namespace rules {

struct ClockFacts {
  Unit unit = Unit::kWorkingDays;
  std::int64_t limit = 0;
  std::int64_t extension = 0;
  std::int64_t paused = 0;  // units excluded by pauses before the due point
  Timestamp start{};
};

struct Alert {
  std::string alert_id;  // "{case_id}/{rule_id}/{level}/{cycle}"
  bool firing = true;    // false: resolved
  Level level = Level::kRed;
  std::string rule_id;
  std::string rule_pack;  // "name@version"
  std::string calendar;   // "name@version"
  std::string case_id;
  std::string agency;
  std::string item;
  std::string officer;
  std::string title;
  std::uint32_t cycle = 1;
  std::optional<Timestamp> due_at;
  Timestamp fired_at{};
  std::optional<Timestamp> resolved_at;
  std::string
      resolution;      // why it resolved: clock_stopped, escalated, paused, restarted, retracted
  std::string reason;  // for violations: what was wrong
  std::vector<std::string> evidence;  // event ids
  bool provisional = false;           // the due date crosses a year without a published schedule
  std::optional<ClockFacts> clock;

  // One JSON object, times at the given UTC offset (the calendar's).
  std::string to_json(int offset_minutes) const;
};

std::string alert_id(std::string_view case_id, std::string_view rule_id, Level level,
                     std::uint32_t cycle);

}  // namespace rules
