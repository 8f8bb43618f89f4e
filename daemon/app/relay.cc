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
  for (const auto& id : delivered) in_flight_.erase(id);
  for (const auto& id : producer_.take_failed()) {
    in_flight_.erase(id);
    auto& c = cursor_[id.first];
    c = std::min(c, id.second);  // read it again from there
  }
  // A cursor per partition remembers what has been produced, so each turn reads only new
  // entries instead of re-reading (and skipping) everything in flight.
  for (std::int32_t p : partitions) {
    if (in_flight_.size() >= max_in_flight_) break;
    auto& cursor = cursor_[p];
    for (const auto& e : store_.outbox(p, max_in_flight_ - in_flight_.size(), cursor)) {
      const auto id = std::make_pair(e.partition, e.seq);
      if (in_flight_.count(id) == 0) {
        const bool checkpoint = !changelog_topic_.empty() && e.topic == changelog_topic_ &&
                                pipeline::is_checkpoint(e.key);
        if (checkpoint && busy(p)) break;  // after the entries before it: next turn
        if (!producer_.produce(e)) break;  // local queue full: try again next turn
        in_flight_.insert(id);
      }
      cursor = e.seq + 1;
    }
  }
  return delivered.size();
}

bool Relay::drain(int timeout_ms, const std::set<std::int32_t>& partitions) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    pump(partitions);
    bool pending = false;
    for (std::int32_t p : partitions) pending = pending || busy(p) || !store_.outbox(p, 1).empty();
    if (!pending) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    producer_.poll(50);
  }
}

}  // namespace approvald::app
