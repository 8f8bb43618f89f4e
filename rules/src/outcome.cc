#include "rules/outcome.h"

#include <algorithm>

#include "rules/clock.h"

namespace rules {

std::optional<CaseOutcome> case_outcome(const CaseState& state, const RuleSet& rules,
                                        const Calendar& calendar) {
  const auto decided = std::find_if(state.events.begin(), state.events.end(),
                                    [](const Event& e) { return e.type == EventType::kDecided; });
  if (decided == state.events.end()) return std::nullopt;
  const int off = calendar.offset_minutes();
  CaseOutcome o;
  o.decided_on = local_date(decided->occurred_at, off);
  o.working_days = calendar.working_days_between(local_date(state.events.front().occurred_at, off),
                                                 o.decided_on);
  // A kept clock is one every cycle of which the decision stopped by its due point; one breach
  // in any cycle makes the case late against it.
  auto keep = [](std::optional<bool>& slot, bool in_time) {
    slot = slot.value_or(true) && in_time;
  };
  for (const Rule* r : rules.rules()) {
    const auto* spec = std::get_if<ClockSpec>(&r->spec);
    if (spec == nullptr) continue;
    for (const Cycle& c : evaluate_clock(*spec, state.events, calendar)) {
      if (c.stop_event == nullptr || c.stop_event->type != EventType::kDecided || !c.stop) continue;
      const bool in_time = !c.due_at || *c.stop <= *c.due_at;
      keep(spec->limit.from_field.empty() ? o.statute_on_time : o.promise_on_time, in_time);
    }
  }
  o.alerts = static_cast<std::uint32_t>(std::count_if(
      state.alerts.begin(), state.alerts.end(),
      [](const AlertRecord& a) { return a.status != AlertRecord::Status::kRetracted; }));
  return o;
}

}  // namespace rules
