// The outbox relay: produces undelivered outbox entries and deletes each one only after the
// broker acknowledged it. With the changelog, per partition (docs/adr/0007): alerts and dead
// letters are held back until the next checkpoint after them is acknowledged, and a checkpoint
// is produced only once the changelog records before it and the alerts released by the previous
// checkpoint are acknowledged. So every alert that reaches the topic is known to the changelog,
// and only the alerts of the last checkpoint can be missing from the topic.
//
// A produce error is either retriable (queue full, broker down, a timeout: the entry waits and
// goes later) or permanent (ports::Failure): an entry the broker will never take must not block
// the entries behind it. Such an entry — an alert, a dead letter, a changelog record or a
// checkpoint — is replaced by a bounded dead letter that describes it (pipeline::undeliverable:
// its destination, the error, its first bytes, size and digest), sent in its place, and then
// deleted from the outbox like any delivered entry; it is logged as an error and counted in
// approvald_relay_permanent_failures_total. A replaced checkpoint releases what it covers, as an
// acknowledged one would: the changelog then lacks that checkpoint, which the error makes known.
// Should the dead-letter topic refuse the stand-in for good as well, the entry is dropped, with
// the same error and count (docs/operations.md, "Undeliverable entries").
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "outbox/ports.h"
#include "ports/outbox_head.h"
#include "ports/outbox_sink.h"

namespace approvald::outbox {

struct RelayOptions {
  std::size_t max_in_flight = 10000;
  std::string changelog_topic;                    // empty: no changelog barriers
  std::string dlq_topic = "approval.events.dlq";  // where undeliverable entries are described
  // An entry that waits longer than this at the head of its partition's outbox makes the
  // partition stalled (outbox.stall_seconds).
  std::int64_t stall_after_ms = 60000;
  // Real time (milliseconds since the epoch): stamps the stand-ins; stall ages are given by the
  // caller's clock.
  std::function<std::int64_t()> now_ms;
  // Told about every permanent failure: the entry's topic and the error's label.
  std::function<void(const std::string& topic, const std::string& reason)> on_permanent;
};

using ports::OutboxHead;  // age_ms of a head above stall_after_ms: stalled

class Relay {
 public:
  Relay(OutboxStore& store, ports::OutboxSink& producer, RelayOptions options)
      : store_(store), producer_(producer), options_(std::move(options)) {}

  // Serves delivery reports and produces what is new. Returns how many entries the broker
  // acknowledged (and were deleted) in this turn.
  std::size_t pump(const std::set<std::int32_t>& partitions);

  // Delivers what is queued for `partitions`, for at most `timeout_ms`. True when nothing is
  // left undelivered.
  bool drain(int timeout_ms, const std::set<std::int32_t>& partitions);

  // The head of each partition's outbox (one store read each: call it every few seconds, not
  // every turn): an entry that stays at the head while time passes means the relay does not
  // advance there, whatever the reason (a broker that refuses, a barrier that waits).
  std::vector<OutboxHead> heads(const std::set<std::int32_t>& partitions, std::int64_t now_ms);

  // Forgets what it read of a partition's outbox and reads it again from the start (the
  // partition was rebuilt from the changelog, or dropped).
  void forget(std::int32_t partition) {
    cursor_.erase(partition);
    held_.erase(partition);
    covered_.erase(partition);
    released_.erase(partition);
    heads_.erase(partition);
    std::erase_if(released_in_flight_,
                  [partition](const auto& id) { return id.first == partition; });
    std::erase_if(doomed_, [partition](const auto& kv) { return kv.first.first == partition; });
  }
  // The first sequence not yet produced for a partition.
  std::uint64_t cursor(std::int32_t partition) const {
    const auto it = cursor_.find(partition);
    return it == cursor_.end() ? 0 : it->second;
  }
  std::size_t in_flight() const { return in_flight_.size(); }
  // The first outbox read that failed since the last call, if any. The relay then does nothing
  // more for that partition in that turn and reads again in the next one; a drain never takes a
  // failed read for an empty outbox. Corrupt (Error::corrupt) means the store is damaged.
  std::optional<Error> take_read_error() { return std::exchange(read_error_, std::nullopt); }
  // What holds a partition's outbox back, for a log line.
  std::string describe(std::int32_t partition) const;

 private:
  // How producing one entry ended: in flight, to be tried again (queue full, broker away), or
  // gone for good (dropped after its stand-in was refused too; deleted from the outbox).
  enum class Sent : std::uint8_t { kQueued, kLater, kGone };
  // Produces an entry, or the dead letter that stands for it once it was refused for good.
  Sent send(const ports::OutboxEntry& e);
  // An entry was refused for good: from now on its stand-in goes in its place.
  void doom(const ports::OutboxId& id, const std::string& topic, const ports::Produced& why);
  // Its stand-in was refused for good too: delete it and count it as gone.
  void drop(const ports::OutboxId& id, const ports::Produced& why);
  // An entry left the outbox (acknowledged, or dropped): what waited for it may go.
  void done(const ports::OutboxId& id);
  bool busy(std::int32_t partition) const;
  bool parked(std::int32_t partition, std::uint64_t seq);
  // Produces covered alerts of a partition whose checkpoint was acknowledged, read back from
  // the store in order. False when the producer's queue is full.
  bool release(std::int32_t partition);
  // Reads a partition's outbox; on failure remembers the error and returns nothing.
  std::optional<std::vector<ports::OutboxEntry>> read(std::int32_t partition, std::size_t limit,
                                                      std::uint64_t from_seq = 0);

  OutboxStore& store_;
  ports::OutboxSink& producer_;
  RelayOptions options_;
  std::set<ports::OutboxId> in_flight_;
  // Entries refused for good, with the topic and error that their stand-ins describe.
  struct Doomed {
    std::string topic;
    std::string error;
  };
  std::map<ports::OutboxId, Doomed> doomed_;
  std::vector<ports::OutboxId> gone_;  // dropped in this turn, deleted already
  // Delivered entries whose delete failed (a full disk): deleted with the next turn's, so that
  // entries that went out do not stay in the outbox, its head ageing, until a restart sends them
  // again. `delete_failing_` logs a failing streak once, not every turn.
  std::vector<ports::OutboxId> undeleted_;
  bool delete_failing_ = false;
  std::map<std::int32_t, std::pair<std::uint64_t, std::int64_t>> heads_;  // seq, first seen
  std::map<std::int32_t, std::uint64_t> checkpoint_in_flight_;  // partition -> its sequence
  // Alerts and dead letters read but not produced, by outbox sequence (ascending; the entries
  // stay in the store, so a burst of alerts between checkpoints costs 8 bytes each here):
  // `held_` wait for the next checkpoint, `covered_` for the acknowledgement of the one in
  // flight (then `released_`).
  std::map<std::int32_t, std::deque<std::uint64_t>> held_;
  std::map<std::int32_t, std::deque<std::uint64_t>> covered_;
  std::set<std::int32_t> released_;
  // Covered alerts produced and not yet acknowledged: one that fails goes back to `covered_`
  // (its checkpoint was acknowledged already), not to wait for a checkpoint that an idle
  // partition may never write.
  std::set<ports::OutboxId> released_in_flight_;
  std::map<std::int32_t, std::uint64_t> cursor_;
  std::optional<Error> read_error_;
};

}  // namespace approvald::outbox
