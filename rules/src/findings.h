// Per-kind evaluation: what each rule's alerts should be, given a case's whole history.
#pragma once

#include <optional>
#include <vector>

#include "rules/calendar.h"
#include "rules/engine.h"

namespace rules::detail {

// What the clocks of a case say about the case as a whole (CaseStatusBit).
struct ClockTally {
  bool running = false;
  bool paused = false;
  std::optional<Timestamp> running_due;  // the earliest due point of a running clock
};

void clock_findings(const Rule& rule, const ClockSpec& spec, const std::vector<Event>& events,
                    const Calendar& cal, std::vector<Finding>& out, ClockTally& tally);
void check_findings(const Rule& rule, const CheckSpec& spec, const std::vector<Event>& events,
                    std::vector<Finding>& out);
void fee_findings(const Rule& rule, const FeeSpec& spec, const std::vector<Event>& events,
                  std::vector<Finding>& out);
void benchmark_findings(const Rule& rule, const BenchmarkSpec& spec,
                        const std::vector<Event>& events, std::vector<Finding>& out);

// A required field that is missing, null, an empty list, or text of Unicode white space only
// (the ideographic space U+3000 of a Chinese input method included): settled point 8.
bool blank(const Value* v);

// The officer most recently named at or before `at`, for the alert's `officer`.
std::string officer_at(const std::vector<Event>& events, Timestamp at);

}  // namespace rules::detail
