// The Kafka edge: a consumer that starts each assigned partition at the offset stored in
// RocksDB (never the group's), and an idempotent producer that reports which outbox entries the
// broker acknowledged. Only this folder includes librdkafka.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "base/result.h"
#include "pipeline/pipeline.h"
#include "ports/outbox_sink.h"
#include "ports/write_set.h"

namespace approvald::kafka {

// The producer's port, in the names kafka/ has always used.
using ports::Failure;
using ports::OutboxId;
using ports::OutboxSink;
using ports::Produced;
using ports::Undelivered;

using Properties = std::map<std::string, std::string>;

struct ConsumerConfig {
  std::string bootstrap_servers;
  std::string group_id = "approvald";
  std::string
      instance_id;  // static membership: a restart within the session timeout keeps the assignment
  std::string topic = "approval.events";
  std::string assignment_strategy = "range";  // see docs/adr/0006
  Properties properties;                      // passed through to librdkafka (TLS, SASL, timeouts)
};

// The consumer group as a transaction's offsets must name it: its id and, taken from a live
// member, its generation and member id, by which the broker refuses the offsets of a member the
// group has moved past (a zombie still committing after a rebalance).
class GroupMetadata {
 public:
  // The group's id alone, with no member behind it (tests; a commit without fencing by generation).
  static GroupMetadata for_group(const std::string& group_id);
  GroupMetadata(GroupMetadata&& other) noexcept;
  GroupMetadata& operator=(GroupMetadata&& other) noexcept;
  GroupMetadata(const GroupMetadata&) = delete;
  GroupMetadata& operator=(const GroupMetadata&) = delete;
  ~GroupMetadata();
  // librdkafka's rd_kafka_consumer_group_metadata_t, for kafka/ alone.
  void* handle() const { return handle_; }

 private:
  explicit GroupMetadata(void* handle) : handle_(handle) {}
  void* handle_;
  friend class Consumer;
};

class Consumer {
 public:
  // Called from poll() on a rebalance. `on_assign` returns, per partition, the next offset to
  // read (absent: from the beginning); `on_revoke` learns which partitions went away, and
  // whether they were lost (the group session timed out, or the consumer was abandoned: another
  // member may own them already, and the broker may be unreachable) rather than handed over.
  using AssignFn =
      std::function<std::map<std::int32_t, std::int64_t>(const std::vector<std::int32_t>&)>;
  using RevokeFn = std::function<void(const std::vector<std::int32_t>&, bool lost)>;

  static Result<std::unique_ptr<Consumer>> create(const ConsumerConfig& config, AssignFn on_assign,
                                                  RevokeFn on_revoke);
  ~Consumer();

  // Up to `max` records, waiting at most `timeout_ms` for the first.
  std::vector<pipeline::Record> poll(std::size_t max, int timeout_ms);
  // True when the broker's last known high watermark is at or below `next_offset`.
  bool caught_up(std::int32_t partition, std::int64_t next_offset) const;
  // Messages behind the high watermark (0 when unknown).
  std::int64_t lag(std::int32_t partition, std::int64_t next_offset) const;
  // Commits offsets to the group, asynchronously, for lag monitoring only.
  void commit(const std::map<std::int32_t, std::int64_t>& next_offsets);
  const std::set<std::int32_t>& assigned() const { return assigned_; }
  // This member's group identity now (its generation changes with every rebalance: take it at
  // each commit).
  GroupMetadata group_metadata() const;
  // Whether the last poll saw the broker (false after transport errors until a message or
  // assignment arrives again).
  bool broker_up() const { return broker_up_; }
  void pause_all(bool paused);
  // Asks the cluster for metadata (at most `timeout_ms`): refreshes broker_up() even when no
  // message is flowing.
  bool probe_broker(int timeout_ms);
  // librdkafka's fatal error, once it has raised one (e.g. a static member fenced after its
  // session timed out): this consumer will never be assigned anything again and must be
  // replaced.
  const std::optional<std::string>& fatal_error() const { return fatal_; }
  // Errors the consumer reported since the last call (label, example message, count), for the
  // log: they are otherwise invisible, and a consumer that retries quietly looks idle.
  std::vector<std::tuple<std::string, std::string, std::int64_t>> take_errors();
  // Gives the consumer up before it is destroyed: what it holds is revoked as lost, and the
  // destruction does not try to leave the group (a replacement with the same static identity
  // takes its place). Used when the consumer is fatally failed or stays unassigned.
  void abandon();
  // Leaves the group (static members keep their assignment until the session times out).
  void close();

 private:
  struct Impl;
  explicit Consumer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::set<std::int32_t> assigned_;
  bool broker_up_ = true;
  std::optional<std::string> fatal_;
  std::map<std::string, std::pair<std::string, std::int64_t>> errors_;
  friend struct ConsumerAccess;
};

// How librdkafka's error `code` (an rd_kafka_resp_err_t) is to be taken: retriable or permanent
// (see Failure), with a lower-case label of it ("msg_size_too_large", "_queue_full").
Produced classify_error(int code);

class Producer final : public OutboxSink {
 public:
  static Result<std::unique_ptr<Producer>> create(const std::string& bootstrap_servers,
                                                  const Properties& properties);
  ~Producer() override;

  // Looks the topic up now (a first produce would otherwise wait for its metadata).
  Status warm_up(const std::string& topic, int timeout_ms);
  // Queues an outbox entry. Fails without blocking, classified: retriable when the local queue
  // is full, permanent when the entry exceeds message.max.bytes or names an unknown partition.
  Produced produce(const ports::OutboxEntry& entry) override;
  // Serves delivery reports.
  void poll(int timeout_ms) override;
  // Entries acknowledged by the broker since the last call: (input partition, outbox sequence).
  std::vector<OutboxId> take_delivered() override;
  // Entries the broker did not take (timed out, refused), with the classified error.
  std::vector<Undelivered> take_failed() override;
  std::size_t in_flight() const;
  // Waits up to `timeout_ms` for everything queued to be acknowledged.
  bool flush(int timeout_ms);
  // The last delivery error, if the most recent report failed.
  std::optional<std::string> last_error() const;

 private:
  struct Impl;
  explicit Producer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace approvald::kafka
