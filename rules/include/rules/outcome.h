// What one decided case contributes to the performance (效能) table: when it was decided, how
// many working days it took, whether the promised and statutory clocks were kept, and how many
// alerts it raised. A pure function of the state, so the daemon can keep the table by difference
// (the outcome before and after each change) and rebuild it from states alone.
#pragma once

#include <cstdint>
#include <optional>

#include "rules/calendar.h"
#include "rules/pack.h"
#include "rules/state.h"

namespace rules {

struct CaseOutcome {
  Date decided_on = 0;            // the local date of the first `decided` event
  std::int64_t working_days = 0;  // from the first event's date to the decision's, (from, to]
  // Clocks stopped by the decision: a clock whose limit is read from an event (the agency's
  // promise) or a fixed one (the statute). Absent when the case ran no such clock.
  std::optional<bool> promise_on_time;
  std::optional<bool> statute_on_time;
  std::uint32_t alerts = 0;  // announced and not retracted, of any level

  bool operator==(const CaseOutcome&) const = default;
};

// std::nullopt while the case has no `decided` event.
std::optional<CaseOutcome> case_outcome(const CaseState& state, const RuleSet& rules,
                                        const Calendar& calendar);

}  // namespace rules
