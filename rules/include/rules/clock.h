// The supervision clocks of one case, recomputed from its events. Used by the engine to decide
// alerts and by `approvald explain` to show a supervisor the arithmetic.
#pragma once

#include <array>
#include <boost/container/small_vector.hpp>
#include <optional>
#include <string>
#include <vector>

#include "rules/calendar.h"
#include "rules/event.h"
#include "rules/pack.h"

namespace rules {

struct PauseSpan {
  Timestamp from{};
  std::optional<Timestamp> to;  // open while absent
  std::string key;              // the pair_by value, e.g. "hearing"
  std::string start_event;
  std::string end_event;
  std::int64_t excluded = 0;  // limit units this pause moved the due point by
};

// One run of a clock from a start (or restart) to a stop.
struct Cycle {
  std::uint32_t number = 1;
  const Event* start_event = nullptr;
  Timestamp start{};
  const Event* stop_event = nullptr;
  std::optional<Timestamp> stop;
  const char* stop_reason = "";  // the stopping event's type, or "restarted" (static strings)
  std::vector<PauseSpan> pauses;
  std::int64_t limit = 0;
  std::int64_t extension = 0;                 // counted units, after the checks below
  std::vector<std::string> extension_events;  // the extensions that counted
  // Extensions that would count but began after the clock had passed its due point: a breach
  // stands (settled point 1), so they add nothing.
  std::vector<std::string> late_extension_events;

  // Derived. Absent when the clock is paused before reaching the point.
  std::optional<Timestamp> due_at;  // the last instant in time (23:59:59 local for day units)
  std::optional<Date> due_date;     // day units only
  std::int64_t paused_units = 0;    // excluded before the due point
  bool provisional = false;         // crosses a year without a published schedule
  // Per spec stage, when it fires. Stage levels are unique, so a clock has at most three.
  std::array<std::optional<Timestamp>, 3> stage_fire;

  bool paused_at_end() const { return !pauses.empty() && !pauses.back().to && !stop; }
};

// Most cases run a clock once or twice; keep those cycles off the heap.
using Cycles = boost::container::small_vector<Cycle, 2>;

Cycles evaluate_clock(const ClockSpec& spec, const std::vector<Event>& events,
                      const Calendar& calendar);

}  // namespace rules
