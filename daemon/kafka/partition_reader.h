// Reads one partition of a topic outside any consumer group, up to its end as it is when asked:
// how a new owner reads the state changelog (docs/adr/0007).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "kafka/kafka.h"
#include "pipeline/changelog.h"

namespace approvald::kafka {

class PartitionReader {
 public:
  static Result<std::unique_ptr<PartitionReader>> create(const std::string& bootstrap_servers,
                                                         const Properties& properties);
  ~PartitionReader();
  PartitionReader(const PartitionReader&) = delete;
  PartitionReader& operator=(const PartitionReader&) = delete;

  // The last `last_n` records of the partition (all of them when negative), in offset order.
  // Fails if the topic or partition does not exist or the end is not reached in `timeout_ms`.
  Result<std::vector<pipeline::ChangelogRecord>> read(const std::string& topic,
                                                      std::int32_t partition, std::int64_t last_n,
                                                      int timeout_ms);

 private:
  struct Impl;
  explicit PartitionReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace approvald::kafka
