// What the transactional producer's tests need of the real broker besides the producer under
// test, in librdkafka's own calls: a topic of their own, every record of a partition as a
// consumer with a given isolation level reads it, and a group's committed offset.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace approvald::testing {

inline std::string bootstrap() {
  const char* b = std::getenv("BOOTSTRAP");
  return b != nullptr ? b : "127.0.0.1:9092";
}

// A name no other run uses, under the integration tests' prefix (scripts/kafka delete "it\..*").
inline std::string unique_name(const std::string& what) {
  return "it.txn-" + what + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

inline rd_kafka_t* client(rd_kafka_type_t type, const std::map<std::string, std::string>& props) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : props)
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      throw std::runtime_error(k + ": " + err);
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap().c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) throw std::runtime_error(err);
  return rk;
}

// Creates a topic of one partition with the given topic configuration; throws when the broker
// refuses or does not answer within 30 s.
inline void create_topic(const std::string& name,
                         const std::map<std::string, std::string>& config = {}) {
  rd_kafka_t* rk = client(RD_KAFKA_PRODUCER, {});
  char err[512];
  rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(name.c_str(), 1, 1, err, sizeof err);
  for (const auto& [k, v] : config) rd_kafka_NewTopic_set_config(topic, k.c_str(), v.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &topic, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  std::string error = ev == nullptr ? "no answer from the broker at " + bootstrap() : "";
  if (ev != nullptr) {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      error = rd_kafka_event_error_string(ev);
    } else if (n == 1 && rd_kafka_topic_result_error(results[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      error = rd_kafka_topic_result_error_string(results[0]);
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(topic);
  rd_kafka_destroy(rk);
  if (!error.empty()) throw std::runtime_error("creating topic " + name + ": " + error);
}

// Every value in partition 0 of `topic` up to its end as a consumer with `isolation` sees it
// (read_committed: up to the last stable offset, which an open transaction holds back).
inline std::vector<std::string> read_values(const std::string& topic, const char* isolation) {
  rd_kafka_t* rk = client(RD_KAFKA_CONSUMER, {{"group.id", unique_name("reader")},
                                              {"isolation.level", isolation},
                                              {"enable.partition.eof", "true"},
                                              {"enable.auto.commit", "false"}});
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::vector<std::string> values;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool at_end = false;
  while (!at_end && std::chrono::steady_clock::now() < give_up) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 500);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end = true;
    } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      values.emplace_back(static_cast<const char*>(m->payload), m->len);
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  if (!at_end) throw std::runtime_error("no end of " + topic + " within 30 s");
  return values;
}

// The offset `group` committed for partition `partition` of `topic` (none: never committed).
inline std::optional<std::int64_t> committed(const std::string& group, const std::string& topic,
                                             std::int32_t partition) {
  rd_kafka_t* rk = client(RD_KAFKA_CONSUMER, {{"group.id", group}});
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), partition);
  const rd_kafka_resp_err_t e = rd_kafka_committed(rk, list, 30000);
  const std::int64_t offset = list->elems[0].offset;
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error(std::string("reading committed offsets: ") + rd_kafka_err2str(e));
  if (offset < 0) return std::nullopt;
  return offset;
}

}  // namespace approvald::testing
