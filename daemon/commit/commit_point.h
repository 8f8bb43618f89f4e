// The commit point over Kafka transactions (ADR 0013): a commit interval's records (changelog,
// alerts, dead letters) and the input offsets after them go to the broker in one transaction;
// only once it committed does the rest of the interval's write set go to the store. The store is
// thereby never ahead of what the broker holds, and a transaction that did not commit leaves
// nothing anywhere.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "ports/transaction_sink.h"
#include "ports/write_set.h"

namespace approvald::commit {

struct CommitOptions {
  int call_timeout_ms = 10000;  // each transactional call; a timeout is retried
  // An abort naming no refused record is retried this many times before the interval is given
  // up: librdkafka 2.0.2 fails the transaction after one aborted for a refused record once more,
  // naming nobody; a member the group has moved past fails the same way every time.
  int max_unblamed_aborts = 3;
  std::string dead_letter_topic;
  std::function<std::int64_t()> real_ms;  // stamps the stand-ins
};

enum class CommitEnd : std::uint8_t {
  kCommitted,    // in the broker, then in the store
  kRewind,       // aborted for good: nothing of it anywhere; go on from the committed offsets
  kFatal,        // the producer is finished: a new one, and the state rebuilt from the broker
  kStopped,      // the daemon stops while a call kept failing: nothing of it in the store
  kStoreFailed,  // committed in the broker, but the store write gave up (stopping, or damaged)
};

struct CommitReport {
  CommitEnd end = CommitEnd::kCommitted;
  int transactions = 0;       // begun for this interval (1 unless something was refused)
  std::size_t stand_ins = 0;  // records replaced by a dead letter that describes them
  std::size_t dropped = 0;    // records whose stand-in was refused too
  std::string message;        // why it did not commit
};

class CommitPoint {
 public:
  // Writes the store once the transaction committed; false when it gave up (the daemon stops,
  // or the store is damaged). In the daemon: StoreRetry::commit.
  using StoreWrite = std::function<bool(const ports::WriteSet&)>;
  using Sleep = std::function<void(std::chrono::milliseconds)>;

  CommitPoint(ports::TransactionSink& sink, StoreWrite store, Sleep sleep,
              const std::atomic<bool>& stop, CommitOptions options)
      : sink_(sink),
        store_(std::move(store)),
        sleep_(std::move(sleep)),
        stop_(stop),
        options_(std::move(options)) {}

  // Commits one interval: `writes.outbox` are its records, in order.
  CommitReport commit(ports::WriteSet writes, const ports::NextOffsets& next_offsets);

 private:
  // What one transaction of the interval came to.
  enum class Attempt : std::uint8_t { kCommitted, kAborted, kFatal, kStopped };
  Attempt attempt(const ports::WriteSet& writes, const ports::NextOffsets& next_offsets,
                  CommitReport& report);
  // A record, its stand-in, or nothing when both were refused for good; false when stopping or
  // the producer failed (report.message says which).
  bool send(const ports::OutboxEntry& entry, CommitReport& report);
  bool send_retrying(const ports::OutboxEntry& entry, ports::Produced& result);
  // A call repeated with backoff while it answers kRetry (until the daemon stops).
  ports::TxnResult persist(const std::function<ports::TxnResult()>& call);
  // After an abort: who the broker refused. A record refused in a batch with others becomes a
  // suspect, sent alone next time; refused alone it is the culprit and goes as its stand-in.
  bool blame(CommitReport& report);

  ports::TransactionSink& sink_;
  StoreWrite store_;
  Sleep sleep_;
  const std::atomic<bool>& stop_;
  CommitOptions options_;
  // Within one interval's attempts (cleared by commit()).
  std::set<ports::OutboxId> suspects_;
  std::map<ports::OutboxId, std::string> doomed_;  // culprit → the broker's reason
  std::set<ports::OutboxId> stand_in_refused_;
  std::set<ports::OutboxId> sent_alone_;
};

}  // namespace approvald::commit
