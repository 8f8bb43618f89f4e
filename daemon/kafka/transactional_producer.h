// The transactional producer (exactly-once v2, as Kafka Streams does it): one per instance, with
// a transactional id that stays the instance's across restarts, so that a restarted or replaced
// instance fences its former self and the broker aborts whatever that one left open.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "kafka/kafka.h"
#include "ports/transaction_sink.h"

namespace approvald::kafka {

struct TransactionalConfig {
  std::string bootstrap_servers;
  std::string transactional_id;
  std::string input_topic;  // the topic whose offsets commit() carries
  Properties properties;    // passed through to librdkafka, after the settings below
  int init_timeout_ms = 30000;
};

class TransactionalProducer final : public ports::TransactionSink {
 public:
  // The group identity each commit's offsets are sent with: the live consumer's, taken anew at
  // every commit (see GroupMetadata).
  using GroupSource = std::function<GroupMetadata()>;

  // Creates the producer and registers its transactional id with the broker, which fences every
  // older producer with the same id and ends the transaction it left open. Fails when the broker
  // cannot be reached within `init_timeout_ms` (retry later) or refuses the id.
  static Result<std::unique_ptr<TransactionalProducer>> create(const TransactionalConfig& config,
                                                               GroupSource group);
  ~TransactionalProducer() override;

  ports::TxnResult begin() override;
  ports::Produced send(const ports::OutboxEntry& entry) override;
  void poll(int timeout_ms) override;
  std::vector<ports::Undelivered> take_failed() override;
  ports::TxnResult commit(const ports::NextOffsets& next_offsets, int timeout_ms) override;
  ports::TxnResult abort(int timeout_ms) override;
  bool flush(int timeout_ms) override;

 private:
  struct Impl;
  explicit TransactionalProducer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace approvald::kafka
