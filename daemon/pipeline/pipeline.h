// From consumed records to one commit: decode, dead-letter what cannot be processed, settle each
// case once for its events in the batch, fire due timers, and describe every change as a
// WriteSet (states, timer index, outbox, partition marks). No Kafka, RocksDB or Asio here: the
// shell feeds records and commits the result, so all of this runs in tests on fakes.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pipeline/changelog.h"
#include "pipeline/dead_letter.h"
#include "ports/write_set.h"
#include "rules/engine.h"

namespace approvald::pipeline {

// One consumed message.
struct Record {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::optional<std::string> key;
  std::string value;
  std::int64_t timestamp_ms = 0;  // the broker's (or producer's) timestamp
};

struct Options {
  std::int64_t max_future_skew_ms = std::int64_t{5} * 60 * 1000;  // later occurred_at: dead letter
  // A larger record is a dead letter before it is decoded: a contract event is a few hundred
  // bytes, and a 10 MB field kept in a case state would make the state too large for its
  // changelog record (and every later read of the case slow).
  std::size_t max_event_bytes = 64u << 10;
  std::string source_topic = "approval.events";
  std::string alert_topic = "approval.alerts";
  std::string dlq_topic = "approval.events.dlq";
  std::string changelog_topic;  // empty: no state changelog (docs/adr/0007)
  // A dead letter's payload above this is replaced by its first bytes, size and digest
  // (pipeline/dead_letter.h); keep it well below the producer's message.max.bytes.
  std::size_t max_dead_letter_bytes = kDefaultMaxDeadLetterBytes;
};

// Why a record went to the dead-letter topic, as a bounded set for metrics.
enum class DeadReason : std::uint8_t {
  kInvalid,
  kKeyMismatch,
  kFuture,
  kCaseFull,
  kBadState,
  kKeyMissing,  // no Kafka key (or an empty one): its case could split across partitions
};
inline constexpr std::size_t kDeadReasonCount = 6;
std::string_view to_string(DeadReason r);

struct Stats {
  std::array<std::uint64_t, rules::kEventTypeCount> applied{};
  std::uint64_t duplicates = 0;
  std::uint64_t duplicate_conflicts = 0;  // duplicates whose content differed (the first wins)
  std::array<std::uint64_t, kDeadReasonCount> dead{};
  std::uint64_t alerts_firing = 0;
  std::uint64_t alerts_resolved = 0;
  std::uint64_t timers_fired = 0;
  // Due timers whose case's stored state does not decode: the timer is dropped (it would fire
  // again every turn) and this counts it, loudly, for the operator.
  std::uint64_t unreadable_timer_cases = 0;
  std::vector<rules::Alert> alerts;        // every transition of the batch, for metrics and logs
  std::vector<std::int64_t> event_lag_ms;  // record timestamp − occurred_at, per applied event
};

struct Batch {
  ports::WriteSet writes;
  Stats stats;
};

class Pipeline {
 public:
  Pipeline(std::shared_ptr<const rules::Engine> engine, ports::CaseReader& cases,
           Options options = {});

  // Rules or calendar changed: used from the next batch on.
  void set_engine(std::shared_ptr<const rules::Engine> engine) { engine_ = std::move(engine); }
  const rules::Engine& engine() const { return *engine_; }

  // Ownership of a partition, with the mark stored for it (none for a new partition). The owner
  // epoch becomes one more than both the stored one and `seen_epoch` (the highest in the
  // changelog), so a former owner's late changelog records are recognisably older.
  void assign(std::int32_t partition, std::optional<ports::PartitionMark> stored,
              std::uint64_t seen_epoch = 0);
  void revoke(std::int32_t partition);
  std::optional<ports::PartitionMark> mark(std::int32_t partition) const;
  std::vector<std::int32_t> partitions() const;

  // The supervision clock of a partition: wall time once caught up, its event-time watermark
  // while catching up on a backlog (never behind the watermark either way).
  std::int64_t supervision_ms(std::int32_t partition, std::int64_t wall_ms, bool caught_up) const;

  // Processes one poll batch. `caught_up(partition)` tells whether the partition had no backlog.
  // A case that could not be read (an I/O error, not absence) fails the whole batch and leaves
  // the pipeline as it was, so the caller can retry the same records later: nothing is
  // overwritten and no mark moves. The same holds for reevaluate() and fire().
  Result<Batch> process(const std::vector<Record>& records, std::int64_t wall_ms,
                        const std::function<bool(std::int32_t)>& caught_up);

  // Re-evaluates cases with the current engine (after a rule or calendar change): due dates are
  // recomputed, alerts fire, resolve or are retracted as the new rules say, timers move.
  Result<Batch> reevaluate(std::int32_t partition, const std::vector<std::string>& case_ids,
                           std::int64_t now_ms);

  // Replaces an assigned partition's state with what its changelog recovered (another instance
  // owned it since): case states, their timers and counts, the alert index and the mark. The
  // outbox sequence never goes back, so undelivered entries of this store are not overwritten.
  Batch restore(std::int32_t partition, const Recovered& recovered);

  // A checkpoint of the partition as it stands, if anything changed since the last one: before
  // the partition is given up (a new owner starts exactly here), and every few milliseconds,
  // since the relay sends alerts only once a checkpoint after them is acknowledged. Empty
  // without the changelog.
  Batch checkpoint(std::int32_t partition);

  // Fires timers that fell due on a partition at supervision time `now_ms`.
  Result<Batch> fire(std::int32_t partition, const std::vector<ports::TimerEntry>& due,
                     std::int64_t now_ms);

 private:
  struct Work;
  void settle_case(Work& w, std::int32_t partition, const std::string& case_id,
                   std::vector<const Record*> records, std::vector<rules::Event> events,
                   std::int64_t now_ms);
  void emit(Work& w, std::int32_t partition, const rules::Decision& d);
  void write_states(Work& w);
  // Ends a batch: states, changelog records and alert messages of the partitions it changed.
  // `if_written`: the partitions only if the batch writes anything.
  void finish(Work& w, const std::vector<std::int32_t>& partitions, bool if_written = false);
  void dead_letter(Work& w, const Record& r, DeadReason reason, const std::string& why,
                   std::int64_t wall_ms);
  // The case's state (empty for a new case), or none when its stored bytes do not decode (`why`
  // says why). A failed read sets w.failed and returns none: the caller stops there.
  std::optional<rules::CaseState> load(Work& w, std::int32_t partition, const std::string& case_id,
                                       std::string* why);
  // What a batch changes in the pipeline itself, saved at its start.
  struct Saved {
    std::map<std::int32_t, ports::PartitionMark> marks;
    std::set<std::int32_t> unchecked;
  };
  // Ends a batch that may have failed: the batch, or the error with the pipeline's marks put
  // back as they were before it.
  Result<Batch> conclude(Work& w, Saved saved);

  std::shared_ptr<const rules::Engine> engine_;
  ports::CaseReader& cases_;
  Options options_;
  std::map<std::int32_t, ports::PartitionMark> marks_;
  std::set<std::int32_t> unchecked_;  // partitions changed since their last checkpoint
};

}  // namespace approvald::pipeline
