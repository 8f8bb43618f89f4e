#include "rules/replay.h"

namespace rules {

void Replayer::apply_decision(Decision d, std::vector<Alert>& out) {
  if (d.clear_timer) timers_.erase({d.clear_timer->at, d.clear_timer->case_id});
  if (d.set_timer) timers_.insert({d.set_timer->at, d.set_timer->case_id});
  for (Alert& a : d.alerts) out.push_back(std::move(a));
  std::string id = d.state.case_id;
  cases_[id] = std::move(d.state);
}

void Replayer::advance(Timestamp to, std::vector<Alert>& out) {
  while (!timers_.empty() && timers_.begin()->first <= to) {
    const auto [at, case_id] = *timers_.begin();
    timers_.erase(timers_.begin());
    if (at > now_) now_ = at;
    auto it = cases_.find(case_id);
    if (it == cases_.end()) continue;
    CaseState s = std::move(it->second);
    s.wakeup.reset();  // this timer is consumed
    apply_decision(engine_.on_timer(std::move(s), Timer{case_id, at}, now_), out);
  }
  if (to > now_) now_ = to;
}

bool Replayer::feed(const Event& e, Timestamp arrival, std::vector<Alert>& out) {
  advance(arrival, out);
  auto it = cases_.find(e.case_id);
  CaseState s = it == cases_.end() ? CaseState{} : std::move(it->second);
  Decision d = engine_.apply(std::move(s), e, now_);
  const bool dup = d.duplicate;
  apply_decision(std::move(d), out);
  return !dup;
}

}  // namespace rules
