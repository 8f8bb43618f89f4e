// The loop's ports (loop/) over the real consumer, store and relay: thin forwarding only, so
// that what the loop decides is all in loop/ and tested there on fakes.
#pragma once

#include <memory>

#include "kafka/kafka.h"
#include "loop/consumer_port.h"
#include "loop/relay_port.h"
#include "loop/store_ports.h"
#include "outbox/relay.h"
#include "store/store.h"

namespace approvald::app {

class KafkaConsumerPort final : public loop::ConsumerPort {
 public:
  // `live`, if given, points at the consumer while this port holds it (the transactional
  // producer takes the group's identity from it at each commit).
  explicit KafkaConsumerPort(std::unique_ptr<kafka::Consumer> consumer,
                             kafka::Consumer** live = nullptr)
      : consumer_(std::move(consumer)), live_(live) {
    if (live_ != nullptr) *live_ = consumer_.get();
  }
  ~KafkaConsumerPort() override {
    if (live_ != nullptr && *live_ == consumer_.get()) *live_ = nullptr;
  }
  KafkaConsumerPort(const KafkaConsumerPort&) = delete;
  KafkaConsumerPort& operator=(const KafkaConsumerPort&) = delete;

  std::vector<pipeline::Record> poll(std::size_t max, int timeout_ms) override {
    return consumer_->poll(max, timeout_ms);
  }
  void pause_all(bool paused) override { consumer_->pause_all(paused); }
  bool caught_up(std::int32_t partition, std::int64_t next_offset) const override {
    return consumer_->caught_up(partition, next_offset);
  }
  std::int64_t lag(std::int32_t partition, std::int64_t next_offset) const override {
    return consumer_->lag(partition, next_offset);
  }
  void commit(const std::map<std::int32_t, std::int64_t>& next_offsets) override {
    consumer_->commit(next_offsets);
  }
  const std::set<std::int32_t>& assigned() const override { return consumer_->assigned(); }
  bool probe_broker(int timeout_ms) override { return consumer_->probe_broker(timeout_ms); }
  std::vector<std::tuple<std::string, std::string, std::int64_t>> take_errors() override {
    return consumer_->take_errors();
  }
  const std::optional<std::string>& fatal_error() const override {
    return consumer_->fatal_error();
  }
  void abandon() override { consumer_->abandon(); }
  void close() override { consumer_->close(); }

 private:
  std::unique_ptr<kafka::Consumer> consumer_;
  kafka::Consumer** live_;
};

class StoreLoopPorts final : public loop::StoreWriter,
                             public loop::TimerIndex,
                             public loop::StoreGauges,
                             public loop::CaseScan {
 public:
  explicit StoreLoopPorts(store::Store& store) : store_(store) {}

  Status commit(const ports::WriteSet& writes) override { return store_.commit(writes); }
  Result<std::vector<ports::TimerEntry>> due_timers(std::int32_t partition, std::int64_t upto_ms,
                                                    std::size_t limit) override {
    return store_.due_timers(partition, upto_ms, limit);
  }
  Lookup<std::int64_t> earliest_timer(std::int32_t partition) override {
    return store_.earliest_timer(partition);
  }
  std::uint64_t estimated_timers() override { return store_.estimated_timers(); }
  Result<std::vector<std::string>> case_ids(std::int32_t partition, std::string_view after,
                                            std::size_t limit) override {
    return store_.case_ids(partition, after, limit);
  }
  Status reevaluated(std::uint64_t version) override {
    return store_.set_reevaluated_rules(version);
  }
  std::map<ports::TallyKey, ports::CaseTally> tallies() const override { return store_.tallies(); }
  std::map<std::string, std::uint64_t> memory() override {
    const auto mem = store_.memory();
    return {{"block_cache", mem.block_cache},
            {"block_cache_pinned", mem.block_cache_pinned},
            {"memtables", mem.memtables},
            {"table_readers", mem.table_readers}};
  }
  std::uint64_t live_data_bytes() override {
    return store_.property("rocksdb.estimate-live-data-size");
  }
  std::uint64_t pending_compaction_bytes() override {
    return store_.property("rocksdb.estimate-pending-compaction-bytes");
  }

 private:
  store::Store& store_;
};

class RelayLoopPort final : public loop::RelayPort {
 public:
  RelayLoopPort(outbox::Relay& relay, const kafka::Producer& producer)
      : relay_(relay), producer_(producer) {}

  std::size_t pump(const std::set<std::int32_t>& partitions) override {
    return relay_.pump(partitions);
  }
  std::size_t in_flight() const override { return relay_.in_flight(); }
  std::optional<Error> take_read_error() override { return relay_.take_read_error(); }
  std::vector<loop::OutboxHead> heads(const std::set<std::int32_t>& partitions,
                                      std::int64_t now_ms) override {
    return relay_.heads(partitions, now_ms);
  }
  std::string describe(std::int32_t partition) const override { return relay_.describe(partition); }
  std::optional<std::string> last_producer_error() const override { return producer_.last_error(); }

 private:
  outbox::Relay& relay_;
  const kafka::Producer& producer_;
};

}  // namespace approvald::app
