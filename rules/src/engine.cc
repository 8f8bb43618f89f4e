#include "rules/engine.h"

#include <algorithm>
#include <type_traits>

#include "findings.h"

namespace rules {
namespace {

// An alert's reason quotes event data (a benchmark name, a fee item, a field's value), which the
// decoder does not bound: cut it, on a UTF-8 boundary and marked, so that every alert stays a
// few KiB whatever an event carries. (Its other event fields are bounded by the decoder.)
constexpr std::size_t kMaxAlertReasonBytes = 1024;

std::string bounded_reason(const std::string& reason) {
  if (reason.size() <= kMaxAlertReasonBytes) return reason;
  std::size_t keep = kMaxAlertReasonBytes;
  while (keep > 0 && (static_cast<unsigned char>(reason[keep]) & 0xC0) == 0x80) --keep;
  return reason.substr(0, keep) + "…";
}

struct Transition {
  Alert alert;
  Timestamp at;  // fired_at or resolved_at: orders the output
};

bool same_value(const Value& a, const Value& b) {
  return a.kind == b.kind && a.integer == b.integer && a.text == b.text;
}

// Whether a re-delivered event says the same as the one kept under its id. Compares what the
// engine keeps (and the store encodes), so a state read back compares equal to its events.
bool same_content(const Event& a, const Event& b) {
  return a.type == b.type && a.occurred_at == b.occurred_at &&
         a.offset_minutes == b.offset_minutes && a.agency == b.agency && a.item == b.item &&
         a.officer == b.officer && a.applicant == b.applicant &&
         std::equal(a.data.begin(), a.data.end(), b.data.begin(), b.data.end(),
                    [](const Field& x, const Field& y) {
                      return x.path == y.path && same_value(x.value, y.value);
                    });
}

}  // namespace

Engine::Engine(std::shared_ptr<const RuleSet> rules, std::shared_ptr<const Calendar> calendar,
               EngineOptions options)
    : rules_(std::move(rules)),
      calendar_(std::move(calendar)),
      calendar_id_(calendar_->id()),
      options_(options) {}

// An alert's identity and case fields, shared by a finding's alert and a bare retraction.
Alert Engine::identity(const CaseState& s, const std::string& rule_id, Level level,
                       std::uint32_t cycle) const {
  Alert a;
  a.alert_id = alert_id(s.case_id, rule_id, level, cycle);
  a.level = level;
  a.rule_id = rule_id;
  a.calendar = calendar_id_;
  a.case_id = s.case_id;
  a.agency = s.agency;
  a.item = s.item;
  a.cycle = cycle;
  return a;
}

Alert Engine::materialise(const Finding& f, const CaseState& s) const {
  Alert a = identity(s, f.rule->id, f.level, f.cycle);
  a.rule_pack = f.rule->pack;
  a.title = *f.title;
  a.due_at = f.due_at;
  a.fired_at = f.since;
  a.reason = bounded_reason(f.reason);
  for (std::int32_t i : f.evidence) {
    if (i >= 0) a.evidence.push_back(s.events[static_cast<std::size_t>(i)].event_id);
  }
  if (f.officer_from_evidence &&
      !s.events[static_cast<std::size_t>(f.evidence[0])].officer.empty()) {
    a.officer = s.events[static_cast<std::size_t>(f.evidence[0])].officer;
  } else {
    a.officer = detail::officer_at(s.events, f.since);
  }
  a.provisional = f.provisional;
  a.clock = f.clock;
  return a;
}

std::vector<Finding> Engine::findings(const CaseState& s) const {
  detail::ClockTally tally;
  return findings(s, tally);
}

std::vector<Finding> Engine::findings(const CaseState& s, detail::ClockTally& tally) const {
  std::vector<Finding> out;
  out.reserve(16);
  TypeMask present = 0;
  for (const Event& e : s.events) present |= type_bit(e.type);
  for (const Rule* r : rules_->rules()) {
    if ((r->triggers & present) == 0) continue;
    std::visit(
        [&](const auto& spec) {
          using T = std::decay_t<decltype(spec)>;
          if constexpr (std::is_same_v<T, ClockSpec>) {
            detail::clock_findings(*r, spec, s.events, *calendar_, out, tally);
          } else if constexpr (std::is_same_v<T, CheckSpec>) {
            detail::check_findings(*r, spec, s.events, out);
          } else if constexpr (std::is_same_v<T, FeeSpec>) {
            detail::fee_findings(*r, spec, s.events, out);
          } else {
            detail::benchmark_findings(*r, spec, s.events, out);
          }
        },
        r->spec);
  }
  return out;
}

Admission Engine::insert(CaseState& state, Event event, std::string* why,
                         std::uint32_t* conflicts) const {
  // De-duplication is per case (settled point 5): the state holds only this case's events.
  const auto kept = std::find_if(state.events.begin(), state.events.end(),
                                 [&](const Event& e) { return e.event_id == event.event_id; });
  if (kept != state.events.end()) {
    if (!same_content(*kept, event)) ++*conflicts;  // the first one wins all the same
    return Admission::kDuplicate;
  }
  if (state.events.size() >= options_.max_events_per_case) {
    *why =
        "case has reached the limit of " + std::to_string(options_.max_events_per_case) + " events";
    return Admission::kRefused;
  }
  if (state.case_id.empty()) {
    state.case_id = event.case_id;
    state.agency = event.agency;
    state.item = event.item;
  }
  // Business-time order; an event equal in time to earlier ones goes after them.
  const auto pos = std::upper_bound(state.events.begin(), state.events.end(), event.occurred_at,
                                    [](Timestamp t, const Event& e) { return t < e.occurred_at; });
  state.events.insert(pos, std::move(event));
  return Admission::kApplied;
}

Decision Engine::apply(CaseState state, Event event, Timestamp now) const {
  std::string why;
  std::uint32_t conflicts = 0;
  switch (insert(state, std::move(event), &why, &conflicts)) {
    case Admission::kApplied:
      return settle(std::move(state), now);
    case Admission::kDuplicate: {
      Decision d;
      d.state = std::move(state);
      d.duplicate = true;
      d.duplicate_conflicts = conflicts;
      return d;
    }
    case Admission::kRefused:
      break;
  }
  Decision d;
  d.state = std::move(state);
  d.refused = std::move(why);
  return d;
}

Decision Engine::apply_batch(CaseState state, std::vector<Event> events, Timestamp now,
                             std::vector<Admission>* admissions,
                             std::vector<std::string>* reasons) const {
  bool changed = false;
  std::uint32_t conflicts = 0;
  for (Event& e : events) {
    std::string why;
    const Admission a = insert(state, std::move(e), &why, &conflicts);
    changed = changed || a == Admission::kApplied;
    if (admissions != nullptr) admissions->push_back(a);
    if (reasons != nullptr) reasons->push_back(std::move(why));
  }
  Decision d;
  if (!changed) {
    d.state = std::move(state);
    d.duplicate = true;
  } else {
    d = settle(std::move(state), now);
  }
  d.duplicate_conflicts = conflicts;
  return d;
}

Decision Engine::on_timer(CaseState state, const Timer& /*timer*/, Timestamp now) const {
  return settle(std::move(state), now);
}

Decision Engine::reevaluate(CaseState state, Timestamp now) const {
  return settle(std::move(state), now);
}

Decision Engine::settle(CaseState state, Timestamp now) const {
  detail::ClockTally tally;
  std::vector<Finding> fs = findings(state, tally);
  std::vector<Transition> out;
  std::vector<bool> matched(state.alerts.size(), false);
  std::optional<Timestamp> wake;
  auto consider_wake = [&](Timestamp t) {
    if (t > now && (!wake || t < *wake)) wake = t;
  };
  // The status flips to overdue at the due point even for a clock with no stage there.
  state.status = 0;
  if (tally.running || tally.paused) state.status |= kCaseOpen;
  if (tally.paused && !tally.running) state.status |= kCasePaused;
  if (tally.running_due) {
    // Overdue from the first second after the due point, when an `at: due` stage fires.
    const Timestamp overdue_at = *tally.running_due + std::chrono::seconds{1};
    if (overdue_at <= now) {
      state.status |= kCaseOverdue;
    } else {
      consider_wake(overdue_at);
    }
  }
  auto resolved = [&](Alert a, Timestamp at, std::string why) {
    a.firing = false;
    a.resolved_at = at;
    a.resolution = std::move(why);
    out.push_back(Transition{std::move(a), at});
  };
  using Status = AlertRecord::Status;
  for (const Finding& f : fs) {
    consider_wake(f.since);
    if (f.until) consider_wake(*f.until);
    auto it = std::find_if(state.alerts.begin(), state.alerts.end(), [&](const AlertRecord& r) {
      return r.rule_id == f.rule->id && r.level == f.level && r.cycle == f.cycle;
    });
    AlertRecord* rec = nullptr;
    if (it != state.alerts.end()) {
      matched[static_cast<std::size_t>(it - state.alerts.begin())] = true;
      rec = &*it;
    }
    const bool announced = rec != nullptr && rec->status != Status::kRetracted;
    if (f.since > now) {
      // Not due (any more): a late event moved it. Take back what was announced too early.
      if (announced) {
        rec->status = Status::kRetracted;
        resolved(materialise(f, state), now, "retracted");
      }
      continue;
    }
    const bool active = !f.until || *f.until > now;
    if (announced && rec->firing() == active) {
      if (rec->fired_at == f.since) continue;  // the common case: no change
      // A late event moved when the condition began (a pause reported afterwards shifts the due
      // point): announce the alert again, same status, so that the ledger and the last message
      // per alert id follow the history whatever the arrival order.
      rec->fired_at = f.since;
      Alert a = materialise(f, state);
      if (active) {
        out.push_back(Transition{std::move(a), f.since});
      } else {
        resolved(std::move(a), *f.until, f.resolution);
      }
      continue;
    }
    Alert a = materialise(f, state);
    if (!announced) {
      if (rec == nullptr) {
        state.alerts.push_back(AlertRecord{f.rule->id, f.level, f.cycle, Status::kFiring, f.since});
        matched.push_back(true);
        rec = &state.alerts.back();
      }
      rec->status = active ? Status::kFiring : Status::kResolved;
      rec->fired_at = f.since;
      out.push_back(Transition{a, f.since});
      // Began and ended unseen (a late evaluation): report both, in order.
      if (!active) resolved(std::move(a), *f.until, f.resolution);
    } else if (active) {
      rec->status = Status::kFiring;
      rec->fired_at = f.since;
      out.push_back(Transition{std::move(a), f.since});
    } else {
      rec->status = Status::kResolved;
      rec->fired_at = f.since;
      resolved(std::move(a), *f.until, f.resolution);
    }
  }
  // An alert that the history no longer supports at all (a late event, or a rule that is gone).
  for (std::size_t i = 0; i < state.alerts.size(); ++i) {
    AlertRecord& rec = state.alerts[i];
    if (matched[i] || rec.status == Status::kRetracted) continue;
    rec.status = Status::kRetracted;
    Alert a = identity(state, rec.rule_id, rec.level, rec.cycle);
    const Rule* r = rules_->find(rec.rule_id);
    a.rule_pack = r != nullptr ? r->pack : std::string();
    a.title = r != nullptr ? r->title : rec.rule_id;
    a.fired_at = rec.fired_at;
    resolved(std::move(a), now, "retracted");
  }
  for (const AlertRecord& rec : state.alerts) {
    if (!rec.firing()) continue;
    if (rec.level == Level::kRed) state.status |= kCaseRed;
    if (rec.level == Level::kYellow) state.status |= kCaseYellow;
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Transition& x, const Transition& y) { return x.at < y.at; });
  Decision d;
  d.alerts.reserve(out.size());
  for (Transition& t : out) d.alerts.push_back(std::move(t.alert));
  if (state.wakeup != wake) {
    if (state.wakeup) d.clear_timer = Timer{state.case_id, *state.wakeup};
    if (wake) d.set_timer = Timer{state.case_id, *wake};
    state.wakeup = wake;
  }
  d.state = std::move(state);
  return d;
}

}  // namespace rules
