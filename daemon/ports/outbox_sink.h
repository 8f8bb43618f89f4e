// What the outbox relay needs of a producer, with no librdkafka in sight: the Kafka producer
// (kafka/kafka.h) implements it, tests implement it with a fake that refuses what they want
// refused.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ports/write_set.h"

namespace approvald::ports {

// An outbox entry: (input partition, outbox sequence).
using OutboxId = std::pair<std::int32_t, std::uint64_t>;

// Why an entry did not go. Retriable: the local queue is full, the broker is unreachable, a
// request timed out — the same entry will go later. Permanent: the entry itself can never go
// (too large, an invalid record, a topic that does not exist or may not be written) — retrying
// would block everything behind it forever.
// Transaction (a transactional producer's only): the open transaction can no longer commit;
// send nothing more and commit, whose answer says what to do.
enum class Failure : std::uint8_t { kNone, kRetriable, kPermanent, kTransaction };

struct Produced {
  Failure failure = Failure::kNone;
  std::string reason;   // a short label for metrics and logs, e.g. "msg_size_too_large"
  std::string message;  // the client's words

  explicit operator bool() const { return failure == Failure::kNone; }
  bool permanent() const { return failure == Failure::kPermanent; }
};

// An entry whose delivery report was an error.
struct Undelivered {
  OutboxId id;
  Produced why;
};

class OutboxSink {
 public:
  virtual ~OutboxSink() = default;
  // Queues an entry without blocking; says why when it cannot.
  virtual Produced produce(const ports::OutboxEntry& entry) = 0;
  // Serves delivery reports, waiting at most `timeout_ms`.
  virtual void poll(int timeout_ms) = 0;
  // Entries acknowledged by the broker since the last call.
  virtual std::vector<OutboxId> take_delivered() = 0;
  // Entries the broker did not take since the last call, each with its classified error.
  virtual std::vector<Undelivered> take_failed() = 0;
};

}  // namespace approvald::ports
