// The producer's error classification, on librdkafka's own error codes and on a real produce
// call (no broker needed: librdkafka checks sizes and its queue locally).
#include <librdkafka/rdkafka.h>

#include <catch2/catch.hpp>

#include "kafka/kafka.h"

using approvald::kafka::classify_error;
using approvald::ports::Failure;

TEST_CASE("produce errors are retriable or permanent", "[kafka]") {
  CHECK(classify_error(RD_KAFKA_RESP_ERR_NO_ERROR).failure == Failure::kNone);
  for (auto e : {RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__TRANSPORT,
                 RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
                 RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                 RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__FATAL}) {
    INFO(rd_kafka_err2name(e));
    CHECK(classify_error(e).failure == Failure::kRetriable);
  }
  for (auto e : {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_INVALID_RECORD,
                 RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
                 RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
                 RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED}) {
    INFO(rd_kafka_err2name(e));
    CHECK(classify_error(e).failure == Failure::kPermanent);
  }
  CHECK(classify_error(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE).reason == "msg_size_too_large");
  CHECK(classify_error(RD_KAFKA_RESP_ERR__QUEUE_FULL).reason == "_queue_full");
}

TEST_CASE("a message above message.max.bytes is refused at once, for good, a full queue is not",
          "[kafka]") {
  // A broker address nobody listens on: nothing here needs one.
  auto made = approvald::kafka::Producer::create(
      "127.0.0.1:1", {{"message.max.bytes", "100000"}, {"queue.buffering.max.messages", "1"}});
  REQUIRE(made.ok());
  auto producer = made.take();
  const approvald::ports::OutboxEntry big{0, 0, "t", 0, "k", std::string(200000, 'x'), {}};
  const auto refused = producer->produce(big);
  CHECK_FALSE(refused);
  CHECK(refused.permanent());
  CHECK(refused.reason == "msg_size_too_large");
  const approvald::ports::OutboxEntry small{0, 1, "t", 0, "k", "v", {}};
  REQUIRE(producer->produce(small));
  const auto full = producer->produce({0, 2, "t", 0, "k", "v", {}});
  CHECK_FALSE(full);
  CHECK(full.failure == Failure::kRetriable);
  CHECK(full.reason == "_queue_full");
}
