// Drives the engine over an event log in event time, as `approvald replay` and the rule tests do:
// the supervision clock is the highest arrival time seen, and before each event every case timer
// due by then fires. Pure: the caller supplies the events and collects the alerts.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "rules/engine.h"

namespace rules {

class Replayer {
 public:
  explicit Replayer(const Engine& engine) : engine_(engine) {}

  // Applies one event arriving at `arrival` (normally its occurred_at). Returns false for a
  // duplicate event id.
  bool feed(const Event& e, Timestamp arrival, std::vector<Alert>& out);
  bool feed(const Event& e, std::vector<Alert>& out) { return feed(e, e.occurred_at, out); }
  // Moves the supervision clock forward to `to`, firing every timer due by then.
  void advance(Timestamp to, std::vector<Alert>& out);

  Timestamp now() const { return now_; }
  const std::map<std::string, CaseState>& cases() const { return cases_; }
  std::size_t pending_timers() const { return timers_.size(); }

 private:
  void apply_decision(Decision d, std::vector<Alert>& out);

  const Engine& engine_;
  std::map<std::string, CaseState> cases_;
  std::set<std::pair<Timestamp, std::string>> timers_;
  Timestamp now_{Millis{INT64_MIN / 2}};
};

}  // namespace rules
