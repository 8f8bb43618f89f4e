#include "kafka/partition_reader.h"

#include <librdkafka/rdkafka.h>

#include <chrono>

#include "kafka/conf.h"

namespace approvald::kafka {

struct PartitionReader::Impl {
  rd_kafka_t* rk = nullptr;
  ~Impl() {
    if (rk != nullptr) {
      rd_kafka_consumer_close(rk);
      rd_kafka_destroy(rk);
    }
  }
};

PartitionReader::PartitionReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PartitionReader::~PartitionReader() = default;

Result<std::unique_ptr<PartitionReader>> PartitionReader::create(
    const std::string& bootstrap_servers, const Properties& properties) {
  Properties props = {
      {"bootstrap.servers", bootstrap_servers},
      // Never joins the group (assign() only) and never commits: the id is only a label.
      {"group.id", "approvald-changelog-reader"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "true"},
  };
  for (const auto& [k, v] : properties) props[k] = v;
  props["enable.partition.eof"] = "true";  // how the end is recognised
  auto conf = make_conf(props);
  if (!conf) return conf.error();
  char err[512];
  auto impl = std::make_unique<Impl>();
  impl->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.value(), err, sizeof err);
  if (impl->rk == nullptr) return Error{std::string("creating the changelog reader: ") + err};
  rd_kafka_poll_set_consumer(impl->rk);
  return std::unique_ptr<PartitionReader>(new PartitionReader(std::move(impl)));
}

Result<std::vector<pipeline::ChangelogRecord>> PartitionReader::read(const std::string& topic,
                                                                     std::int32_t partition,
                                                                     std::int64_t last_n,
                                                                     int timeout_ms) {
  const std::string where = topic + "[" + std::to_string(partition) + "]";
  std::int64_t low = 0, high = 0;
  const rd_kafka_resp_err_t w = rd_kafka_query_watermark_offsets(
      impl_->rk, topic.c_str(), partition, &low, &high, timeout_ms);
  if (w != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error{"reading the watermarks of " + where + ": " + rd_kafka_err2str(w)};
  }
  std::vector<pipeline::ChangelogRecord> out;
  if (high <= low) return out;
  const std::int64_t from = last_n < 0 ? low : std::max(low, high - last_n);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), partition)->offset = from;
  rd_kafka_resp_err_t e = rd_kafka_assign(impl_->rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error{"assigning " + where + ": " + rd_kafka_err2str(e)};
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string failure;
  bool done = false;
  while (!done) {
    if (std::chrono::steady_clock::now() > deadline) {
      failure = "timed out reading " + where + " to offset " + std::to_string(high);
      break;
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(impl_->rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      done = m->offset >= high;
    } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      failure = "reading " + where + ": " + rd_kafka_message_errstr(m);
      done = true;
    } else {
      if (m->offset >= high) {
        done = true;  // written after we asked: the next owner's, not ours to read
      } else {
        pipeline::ChangelogRecord r;
        if (m->key != nullptr) r.key.assign(static_cast<const char*>(m->key), m->key_len);
        if (m->payload != nullptr) r.value.assign(static_cast<const char*>(m->payload), m->len);
        out.push_back(std::move(r));
        done = m->offset + 1 >= high;
      }
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_assign(impl_->rk, nullptr);
  if (!failure.empty()) return Error{failure};
  return out;
}

}  // namespace approvald::kafka
