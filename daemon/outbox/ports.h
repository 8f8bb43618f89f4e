// What the relay and the hand-over need of the store and of the changelog: narrow interfaces, so
// that every ordering rule of docs/adr/0007 runs in tests on fakes. The producer's port is
// ports/outbox_sink.h (no librdkafka in it); app/outbox_adapters.h puts the real store and
// changelog reader behind these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "pipeline/changelog.h"
#include "ports/outbox_sink.h"
#include "ports/write_set.h"

namespace approvald::outbox {

using ports::OutboxId;

// The relay's view of the store: the outbox, read in sequence order and deleted by entry.
class OutboxStore {
 public:
  virtual ~OutboxStore() = default;
  // Up to `limit` undelivered entries of a partition, oldest first, from `from_seq` on. A failed
  // read must be an error, never an empty outbox: a drain would take it for delivered.
  virtual Result<std::vector<ports::OutboxEntry>> outbox(std::int32_t partition, std::size_t limit,
                                                         std::uint64_t from_seq) = 0;
  // Deletes acknowledged (or dropped) entries.
  virtual Status delete_outbox(const std::vector<OutboxId>& entries) = 0;
};

// The hand-over's view of the store: a partition's mark, its outbox's size, and the writes that
// take a partition over or give it up.
class PartitionStore {
 public:
  virtual ~PartitionStore() = default;
  virtual Lookup<ports::PartitionMark> mark(std::int32_t partition) = 0;
  virtual Result<std::size_t> outbox_count(std::int32_t partition) = 0;
  virtual Status commit(const ports::WriteSet& writes) = 0;
  // Removes every key of the partition: state, timers, outbox and mark.
  virtual Status drop_partition(std::int32_t partition) = 0;
};

// Reads one partition of the changelog outside any consumer group, up to its end as it is when
// asked (kafka::PartitionReader).
class ChangelogReader {
 public:
  virtual ~ChangelogReader() = default;
  // The last `last_n` records (all of them when negative), in offset order; an error if the end
  // is not reached in `timeout_ms`.
  virtual Result<std::vector<pipeline::ChangelogRecord>> read(const std::string& topic,
                                                              std::int32_t partition,
                                                              std::int64_t last_n,
                                                              int timeout_ms) = 0;
};

}  // namespace approvald::outbox
