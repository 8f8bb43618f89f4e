// What the loop needs of the outbox relay (outbox::Relay and its producer behind an adapter).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "ports/outbox_head.h"

namespace approvald::loop {

using ports::OutboxHead;

class RelayPort {
 public:
  virtual ~RelayPort() = default;
  // Serves delivery reports and produces what is new; how many entries were acknowledged (and
  // deleted) in this turn.
  virtual std::size_t pump(const std::set<std::int32_t>& partitions) = 0;
  virtual std::size_t in_flight() const = 0;
  // The first outbox read that failed since the last call (corrupt: the store is damaged).
  virtual std::optional<Error> take_read_error() = 0;
  // The head of each partition's outbox: one store read each, so every few seconds only.
  virtual std::vector<OutboxHead> heads(const std::set<std::int32_t>& partitions,
                                        std::int64_t now_ms) = 0;
  // What holds a partition's outbox back, and the producer's last delivery error: for a log line.
  virtual std::string describe(std::int32_t partition) const = 0;
  virtual std::optional<std::string> last_producer_error() const = 0;
};

}  // namespace approvald::loop
