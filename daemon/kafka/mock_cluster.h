// librdkafka's in-process Kafka-protocol cluster, for `approvald demo` (no broker to install) and
// fault-injection tests. Not a broker substitute: each partition keeps only about 5 MiB and
// silently drops older data, there is no compaction, and the first group join takes about 3 s
// (docs/adr/0008-demo-on-the-mock-cluster.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace approvald::kafka {

class MockCluster {
 public:
  // Starts `brokers` mock brokers and creates the topics (name, partitions).
  static Result<std::unique_ptr<MockCluster>> start(
      int brokers, const std::vector<std::pair<std::string, int>>& topics);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  // The bootstrap.servers string that reaches it (127.0.0.1 ports).
  const std::string& bootstrap_servers() const { return bootstraps_; }

 private:
  struct Impl;
  explicit MockCluster(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::string bootstraps_;
};

}  // namespace approvald::kafka
