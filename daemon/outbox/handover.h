// Partitions moving between instances with the state changelog (docs/adr/0007): on assignment,
// the changelog's tail tells whether another instance owned the partition since this store last
// did; if so the partition is rebuilt from the changelog's last checkpoint. On revocation the
// partition's outbox is delivered within a bound, or dropped together with its local state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"
#include "outbox/ports.h"
#include "outbox/relay.h"
#include "pipeline/pipeline.h"

namespace approvald::outbox {

class Handover {
 public:
  // `transactional`: commits are Kafka transactions (docs/adr/0013), so every alert of a
  // committed checkpoint reached its topic and nothing is ever left undelivered in the store.
  Handover(PartitionStore& store, pipeline::Pipeline& pipe, Relay& relay, ChangelogReader& reader,
           std::string changelog_topic, bool transactional = false)
      : store_(store),
        pipe_(pipe),
        relay_(relay),
        reader_(reader),
        topic_(std::move(changelog_topic)),
        transactional_(transactional) {}

  // Makes the partition ours; returns the mark to consume from (none: from the beginning), or
  // an error if the changelog cannot be read (then nothing must be consumed).
  Result<std::optional<ports::PartitionMark>> assign(std::int32_t partition);

  // Gives the partition up: its outbox is delivered within `timeout_ms`; if that fails, the
  // rest is dropped with the partition's local state (the next owner rebuilds it, and so would
  // this instance if it got it back).
  void revoke(std::int32_t partition, int timeout_ms);

  // Drops the local state of a partition another instance owns now, if it still holds
  // undelivered entries from before (they must not reach the topics after the new owner's).
  void disown(std::int32_t partition);

 private:
  PartitionStore& store_;
  pipeline::Pipeline& pipe_;
  Relay& relay_;
  ChangelogReader& reader_;
  std::string topic_;
  bool transactional_;
};

}  // namespace approvald::outbox
