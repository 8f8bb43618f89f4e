#include "app/relay.h"

#include <algorithm>
#include <chrono>

#include "base/log.h"
#include "pipeline/changelog.h"

namespace approvald::app {

bool Relay::busy(std::int32_t partition) const {
  const auto it = in_flight_.lower_bound({partition, 0});
  return it != in_flight_.end() && it->first == partition;
}

std::size_t Relay::pump(const std::set<std::int32_t>& partitions) {
  producer_.poll(0);
  const auto delivered = producer_.take_delivered();
  if (!store_.delete_outbox(delivered)) {
    log::error("could not delete delivered outbox entries; they will be sent again");
  }
  for (const auto& id : delivered) {
    in_flight_.erase(id);
    const auto c = checkpoint_in_flight_.find(id.first);
    if (c != checkpoint_in_flight_.end() && c->second == id.second) {
      checkpoint_in_flight_.erase(c);
      released_.insert(id.first);  // what it covers may go now
    }
  }
  for (const auto& id : producer_.take_failed()) {
    in_flight_.erase(id);
    const auto c = checkpoint_in_flight_.find(id.first);
    if (c != checkpoint_in_flight_.end() && c->second == id.second) {
      // What it covered waits for it again, when it is read and produced anew.
      checkpoint_in_flight_.erase(c);
      auto& covered = covered_[id.first];
      auto& held = held_[id.first];
      held.insert(held.begin(), covered.begin(), covered.end());
      covered.clear();
    }
    auto& cursor = cursor_[id.first];
    cursor = std::min(cursor, id.second);  // read it again from there
  }
  for (std::int32_t p : partitions) {
    if (in_flight_.size() >= max_in_flight_) break;
    // Alerts covered by an acknowledged checkpoint.
    if (released_.count(p) != 0) {
      auto& covered = covered_[p];
      std::size_t sent = 0;
      for (; sent < covered.size() && producer_.produce(covered[sent]); ++sent) {
        in_flight_.insert({p, covered[sent].seq});
        parked_.erase({p, covered[sent].seq});
      }
      covered.erase(covered.begin(), covered.begin() + static_cast<std::ptrdiff_t>(sent));
      if (covered.empty()) released_.erase(p);
    }
    // A cursor per partition remembers what has been read, so each turn reads only new entries
    // instead of re-reading (and skipping) everything in flight.
    auto& cursor = cursor_[p];
    for (const auto& e : store_.outbox(p, max_in_flight_ - in_flight_.size(), cursor)) {
      const auto id = std::make_pair(e.partition, e.seq);
      if (in_flight_.count(id) == 0 && parked_.count(id) == 0) {
        const bool changelog = !changelog_topic_.empty() && e.topic == changelog_topic_;
        if (!changelog_topic_.empty() && !changelog) {
          held_[p].push_back(e);  // an alert or dead letter: after the next checkpoint
          parked_.insert(id);
        } else if (changelog && pipeline::is_checkpoint(e.key)) {
          // After the changelog records before it and the previous checkpoint's alerts.
          if (busy(p) || !covered_[p].empty()) break;
          if (!producer_.produce(e)) break;
          in_flight_.insert(id);
          checkpoint_in_flight_[p] = e.seq;
          covered_[p] = std::move(held_[p]);
          held_[p].clear();
        } else {
          if (!producer_.produce(e)) break;  // local queue full: try again next turn
          in_flight_.insert(id);
        }
      }
      cursor = e.seq + 1;
    }
  }
  return delivered.size();
}

std::string Relay::describe(std::int32_t p) const {
  auto size = [p](const auto& m) {
    const auto it = m.find(p);
    return it == m.end() ? std::size_t{0} : it->second.size();
  };
  std::size_t flying = 0;
  for (auto it = in_flight_.lower_bound({p, 0}); it != in_flight_.end() && it->first == p; ++it) {
    ++flying;
  }
  return std::to_string(flying) + " in flight, " + std::to_string(size(held_)) +
         " waiting for a checkpoint, " + std::to_string(size(covered_)) +
         " for its acknowledgement" + (checkpoint_in_flight_.count(p) != 0 ? " (in flight)" : "") +
         ", cursor " + std::to_string(cursor(p));
}

bool Relay::drain(int timeout_ms, const std::set<std::int32_t>& partitions) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    pump(partitions);
    bool pending = false;
    for (std::int32_t p : partitions) pending = pending || busy(p) || !store_.outbox(p, 1).empty();
    // (Held and covered entries are still in the outbox, so the test above sees them.)
    if (!pending) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    producer_.poll(50);
  }
}

}  // namespace approvald::app
