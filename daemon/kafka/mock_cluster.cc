#include "kafka/mock_cluster.h"

#include <librdkafka/rdkafka.h>
// rdkafka_mock.h must come after rdkafka.h.
#include <librdkafka/rdkafka_mock.h>

namespace approvald::kafka {

struct MockCluster::Impl {
  rd_kafka_t* handle = nullptr;  // the cluster lives in this client's threads
  rd_kafka_mock_cluster_t* cluster = nullptr;
  ~Impl() {
    if (cluster != nullptr) rd_kafka_mock_cluster_destroy(cluster);
    if (handle != nullptr) rd_kafka_destroy(handle);
  }
};

MockCluster::MockCluster(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  bootstraps_ = rd_kafka_mock_cluster_bootstraps(impl_->cluster);
}

MockCluster::~MockCluster() = default;

Result<std::unique_ptr<MockCluster>> MockCluster::start(
    int brokers, const std::vector<std::pair<std::string, int>>& topics) {
  auto impl = std::make_unique<Impl>();
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // A client of its own that never connects anywhere: it only hosts the cluster.
  // (Quiet: it would warn that it has no bootstrap servers of its own.)
  if (rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return Error{std::string("mock cluster: ") + err};
  }
  impl->handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (impl->handle == nullptr) return Error{std::string("mock cluster: ") + err};
  impl->cluster = rd_kafka_mock_cluster_new(impl->handle, brokers);
  if (impl->cluster == nullptr) return Error{"mock cluster: cannot start the mock brokers"};
  for (const auto& [name, partitions] : topics) {
    const auto e = rd_kafka_mock_topic_create(impl->cluster, name.c_str(), partitions, 1);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Error{"mock cluster: cannot create topic " + name + ": " + rd_kafka_err2str(e)};
    }
  }
  return std::unique_ptr<MockCluster>(new MockCluster(std::move(impl)));
}

}  // namespace approvald::kafka
