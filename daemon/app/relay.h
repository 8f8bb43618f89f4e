// The outbox relay: produces undelivered outbox entries and deletes each one only after the
// broker acknowledged it. With the changelog, per partition (docs/adr/0007): alerts and dead
// letters are held back until the next checkpoint after them is acknowledged, and a checkpoint
// is produced only once the changelog records before it and the alerts released by the previous
// checkpoint are acknowledged. So every alert that reaches the topic is known to the changelog,
// and only the alerts of the last checkpoint can be missing from the topic.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "kafka/kafka.h"
#include "store/store.h"

namespace approvald::app {

class Relay {
 public:
  Relay(store::Store& store, kafka::Producer& producer, std::size_t max_in_flight,
        std::string changelog_topic)
      : store_(store),
        producer_(producer),
        max_in_flight_(max_in_flight),
        changelog_topic_(std::move(changelog_topic)) {}

  // Serves delivery reports and produces what is new. Returns how many entries the broker
  // acknowledged (and were deleted) in this turn.
  std::size_t pump(const std::set<std::int32_t>& partitions);

  // Delivers what is queued for `partitions`, for at most `timeout_ms`. True when nothing is
  // left undelivered.
  bool drain(int timeout_ms, const std::set<std::int32_t>& partitions);

  // Forgets what it read of a partition's outbox and reads it again from the start (the
  // partition was rebuilt from the changelog, or dropped).
  void forget(std::int32_t partition) {
    cursor_.erase(partition);
    held_.erase(partition);
    covered_.erase(partition);
    released_.erase(partition);
  }
  // The first sequence not yet produced for a partition.
  std::uint64_t cursor(std::int32_t partition) const {
    const auto it = cursor_.find(partition);
    return it == cursor_.end() ? 0 : it->second;
  }
  std::size_t in_flight() const { return in_flight_.size(); }
  // What holds a partition's outbox back, for a log line.
  std::string describe(std::int32_t partition) const;

 private:
  bool busy(std::int32_t partition) const;
  bool parked(std::int32_t partition, std::uint64_t seq);
  // Produces covered alerts of a partition whose checkpoint was acknowledged, read back from
  // the store in order. False when the producer's queue is full.
  bool release(std::int32_t partition);

  store::Store& store_;
  kafka::Producer& producer_;
  std::size_t max_in_flight_;
  std::string changelog_topic_;
  std::set<std::pair<std::int32_t, std::uint64_t>> in_flight_;
  std::map<std::int32_t, std::uint64_t> checkpoint_in_flight_;  // partition -> its sequence
  // Alerts and dead letters read but not produced, by outbox sequence (ascending; the entries
  // stay in the store, so a burst of alerts between checkpoints costs 8 bytes each here):
  // `held_` wait for the next checkpoint, `covered_` for the acknowledgement of the one in
  // flight (then `released_`).
  std::map<std::int32_t, std::deque<std::uint64_t>> held_;
  std::map<std::int32_t, std::deque<std::uint64_t>> covered_;
  std::set<std::int32_t> released_;
  std::map<std::int32_t, std::uint64_t> cursor_;
};

}  // namespace approvald::app
