// What the loop needs of the store, in the narrow groups it uses (store::Store behind an adapter
// in app/): the one commit point, the timer index, and the figures behind the gauges.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "ports/write_set.h"

namespace approvald::loop {

class StoreWriter {
 public:
  virtual ~StoreWriter() = default;
  // Applies everything in one atomic write.
  virtual Status commit(const ports::WriteSet& writes) = 0;
};

class TimerIndex {
 public:
  virtual ~TimerIndex() = default;
  // Timers due at or before `upto_ms`, earliest first, at most `limit`.
  virtual Result<std::vector<ports::TimerEntry>> due_timers(std::int32_t partition,
                                                            std::int64_t upto_ms,
                                                            std::size_t limit) = 0;
  virtual Lookup<std::int64_t> earliest_timer(std::int32_t partition) = 0;
  // An estimate of armed timers in every partition, free to ask (a gauge).
  virtual std::uint64_t estimated_timers() = 0;
};

// What a re-evaluation under new rules walks, and where it records that it finished.
class CaseScan {
 public:
  virtual ~CaseScan() = default;
  // Up to `limit` case ids of a partition after `after` in key order ("": from the first).
  virtual Result<std::vector<std::string>> case_ids(std::int32_t partition, std::string_view after,
                                                    std::size_t limit) = 0;
  // Every open case was re-evaluated under rule version `version`.
  virtual Status reevaluated(std::uint64_t version) = 0;
};

// Read every few seconds for /metrics.
class StoreGauges {
 public:
  virtual ~StoreGauges() = default;
  virtual std::map<ports::TallyKey, ports::CaseTally> tallies() const = 0;
  // Bytes by where they are held ("block_cache", "memtables", …).
  virtual std::map<std::string, std::uint64_t> memory() = 0;
  virtual std::uint64_t live_data_bytes() = 0;
  virtual std::uint64_t pending_compaction_bytes() = 0;
};

}  // namespace approvald::loop
