#include "rules/replay.h"

namespace rules {

const CaseState* Replayer::find(std::string_view case_id) const {
  const auto it = index_.find(case_id);
  return it == index_.end() ? nullptr : &cases_[it->second];
}

std::size_t Replayer::pending_timers() const {
  std::size_t n = 0;
  for (const CaseState& s : cases_) n += s.wakeup.has_value();
  return n;
}

void Replayer::apply_decision(std::uint32_t index, Decision d, std::vector<Alert>& out) {
  if (d.set_timer) timers_.push({d.set_timer->at, index});
  for (Alert& a : d.alerts) out.push_back(std::move(a));
  cases_[index] = std::move(d.state);
}

void Replayer::advance(Timestamp to, std::vector<Alert>& out) {
  while (!timers_.empty() && timers_.top().first <= to) {
    const auto [at, index] = timers_.top();
    timers_.pop();
    CaseState& s = cases_[index];
    if (s.wakeup != at) continue;  // stale: the case was re-armed since
    if (at > now_) now_ = at;
    s.wakeup.reset();  // this timer is consumed
    const Timer t{s.case_id, at};
    apply_decision(index, engine_.on_timer(std::move(s), t, now_), out);
  }
  if (to > now_) now_ = to;
}

Replayer::Fed Replayer::feed(Event e, Timestamp arrival, std::vector<Alert>& out,
                             std::string* why) {
  advance(arrival, out);
  const auto [it, inserted] =
      index_.try_emplace(e.case_id, static_cast<std::uint32_t>(cases_.size()));
  if (inserted) cases_.emplace_back();
  const std::uint32_t index = it->second;
  Decision d = engine_.apply(std::move(cases_[index]), std::move(e), now_);
  const Fed result = d.duplicate         ? Fed::kDuplicate
                     : d.refused.empty() ? Fed::kApplied
                                         : Fed::kRefused;
  if (result == Fed::kRefused && why != nullptr) *why = d.refused;
  apply_decision(index, std::move(d), out);
  return result;
}

}  // namespace rules
