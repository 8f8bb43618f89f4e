// What a commit point over Kafka transactions needs of a producer (exactly-once v2, ADR 0011 step
// 4), with no librdkafka in sight: `kafka::TransactionalProducer` implements it against the broker,
// tests implement it with fakes that fail at whichever call they choose.
//
// One transaction per commit interval carries the changelog records, alerts and dead letters and
// the input offsets after them; consumers reading with isolation.level=read_committed see all of
// it or none of it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ports/outbox_sink.h"
#include "ports/write_set.h"

namespace approvald::ports {

// What the caller must do after a transactional call. librdkafka sorts every error of its
// transactional API into these; the caller never has to know an error code.
enum class TxnOutcome : std::uint8_t {
  kDone,
  // The same call again, unchanged: the broker was away or the call timed out, and the
  // transaction is as it was.
  kRetry,
  // This transaction cannot commit (a record was refused, the group moved to a newer
  // generation): abort it, forget what it carried and go on from the last committed offsets.
  kAbort,
  // The producer is finished (fenced by a newer instance with the same transactional id, or
  // failed for good): make a new one. Whether the transaction in flight committed is unknown, so
  // what this instance holds in memory must be rebuilt from what the broker holds.
  kFatal,
};

struct TxnResult {
  TxnOutcome outcome = TxnOutcome::kDone;
  std::string reason;   // a short label for metrics and logs, e.g. "producer_fenced"
  std::string message;  // the client's words

  explicit operator bool() const { return outcome == TxnOutcome::kDone; }
};

// The next offset to read, by partition of the input topic.
using NextOffsets = std::map<std::int32_t, std::int64_t>;

class TransactionSink {
 public:
  virtual ~TransactionSink() = default;
  // Opens a transaction; records may be sent only while one is open.
  virtual TxnResult begin() = 0;
  // Queues a record in the open transaction without blocking; says why when it cannot
  // (retriable: the local queue is full, serve deliveries and send it again; permanent: this
  // record can never go, and the transaction is still intact; transaction: the transaction can
  // no longer commit, and commit() says what to do).
  virtual Produced send(const OutboxEntry& entry) = 0;
  // Serves delivery reports, waiting at most `timeout_ms`.
  virtual void poll(int timeout_ms) = 0;
  // Waits up to `timeout_ms` until every record sent is acknowledged or refused; false on
  // timeout. A record flushed alone travels in a batch of its own.
  virtual bool flush(int timeout_ms) = 0;
  // Records of the open transaction the broker refused since the last call, classified. Any
  // refusal makes the commit answer kAbort. The broker refuses a whole batch for one bad record,
  // so its batch-mates are named with it: sent again one batch each (flush after each), only the
  // culprit is refused, and the transaction after that can carry a dead letter in its place.
  virtual std::vector<Undelivered> take_failed() = 0;
  // Adds the input offsets to the transaction and commits it, waiting at most `timeout_ms`
  // (kRetry when that was not enough: call again).
  virtual TxnResult commit(const NextOffsets& next_offsets, int timeout_ms) = 0;
  // Aborts the open transaction: nothing it carried becomes visible and no offset moves.
  virtual TxnResult abort(int timeout_ms) = 0;
};

}  // namespace approvald::ports
