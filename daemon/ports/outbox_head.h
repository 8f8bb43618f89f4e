// How long the head of a partition's outbox has waited: what the relay reports and the loop turns
// into gauges and a log line. Plain data, so that loop/ and outbox/ share it without seeing each
// other.
#pragma once

#include <cstdint>

namespace approvald::ports {

struct OutboxHead {
  std::int32_t partition = 0;
  std::int64_t age_ms = 0;  // 0: nothing waits
  bool stalled = false;     // age_ms above the relay's stall threshold
};

}  // namespace approvald::ports
