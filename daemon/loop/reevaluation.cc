#include "loop/reevaluation.h"

namespace approvald::loop {

void Reevaluation::start(std::uint64_t version) {
  version_ = version;
  cases_ = 0;
  reached_.clear();
  finished_.clear();
}

std::optional<Reevaluation::Next> Reevaluation::next(const std::vector<std::int32_t>& owned) const {
  if (!active()) return std::nullopt;
  for (std::int32_t p : owned) {
    if (finished_.count(p) != 0) continue;
    const auto r = reached_.find(p);
    return Next{p, r == reached_.end() ? std::string() : r->second};
  }
  return std::nullopt;
}

void Reevaluation::advance(std::int32_t partition, const std::vector<std::string>& ids,
                           std::size_t limit) {
  cases_ += ids.size();
  if (!ids.empty()) reached_[partition] = ids.back();
  if (ids.size() < limit) finished_.insert(partition);
}

bool Reevaluation::done(const std::vector<std::int32_t>& owned) const {
  return active() && !owned.empty() && !next(owned);
}

void Reevaluation::finish() { start(0); }

}  // namespace approvald::loop
