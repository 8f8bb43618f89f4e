#include "findings.h"

namespace rules::detail {

std::string officer_at(const std::vector<Event>& events, Timestamp at) {
  std::string out;
  for (const Event& e : events) {
    if (e.occurred_at > at) break;
    if (!e.officer.empty()) out = e.officer;
  }
  return out;
}

void clock_findings(const Rule& rule, const ClockSpec& spec, const std::vector<Event>& events,
                    const Calendar& cal, std::vector<Finding>& out, ClockTally& tally) {
  const auto index_of = [&events](const Event* e) {
    return e == nullptr ? -1 : static_cast<std::int32_t>(e - events.data());
  };
  for (const Cycle& c : evaluate_clock(spec, events, cal)) {
    if (!c.stop) {
      if (c.paused_at_end()) {
        tally.paused = true;
      } else {
        tally.running = true;
        if (c.due_at && (!tally.running_due || *c.due_at < *tally.running_due)) {
          tally.running_due = c.due_at;
        }
      }
    }
    for (std::size_t i = 0; i < spec.stages.size(); ++i) {
      const Stage& st = spec.stages[i];
      const auto& fire = c.stage_fire[i];
      // A stage is reached only while the clock runs: not before it, not after it stopped.
      if (!fire || *fire <= c.start || (c.stop && *c.stop < *fire)) continue;
      Finding& f = out.emplace_back();
      f.rule = &rule;
      f.level = st.level;
      f.cycle = c.number;
      f.since = *fire;
      f.title = st.title.empty() ? &rule.title : &st.title;
      f.due_at = c.due_at;
      f.provisional = c.provisional;
      f.clock = ClockFacts{spec.limit.unit, c.limit, c.extension, c.paused_units, c.start};
      f.evidence[0] = index_of(c.start_event);
      auto end_at = [&f](Timestamp t, const char* why) {
        if (!f.until || t < *f.until) {
          f.until = t;
          f.resolution = why;
        }
      };
      if (c.stop) {
        end_at(*c.stop,
               std::string_view(c.stop_reason) == "restarted" ? "restarted" : "clock_stopped");
        f.evidence[1] = index_of(c.stop_event);
      }
      if (!st.at_due) {
        // A warning gives way to the next stage, and lapses while the clock is paused.
        for (std::size_t j = i + 1; j < spec.stages.size(); ++j) {
          if (c.stage_fire[j] && *c.stage_fire[j] > f.since) {
            end_at(*c.stage_fire[j], "escalated");
            break;
          }
        }
        for (const PauseSpan& p : c.pauses) {
          if (p.from >= f.since) {
            end_at(p.from, "paused");
            break;
          }
        }
      }
    }
  }
}

}  // namespace rules::detail
