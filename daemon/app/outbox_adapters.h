// The outbox's ports (outbox/ports.h) over the real store and changelog reader: thin forwarding
// only, so that what the relay and the hand-over decide is all in outbox/ and tested there on
// fakes. (The producer, kafka::Producer, implements ports::OutboxSink itself.)
#pragma once

#include "kafka/partition_reader.h"
#include "outbox/ports.h"
#include "store/store.h"

namespace approvald::app {

class StoreOutboxPorts final : public outbox::OutboxStore, public outbox::PartitionStore {
 public:
  explicit StoreOutboxPorts(store::Store& store) : store_(store) {}

  Result<std::vector<ports::OutboxEntry>> outbox(std::int32_t partition, std::size_t limit,
                                                 std::uint64_t from_seq) override {
    return store_.outbox(partition, limit, from_seq);
  }
  Status delete_outbox(const std::vector<outbox::OutboxId>& entries) override {
    return store_.delete_outbox(entries);
  }
  Lookup<ports::PartitionMark> mark(std::int32_t partition) override {
    return store_.mark(partition);
  }
  Result<std::size_t> outbox_count(std::int32_t partition) override {
    return store_.outbox_count(partition);
  }
  Status commit(const ports::WriteSet& writes) override { return store_.commit(writes); }
  Status drop_partition(std::int32_t partition) override {
    return store_.drop_partition(partition);
  }

 private:
  store::Store& store_;
};

class ChangelogReaderPort final : public outbox::ChangelogReader {
 public:
  explicit ChangelogReaderPort(kafka::PartitionReader& reader) : reader_(reader) {}

  Result<std::vector<pipeline::ChangelogRecord>> read(const std::string& topic,
                                                      std::int32_t partition, std::int64_t last_n,
                                                      int timeout_ms) override {
    return reader_.read(topic, partition, last_n, timeout_ms);
  }

 private:
  kafka::PartitionReader& reader_;
};

}  // namespace approvald::app
