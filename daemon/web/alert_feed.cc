#include "web/alert_feed.h"

#include <algorithm>
#include <boost/json.hpp>

#include "rules/time.h"

namespace approvald::web {
namespace {

constexpr std::int64_t kHourMs = 3'600'000;
// Counts are kept for two days of supervision time: the dashboard shows the last one.
constexpr std::int64_t kWindowMs = 48 * kHourMs;

std::int64_t fired_at_ms(const std::string& json) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return INT64_MIN;
  const auto* f = v.as_object().if_contains("fired_at");
  if (f == nullptr || !f->is_string()) return INT64_MIN;
  std::string why;
  const auto t = rules::parse_rfc3339(f->as_string(), &why);
  return t ? t->at.time_since_epoch().count() : INT64_MIN;
}

}  // namespace

void AlertFeed::count(const ports::AlertIndexEntry& e, std::int64_t now_ms) {
  if (e.status == ports::AlertIndexEntry::Status::kRetracted) {
    raised_.erase(e.alert_id);
    return;
  }
  const std::int64_t fired = fired_at_ms(e.json);
  if (fired < now_ms - kWindowMs || e.level > 2) {
    raised_.erase(e.alert_id);
    return;
  }
  raised_[e.alert_id] = Raised{fired, e.level};
}

void AlertFeed::prune(std::int64_t now_ms) {
  if (now_ms < next_prune_ms_) return;
  next_prune_ms_ = now_ms + kHourMs;
  std::erase_if(raised_, [&](const auto& kv) { return kv.second.fired_ms < now_ms - kWindowMs; });
}

void AlertFeed::publish(const std::vector<ports::AlertIndexEntry>& entries, std::int64_t now_ms) {
  if (entries.empty()) return;
  {
    std::lock_guard lock(mu_);
    for (const auto& e : entries) {
      count(e, now_ms);
      ring_.push_back(FeedItem{++seq_, e.agency, e.rule_id, e.level, e.json});
      if (ring_.size() > capacity_) ring_.pop_front();
    }
    prune(now_ms);
  }
  cv_.notify_all();
}

void AlertFeed::seed(const ports::AlertIndexEntry& entry, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  count(entry, now_ms);
}

std::vector<FeedItem> AlertFeed::since(std::uint64_t after_seq, std::size_t limit, int wait_ms) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(wait_ms),
               [&] { return closed_ || seq_ > after_seq; });
  std::vector<FeedItem> out;
  for (const auto& item : ring_) {
    if (item.seq <= after_seq) continue;
    out.push_back(item);
    if (out.size() >= limit) break;
  }
  return out;
}

std::vector<FeedItem> AlertFeed::latest(std::size_t limit) const {
  std::lock_guard lock(mu_);
  const std::size_t n = std::min(limit, ring_.size());
  return {ring_.end() - static_cast<std::ptrdiff_t>(n), ring_.end()};
}

std::uint64_t AlertFeed::last_seq() const {
  std::lock_guard lock(mu_);
  return seq_;
}

std::vector<HourCount> AlertFeed::hourly(std::int64_t now_ms, int hours) const {
  const std::int64_t last = now_ms - ((now_ms % kHourMs) + kHourMs) % kHourMs;
  const std::int64_t first = last - static_cast<std::int64_t>(hours - 1) * kHourMs;
  std::vector<HourCount> out(static_cast<std::size_t>(hours));
  for (int i = 0; i < hours; ++i) out[static_cast<std::size_t>(i)].hour_ms = first + i * kHourMs;
  std::lock_guard lock(mu_);
  for (const auto& [id, r] : raised_) {
    if (r.fired_ms < first || r.fired_ms >= last + kHourMs) continue;
    out[static_cast<std::size_t>((r.fired_ms - first) / kHourMs)].by_level[r.level]++;
  }
  return out;
}

void AlertFeed::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

}  // namespace approvald::web
