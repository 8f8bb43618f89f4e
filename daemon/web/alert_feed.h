// The alerts committed since start, for the dashboard: a bounded ring that Server-Sent Events
// connections follow, and per-hour counts of the alerts raised recently. Fed by the main loop
// after each commit (so nothing shown is lost by a crash), read by the HTTP threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "ports/write_set.h"

namespace approvald::web {

struct FeedItem {
  std::uint64_t seq = 0;  // 1, 2, … in commit order; SSE's event id
  std::string agency;
  std::string rule_id;
  std::uint8_t level = 0;  // rules::Level
  std::string json;        // the alert as published
};

struct HourCount {
  std::int64_t hour_ms = 0;              // start of the hour
  std::int64_t by_level[3] = {0, 0, 0};  // reminder, yellow, red
};

class AlertFeed {
 public:
  explicit AlertFeed(std::size_t capacity = 2000) : capacity_(capacity) {}

  // Alert index entries of one commit, in order. Their fired_at (from the JSON) places them in
  // the hourly counts; `now_ms` (supervision time) ages old ones out.
  void publish(const std::vector<ports::AlertIndexEntry>& entries, std::int64_t now_ms);
  // Seeds the hourly counts from an alert index entry at start, without feeding the ring.
  void seed(const ports::AlertIndexEntry& entry, std::int64_t now_ms);

  // Items after `after_seq` (at most `limit`), waiting up to `wait_ms` for one to arrive.
  std::vector<FeedItem> since(std::uint64_t after_seq, std::size_t limit, int wait_ms);
  // The newest `limit` items, oldest first.
  std::vector<FeedItem> latest(std::size_t limit) const;
  std::uint64_t last_seq() const;

  // Alerts raised (fired_at) per hour over the `hours` hours up to `now_ms`, oldest first. A
  // retracted alert is not counted; one that fired and resolved is.
  std::vector<HourCount> hourly(std::int64_t now_ms, int hours) const;

  // Wakes every waiter for good (shutdown).
  void close();

 private:
  struct Raised {
    std::int64_t fired_ms = 0;
    std::uint8_t level = 0;
  };
  void count(const ports::AlertIndexEntry& e, std::int64_t now_ms);
  void prune(std::int64_t now_ms);

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<FeedItem> ring_;
  std::uint64_t seq_ = 0;
  bool closed_ = false;
  std::unordered_map<std::string, Raised> raised_;  // alert id → when, within the window
  std::int64_t next_prune_ms_ = 0;
};

}  // namespace approvald::web
