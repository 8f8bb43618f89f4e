// What the loop needs of the Kafka consumer (kafka::Consumer behind an adapter in app/), so that
// a turn runs in tests on a scripted consumer.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "base/result.h"
#include "pipeline/pipeline.h"

namespace approvald::loop {

class ConsumerPort {
 public:
  virtual ~ConsumerPort() = default;

  // Up to `max` records, waiting at most `timeout_ms` for the first. Rebalance callbacks run
  // inside it.
  virtual std::vector<pipeline::Record> poll(std::size_t max, int timeout_ms) = 0;
  // Backpressure: stop (or resume) fetching every assigned partition.
  virtual void pause_all(bool paused) = 0;
  // True when the broker's last known high watermark is at or below `next_offset`.
  virtual bool caught_up(std::int32_t partition, std::int64_t next_offset) const = 0;
  // Messages behind the high watermark (0 when unknown).
  virtual std::int64_t lag(std::int32_t partition, std::int64_t next_offset) const = 0;
  // Offsets to the group, for lag monitoring only: the store holds the real ones.
  virtual void commit(const std::map<std::int32_t, std::int64_t>& next_offsets) = 0;
  virtual const std::set<std::int32_t>& assigned() const = 0;
  // Asks the cluster for metadata (at most `timeout_ms`); whether the broker answered.
  virtual bool probe_broker(int timeout_ms) = 0;
  // Errors reported since the last call: (label, example message, count).
  virtual std::vector<std::tuple<std::string, std::string, std::int64_t>> take_errors() = 0;
  // Set once the consumer failed for good: it must be replaced.
  virtual const std::optional<std::string>& fatal_error() const = 0;
  // Gives the consumer up before it is destroyed (what it holds is revoked as lost; it does not
  // leave the group, as its replacement takes the same static identity).
  virtual void abandon() = 0;
  // Leaves the group.
  virtual void close() = 0;
};

// Makes a consumer with the same configuration and rebalance callbacks: the first one, and each
// replacement of one that failed or stayed unassigned.
using ConsumerFactory = std::function<Result<std::unique_ptr<ConsumerPort>>()>;

}  // namespace approvald::loop
