// The rule engine: a pure function from (case state, event or timer, supervision time) to a
// decision. No clock, I/O, threads or logging; same inputs give the same outputs byte for byte.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rules/alert.h"
#include "rules/calendar.h"
#include "rules/clock.h"
#include "rules/pack.h"
#include "rules/state.h"

namespace rules {
namespace detail {
struct ClockTally;
}

// A case's next wake-up: the shell calls Engine::on_timer for it once `at` has passed.
struct Timer {
  std::string case_id;
  Timestamp at{};
  bool operator==(const Timer&) const = default;
};

struct Decision {
  CaseState state;
  std::vector<Alert> alerts;         // transitions, in a deterministic order
  std::optional<Timer> set_timer;    // arm this one
  std::optional<Timer> clear_timer;  // and drop this one (the case's previous timer)
  bool duplicate = false;            // the event id was seen before: nothing changed
  // Of the duplicates offered, those whose content differs from the event kept under their id
  // (settled point 5: the first wins; the daemon counts these in a metric).
  std::uint32_t duplicate_conflicts = 0;
  std::string refused;  // non-empty: the event was not applied, and why
};

// What became of one event offered to a case.
enum class Admission : std::uint8_t { kApplied, kDuplicate, kRefused };

struct EngineOptions {
  // A case's history is re-read on every evaluation; a runaway producer must not make one case
  // unbounded. Further events of a full case are refused (the daemon dead-letters them).
  std::size_t max_events_per_case = 1000;
};

// The desired state of one alert as the history implies it, before comparing with the ledger.
// Kept free of owned strings: most evaluations change nothing, and only a transition is turned
// into an Alert.
struct Finding {
  const Rule* rule = nullptr;
  Level level = Level::kRed;
  std::uint32_t cycle = 1;
  Timestamp since{};               // when the condition began (fired_at)
  std::optional<Timestamp> until;  // when it ended, if it has
  const char* resolution = "";     // why it ended
  const std::string* title = nullptr;
  std::string reason;                   // violations only
  std::int32_t evidence[2] = {-1, -1};  // indices into the case's events
  bool officer_from_evidence = false;   // violations: the acting officer of the event
  std::optional<Timestamp> due_at;
  bool provisional = false;
  std::optional<ClockFacts> clock;
};

class Engine {
 public:
  Engine(std::shared_ptr<const RuleSet> rules, std::shared_ptr<const Calendar> calendar,
         EngineOptions options = {});

  // Applies one event. The event must belong to the state's case (or the state must be empty).
  // Both are taken by value: move them in on a hot path, the event becomes part of the history.
  Decision apply(CaseState state, Event event, Timestamp now) const;
  // Applies several events of one case together and settles once, as a poll batch does: the
  // alerts reflect the history after all of them, not each intermediate step. `admissions` and
  // `reasons` (when given) receive one entry per event, in order.
  Decision apply_batch(CaseState state, std::vector<Event> events, Timestamp now,
                       std::vector<Admission>* admissions = nullptr,
                       std::vector<std::string>* reasons = nullptr) const;
  // Re-evaluates a case whose timer fell due.
  Decision on_timer(CaseState state, const Timer& timer, Timestamp now) const;
  // Re-evaluates a case without input, e.g. after a rule or calendar change.
  Decision reevaluate(CaseState state, Timestamp now) const;

  // Every finding the history implies (also those not yet due), for explain and tests.
  std::vector<Finding> findings(const CaseState& state) const;

  const RuleSet& rules() const { return *rules_; }
  const Calendar& calendar() const { return *calendar_; }

 private:
  Decision settle(CaseState state, Timestamp now) const;
  std::vector<Finding> findings(const CaseState& state, detail::ClockTally& tally) const;
  Admission insert(CaseState& state, Event event, std::string* why, std::uint32_t* conflicts) const;
  Alert materialise(const Finding& f, const CaseState& s) const;
  Alert identity(const CaseState& s, const std::string& rule_id, Level level,
                 std::uint32_t cycle) const;

  std::shared_ptr<const RuleSet> rules_;
  std::shared_ptr<const Calendar> calendar_;
  std::string calendar_id_;
  EngineOptions options_;
};

}  // namespace rules
