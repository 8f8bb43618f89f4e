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

bool Relay::parked(std::int32_t partition, std::uint64_t seq) {
  for (auto* m : {&held_, &covered_}) {
    const auto it = m->find(partition);
    if (it != m->end() && std::binary_search(it->second.begin(), it->second.end(), seq)) {
      return true;
    }
  }
  return false;
}

bool Relay::release(std::int32_t p) {
  auto& covered = covered_[p];
  while (!covered.empty() && in_flight_.size() < max_in_flight_) {
    // The changelog records among them were acknowledged (and deleted) before their checkpoint
    // went out, so the store holds the covered entries in a row.
    const auto entries = store_.outbox(
        p, std::min(covered.size(), max_in_flight_ - in_flight_.size()), covered.front());
    if (entries.empty()) {
      log::error("covered alerts are missing from the outbox; skipping them",
                 {{"partition", std::to_string(p)}, {"count", std::to_string(covered.size())}});
      covered.clear();
      break;
    }
    for (const auto& e : entries) {
      while (!covered.empty() && covered.front() < e.seq) covered.pop_front();  // gone
      if (covered.empty() || e.seq != covered.front()) continue;
      if (!producer_.produce(e)) return false;
      in_flight_.insert({p, e.seq});
      covered.pop_front();
    }
  }
  return true;
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
      released_.erase(id.first);
    }
    auto& cursor = cursor_[id.first];
    cursor = std::min(cursor, id.second);  // read it again from there
  }
  for (std::int32_t p : partitions) {
    if (in_flight_.size() >= max_in_flight_) break;
    // Alerts covered by an acknowledged checkpoint.
    if (released_.count(p) != 0) {
      release(p);
      if (covered_[p].empty()) released_.erase(p);
    }
    // A cursor per partition remembers what has been read, so each turn reads only new entries
    // instead of re-reading (and skipping) everything in flight.
    auto& cursor = cursor_[p];
    for (const auto& e : store_.outbox(p, max_in_flight_ - in_flight_.size(), cursor)) {
      const auto id = std::make_pair(e.partition, e.seq);
      if (in_flight_.count(id) == 0 && !parked(p, e.seq)) {
        const bool changelog = !changelog_topic_.empty() && e.topic == changelog_topic_;
        if (!changelog_topic_.empty() && !changelog) {
          // An alert or dead letter: after the next checkpoint. (Read again after a failure,
          // it may come before others held already.)
          auto& held = held_[p];
          held.insert(std::upper_bound(held.begin(), held.end(), e.seq), e.seq);
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
