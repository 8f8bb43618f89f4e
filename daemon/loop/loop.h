// One turn of the daemon's main loop over its ports: poll a batch, process and commit it, fire
// the timers that fell due, commit group offsets and checkpoints on their intervals, pump the
// relay, refresh the gauges and replace a failed consumer. `approvald run` wires the ports and
// calls turn() until it is told to stop; tests drive it with fakes and a manual clock.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "commit/commit_point.h"
#include "control/health.h"
#include "loop/clocks.h"
#include "loop/consumer_port.h"
#include "loop/reevaluation.h"
#include "loop/relay_port.h"
#include "loop/store_ports.h"
#include "loop/store_retry.h"
#include "metrics/metrics.h"
#include "pipeline/pipeline.h"

namespace approvald::loop {

struct LoopOptions {
  std::size_t poll_batch = 1000;
  int poll_timeout_ms = 100;
  std::size_t max_pending = 100000;  // outbox depth at which consuming pauses
  bool changelog = false;            // checkpoints every kCheckpointEveryMs (ADR 0007)
  double speed = 1;                  // supervision time per real time: lateness in real seconds
  // Where the loop reports its consumer lag (every few seconds) and the records it committed.
  std::atomic<std::int64_t>* lag = nullptr;
  std::atomic<std::int64_t>* consumed = nullptr;
  // A re-evaluation under new rules goes a slice of cases at a time, for up to this much real
  // time per turn (then the next batch of events has its turn).
  std::size_t reevaluate_slice = 500;
  std::int64_t reevaluate_turn_ms = 100;
};

// What the loop works on. Everything is owned by the caller except the consumer, which the loop
// replaces when it fails.
struct LoopPorts {
  pipeline::Pipeline& pipeline;
  StoreRetry& retry;
  StoreWriter& store;
  TimerIndex& timers;
  StoreGauges& gauges;
  CaseScan& cases;
  RelayPort& relay;
  // Whose outboxes the relay delivers (kept by the rebalance callbacks).
  const std::set<std::int32_t>& relay_partitions;
  control::Health& health;
  metrics::Metrics& metrics;
  Clocks clocks;
  std::unique_ptr<ConsumerPort> consumer;
  ConsumerFactory make_consumer;
  // True once a rebalance callback could not take a partition over: stop before consuming.
  std::function<bool()> assignment_failed;
  // Alert transitions once committed (the dashboard's live feed), at supervision time.
  std::function<void(const std::vector<ports::AlertIndexEntry>&, std::int64_t)> published;
  // The process's resident bytes, for a gauge.
  std::function<std::uint64_t()> resident_bytes;
  // With Kafka transactions (ADR 0013): every commit goes through it, carrying the checkpoints of
  // the partitions it changed and the input offsets; no outbox is written, so the relay, the
  // periodic checkpoints and the separate group commits have nothing to do. Null: the outbox
  // (ADR 0007).
  commit::CommitPoint* transactions = nullptr;
};

// Why turn() asks its caller to stop (kGoOn: call it again).
enum class TurnEnd : std::uint8_t {
  kGoOn,
  kStopped,           // the stop flag was raised while a store operation kept failing
  kAssignmentFailed,  // a partition could not be taken over
  kStoreDamaged,      // a read met damaged data: write nothing more
  kNoConsumer,        // a replacement consumer could not be created
  // A transaction was given up or its producer failed: what memory holds may be ahead of the
  // broker. Stop; the next start restores from the changelog (ADR 0013).
  kTransactionFailed,
};

class Loop {
 public:
  // How often a changed partition's changelog gets a checkpoint. Alerts wait for the next one
  // (ADR 0007), so this bounds their extra latency; each costs the relay one round trip, so one
  // per batch would throttle it.
  static constexpr std::int64_t kCheckpointEveryMs = 50;
  // Group offsets only feed lag monitoring: once a second is plenty, and one commit request per
  // small batch would crowd out the group's heartbeats.
  static constexpr std::int64_t kGroupCommitEveryMs = 1000;
  // Gauges that need scans or a metadata round trip: every few seconds, not every turn.
  static constexpr std::int64_t kGaugesEveryMs = 2000;
  // How long a consumer that held partitions may stay without any before it is replaced (then
  // backed off, doubling up to an hour).
  static constexpr std::int64_t kRejoinAfterMs = 30000;

  // `outbox_depth`: the undelivered entries counted at start.
  Loop(LoopPorts ports, LoopOptions options, std::size_t outbox_depth);

  // One turn. `between_batches` runs first, where rule versions may switch (SIGHUP, PUT).
  TurnEnd turn(const std::function<void()>& between_batches = {});

  // The consumer in use; null only after a replacement failed.
  ConsumerPort* consumer() { return consumer_.get(); }
  // A partition's supervision clock at supervision time `now_ms` (ADR 0004, architecture.md).
  std::int64_t supervision_ms(std::int32_t partition, std::int64_t now_ms) const;
  // Every open case is to be re-judged under rule version `version`, which is in force now (a
  // calendar correction moves due dates): a slice per turn from the next one on. A newer version
  // starts it over.
  void reevaluate(std::uint64_t version);
  bool reevaluating() const { return reevaluation_.active(); }
  std::size_t outbox_depth() const { return outbox_depth_; }
  // A checkpoint of every partition that changed since its last one.
  ports::WriteSet checkpoints();

 private:
  bool caught_up(std::int32_t partition) const;
  // What a failed retry means: stopping, or a damaged store.
  TurnEnd gave_up() const;
  // Commits a turn's writes and hands its alerts on; false when the retry gave up.
  bool commit(const ports::WriteSet& writes, std::int64_t now_ms);
  // The same through a transaction, with the changed partitions' checkpoints and offsets.
  bool commit_transaction(ports::WriteSet writes, std::int64_t now_ms);
  // Without transactions: group offsets, periodic checkpoints and the relay's pump.
  TurnEnd outbox_turn(std::int64_t real_now);
  // Due timers of every partition, fired into `turn`. False when a read met damaged data.
  bool fire_timers(ports::WriteSet& turn, std::int64_t now_ms);
  // The gauges, and the consumer's replacement when it failed or stays unassigned. False when no
  // consumer could be made.
  bool gauges(std::int64_t now_ms, std::int64_t real_now);
  bool replace_consumer_if_needed(std::int64_t real_now);
  // Slices of the re-evaluation for up to reevaluate_turn_ms; false when the retry gave up.
  bool reevaluate_slices(std::int64_t now_ms);
  void outbox_heads(std::int64_t real_now);

  LoopPorts p_;
  LoopOptions options_;
  std::unique_ptr<ConsumerPort> consumer_;
  // Outbox depth: counted once at start, then kept by adding what commits write and subtracting
  // what the broker acknowledged (a count scan per turn would wade through deleted entries).
  std::size_t outbox_depth_;
  std::map<std::int32_t, std::int64_t> group_offsets_;  // stored, not yet committed to the group
  std::int64_t next_group_commit_ms_ = 0;
  std::int64_t next_checkpoint_ms_ = 0;
  std::int64_t next_gauges_ms_ = 0;
  bool held_partitions_ = false;
  bool transaction_failed_ = false;
  std::int64_t unassigned_since_ms_ = 0;
  std::int64_t rejoin_after_ms_ = kRejoinAfterMs;
  std::map<std::int32_t, std::int64_t> stall_logged_ms_;  // one error line a minute per partition
  Reevaluation reevaluation_;
  std::int64_t reevaluation_started_ms_ = 0;
  std::int64_t next_progress_log_ms_ = 0;
};

}  // namespace approvald::loop
