#include "state/case_cache.h"

#include <utility>

#include "ports/codec.h"

namespace approvald::state {

CaseCache::CaseCache(ports::CaseReader& store, std::size_t budget_bytes)
    : store_(store), budget_(budget_bytes) {}

std::string CaseCache::key(std::int32_t partition, std::string_view case_id) {
  std::string k;
  k.reserve(4 + case_id.size());
  ports::put_be32(k, static_cast<std::uint32_t>(partition));
  k.append(case_id);
  return k;
}

Lookup<std::string> CaseCache::get_case(std::int32_t partition, std::string_view case_id) {
  if (budget_ == 0) return store_.get_case(partition, case_id);
  std::string k = key(partition, case_id);
  if (auto it = entries_.find(k); it != entries_.end()) {
    ++stats_.hits;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    if (!it->second.present) return std::optional<std::string>();
    return std::optional<std::string>(it->second.bytes);
  }
  ++stats_.misses;
  auto read = store_.get_case(partition, case_id);
  if (read) put(std::move(k), partition, read.value());
  return read;
}

Status CaseCache::prefetch(std::int32_t partition, const std::vector<std::string_view>& case_ids) {
  if (budget_ == 0) return ok_status();
  std::vector<std::string_view> missing;
  for (std::string_view id : case_ids) {
    const auto it = entries_.find(key(partition, id));
    if (it == entries_.end()) {
      missing.push_back(id);
    } else {
      // Used next: it must not be the one evicted to make room for the misses.
      lru_.splice(lru_.begin(), lru_, it->second.lru);
    }
  }
  if (missing.empty()) return ok_status();
  auto read = store_.get_cases(partition, missing);
  if (!read) return read.error();
  for (std::size_t i = 0; i < missing.size(); ++i) {
    put(key(partition, missing[i]), partition, read.value()[i]);
  }
  stats_.misses += missing.size();
  return ok_status();
}

void CaseCache::apply(const ports::WriteSet& committed) {
  if (budget_ == 0) return;
  for (std::int32_t p : committed.resets) forget(p);
  for (const auto& c : committed.cases) put(key(c.partition, c.case_id), c.partition, c.bytes);
}

void CaseCache::forget(std::int32_t partition) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto next = std::next(it);
    if (it->second.partition == partition) erase(it);
    it = next;
  }
}

void CaseCache::put(std::string k, std::int32_t partition,
                    const std::optional<std::string>& bytes) {
  auto [it, fresh] = entries_.try_emplace(std::move(k));
  Entry& e = it->second;
  if (fresh) {
    lru_.push_front(it->first);
    e.lru = lru_.begin();
    e.partition = partition;
  } else {
    stats_.bytes -= cost(it->first, e);
    lru_.splice(lru_.begin(), lru_, e.lru);
  }
  e.present = bytes.has_value();
  // A fresh string, so that a smaller state does not keep a larger one's capacity.
  e.bytes = bytes ? std::string(*bytes) : std::string();
  stats_.bytes += cost(it->first, e);
  stats_.entries = entries_.size();
  trim();
}

void CaseCache::erase(std::unordered_map<std::string, Entry>::iterator it) {
  stats_.bytes -= cost(it->first, it->second);
  lru_.erase(it->second.lru);
  entries_.erase(it);
  stats_.entries = entries_.size();
}

void CaseCache::trim() {
  // The entry just put is at the front: it stays even when alone above the budget.
  while (stats_.bytes > budget_ && entries_.size() > 1) {
    erase(entries_.find(lru_.back()));
    ++stats_.evictions;
  }
}

}  // namespace approvald::state
