#include "kafka/kafka.h"

#include <librdkafka/rdkafka.h>

#include <cctype>
#include <cstring>
#include <mutex>
#include <utility>

#include "kafka/conf.h"
#include "kafka/produce.h"

namespace approvald::kafka {

// ---------------------------------------------------------------------------------------------
// Consumer

struct Consumer::Impl {
  rd_kafka_t* rk = nullptr;
  std::string topic;
  AssignFn on_assign;
  RevokeFn on_revoke;
  Consumer* owner = nullptr;
  bool paused = false;
  bool abandoned = false;

  ~Impl() {
    if (rk == nullptr) return;
    // An abandoned consumer is failed or stuck: closing it would wait on a group it no longer
    // belongs to (and a static member does not leave the group anyway).
    rd_kafka_destroy_flags(rk, abandoned ? RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE : 0);
  }
};

struct ConsumerAccess {
  static void rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* parts, void* opaque) {
    auto* impl = static_cast<Consumer::Impl*>(opaque);
    Consumer& self = *impl->owner;
    std::vector<std::int32_t> ps;
    ps.reserve(static_cast<std::size_t>(parts->cnt));
    for (int i = 0; i < parts->cnt; ++i) ps.push_back(parts->elems[i].partition);
    // NULL until the group is established: a SIGTERM right after start closes the consumer
    // while librdkafka still delivers the first assignment (this crashed in strcmp).
    const char* protocol = rd_kafka_rebalance_protocol(rk);
    const bool cooperative = protocol != nullptr && std::strcmp(protocol, "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      // Start where the store says, not where the group committed: the store is the truth.
      const auto offsets = impl->on_assign(ps);
      for (int i = 0; i < parts->cnt; ++i) {
        const auto it = offsets.find(parts->elems[i].partition);
        parts->elems[i].offset = it == offsets.end() ? RD_KAFKA_OFFSET_BEGINNING : it->second;
        self.assigned_.insert(parts->elems[i].partition);
      }
      if (cooperative) {
        if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, parts)) rd_kafka_error_destroy(e);
      } else {
        rd_kafka_assign(rk, parts);
      }
    } else {
      impl->on_revoke(ps, rd_kafka_assignment_lost(rk) != 0);
      for (std::int32_t p : ps) self.assigned_.erase(p);
      if (cooperative) {
        if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts))
          rd_kafka_error_destroy(e);
      } else {
        rd_kafka_assign(rk, nullptr);
      }
    }
    self.broker_up_ = true;
  }
};

Consumer::Consumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) { impl_->owner = this; }
Consumer::~Consumer() = default;

Result<std::unique_ptr<Consumer>> Consumer::create(const ConsumerConfig& c, AssignFn on_assign,
                                                   RevokeFn on_revoke) {
  auto impl = std::make_unique<Impl>();
  impl->topic = c.topic;
  impl->on_assign = std::move(on_assign);
  impl->on_revoke = std::move(on_revoke);
  Properties props = {
      {"bootstrap.servers", c.bootstrap_servers},
      {"group.id", c.group_id},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"partition.assignment.strategy", c.assignment_strategy},
      {"enable.partition.eof", "false"},
      {"session.timeout.ms", "30000"},
      // The pre-fetch queue (64 MiB by default) is memory outside the store's bound; 16 MiB
      // still holds several poll batches.
      {"queued.max.messages.kbytes", "16384"},
  };
  if (!c.instance_id.empty()) props["group.instance.id"] = c.instance_id;
  for (const auto& [k, v] : c.properties) props[k] = v;  // the operator's word wins
  auto made = make_conf(props);
  if (!made) return made.error();
  rd_kafka_conf_t* conf = made.value();
  rd_kafka_conf_set_rebalance_cb(conf, &ConsumerAccess::rebalance);
  rd_kafka_conf_set_opaque(conf, impl.get());
  char err[512];
  impl->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (impl->rk == nullptr) return Error{std::string("creating the consumer: ") + err};
  rd_kafka_poll_set_consumer(impl->rk);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, c.topic.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t e = rd_kafka_subscribe(impl->rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
    return Error{std::string("subscribing: ") + rd_kafka_err2str(e)};
  return std::unique_ptr<Consumer>(new Consumer(std::move(impl)));
}

std::vector<pipeline::Record> Consumer::poll(std::size_t max, int timeout_ms) {
  std::vector<pipeline::Record> out;
  int wait = timeout_ms;
  while (out.size() < max) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(impl_->rk, wait);
    if (m == nullptr) break;
    wait = 0;  // the rest of the batch is whatever is already fetched
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      broker_up_ = !(m->err == RD_KAFKA_RESP_ERR__TRANSPORT ||
                     m->err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN);
      std::string message = rd_kafka_message_errstr(m);
      if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
        char why[512];
        const rd_kafka_resp_err_t orig = rd_kafka_fatal_error(impl_->rk, why, sizeof why);
        message = std::string(rd_kafka_err2name(orig)) + ": " + why;
        fatal_ = message;
      }
      auto& [example, count] = errors_[rd_kafka_err2name(m->err)];
      if (count++ == 0) example = std::move(message);
      rd_kafka_message_destroy(m);
      continue;
    }
    broker_up_ = true;
    pipeline::Record r;
    r.partition = m->partition;
    r.offset = m->offset;
    if (m->key != nullptr) r.key = std::string(static_cast<const char*>(m->key), m->key_len);
    if (m->payload != nullptr) r.value.assign(static_cast<const char*>(m->payload), m->len);
    rd_kafka_timestamp_type_t tt;
    r.timestamp_ms = rd_kafka_message_timestamp(m, &tt);
    rd_kafka_message_destroy(m);
    out.push_back(std::move(r));
  }
  return out;
}

bool Consumer::caught_up(std::int32_t partition, std::int64_t next_offset) const {
  std::int64_t lo = -1, hi = -1;
  if (rd_kafka_get_watermark_offsets(impl_->rk, impl_->topic.c_str(), partition, &lo, &hi) !=
          RD_KAFKA_RESP_ERR_NO_ERROR ||
      hi < 0) {
    return false;  // unknown yet: judge by event time, which never raises a false alarm
  }
  return next_offset >= hi;
}

std::int64_t Consumer::lag(std::int32_t partition, std::int64_t next_offset) const {
  std::int64_t lo = -1, hi = -1;
  if (rd_kafka_get_watermark_offsets(impl_->rk, impl_->topic.c_str(), partition, &lo, &hi) !=
          RD_KAFKA_RESP_ERR_NO_ERROR ||
      hi < 0) {
    return 0;
  }
  return std::max<std::int64_t>(0, hi - next_offset);
}

void Consumer::commit(const std::map<std::int32_t, std::int64_t>& next_offsets) {
  if (next_offsets.empty()) return;
  rd_kafka_topic_partition_list_t* l =
      rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size()));
  for (const auto& [p, o] : next_offsets) {
    if (assigned_.count(p) == 0) continue;
    rd_kafka_topic_partition_list_add(l, impl_->topic.c_str(), p)->offset = o;
  }
  if (l->cnt > 0) rd_kafka_commit(impl_->rk, l, 1);
  rd_kafka_topic_partition_list_destroy(l);
}

void Consumer::pause_all(bool paused) {
  if (paused == impl_->paused) return;
  rd_kafka_topic_partition_list_t* l = nullptr;
  if (rd_kafka_assignment(impl_->rk, &l) == RD_KAFKA_RESP_ERR_NO_ERROR && l != nullptr) {
    if (paused) {
      rd_kafka_pause_partitions(impl_->rk, l);
    } else {
      rd_kafka_resume_partitions(impl_->rk, l);
    }
    rd_kafka_topic_partition_list_destroy(l);
  }
  impl_->paused = paused;
}

bool Consumer::probe_broker(int timeout_ms) {
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t e = rd_kafka_metadata(impl_->rk, 0, nullptr, &md, timeout_ms);
  if (md != nullptr) rd_kafka_metadata_destroy(md);
  broker_up_ = e == RD_KAFKA_RESP_ERR_NO_ERROR;
  return broker_up_;
}

std::vector<std::tuple<std::string, std::string, std::int64_t>> Consumer::take_errors() {
  std::vector<std::tuple<std::string, std::string, std::int64_t>> out;
  for (auto& [label, seen] : errors_) out.emplace_back(label, seen.first, seen.second);
  errors_.clear();
  return out;
}

void Consumer::abandon() {
  if (!assigned_.empty()) {
    impl_->on_revoke({assigned_.begin(), assigned_.end()}, true);
    assigned_.clear();
  }
  impl_->abandoned = true;
}

void Consumer::close() { rd_kafka_consumer_close(impl_->rk); }

GroupMetadata Consumer::group_metadata() const {
  return GroupMetadata(rd_kafka_consumer_group_metadata(impl_->rk));
}

// ---------------------------------------------------------------------------------------------
// GroupMetadata

GroupMetadata GroupMetadata::for_group(const std::string& group_id) {
  return GroupMetadata(rd_kafka_consumer_group_metadata_new(group_id.c_str()));
}

GroupMetadata::GroupMetadata(GroupMetadata&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)) {}

GroupMetadata& GroupMetadata::operator=(GroupMetadata&& other) noexcept {
  std::swap(handle_, other.handle_);
  return *this;
}

GroupMetadata::~GroupMetadata() {
  if (handle_ != nullptr)
    rd_kafka_consumer_group_metadata_destroy(
        static_cast<rd_kafka_consumer_group_metadata_t*>(handle_));
}

// ---------------------------------------------------------------------------------------------
// Producer

Produced classify_error(int code) {
  const auto err = static_cast<rd_kafka_resp_err_t>(code);
  Produced p;
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return p;
  std::string label = rd_kafka_err2name(err);
  for (char& c : label) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  p.reason = std::move(label);
  p.message = rd_kafka_err2str(err);
  switch (err) {
    // The record itself: it will be refused however often it is sent.
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    // Its topic or partition: does not exist, or may not be written by us. (librdkafka retries
    // these internally until message.timeout.ms before it reports them.)
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
      p.failure = Failure::kPermanent;
      break;
    // Everything else — a full local queue, a broker down, timeouts, not enough replicas, and
    // also a fatal idempotence error or cluster authorisation, which no single entry causes —
    // is retried: the entry waits, and the relay's stall detection makes the wait visible.
    default:
      p.failure = Failure::kRetriable;
  }
  return p;
}

struct Producer::Impl {
  rd_kafka_t* rk = nullptr;
  mutable std::mutex mu;  // delivery reports arrive on the polling thread; guarded anyway
  std::vector<OutboxId> delivered;
  std::vector<Undelivered> failed;
  std::size_t in_flight = 0;
  std::optional<std::string> last_error;

  // Messages still queued get a delivery report (purged) that frees their outbox ids; they stay
  // in the outbox for the next start.
  ~Impl() { destroy_producer(rk); }

  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    auto* id = static_cast<std::pair<std::int32_t, std::uint64_t>*>(m->_private);
    std::lock_guard lock(self->mu);
    --self->in_flight;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      self->delivered.push_back(*id);
      self->last_error.reset();
    } else {
      self->last_error = rd_kafka_err2str(m->err);  // the entry stays in the outbox
      self->failed.push_back({*id, classify_error(m->err)});
    }
    delete id;
  }
};

Producer::Producer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Producer::~Producer() = default;

Result<std::unique_ptr<Producer>> Producer::create(const std::string& bootstrap_servers,
                                                   const Properties& properties) {
  auto impl = std::make_unique<Impl>();
  Properties props = {
      {"bootstrap.servers", bootstrap_servers},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"linger.ms", "5"},
      {"message.timeout.ms", "30000"},
      // The relay keeps at most 10,000 entries in flight; librdkafka's 1 GiB default queue
      // would only matter to a caller that did not, and memory must not depend on it.
      {"queue.buffering.max.kbytes", "65536"},
  };
  for (const auto& [k, v] : properties) props[k] = v;
  auto made = make_conf(props);
  if (!made) return made.error();
  rd_kafka_conf_t* conf = made.value();
  rd_kafka_conf_set_dr_msg_cb(conf, &Impl::on_delivery);
  rd_kafka_conf_set_opaque(conf, impl.get());
  char err[512];
  impl->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (impl->rk == nullptr) return Error{std::string("creating the producer: ") + err};
  return std::unique_ptr<Producer>(new Producer(std::move(impl)));
}

Status Producer::warm_up(const std::string& topic, int timeout_ms) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(impl_->rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t e = rd_kafka_metadata(impl_->rk, 0, t, &md, timeout_ms);
  if (md != nullptr) rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(t);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error{"looking up topic " + topic + ": " + rd_kafka_err2str(e)};
  }
  return ok_status();
}

Produced Producer::produce(const ports::OutboxEntry& e) {
  auto* id = new std::pair<std::int32_t, std::uint64_t>(e.partition, e.seq);
  Produced why = produce_entry(impl_->rk, e, id);
  if (!why) {
    delete id;
    return why;
  }
  std::lock_guard lock(impl_->mu);
  ++impl_->in_flight;
  return {};
}

void Producer::poll(int timeout_ms) { rd_kafka_poll(impl_->rk, timeout_ms); }

std::vector<OutboxId> Producer::take_delivered() {
  std::lock_guard lock(impl_->mu);
  return std::exchange(impl_->delivered, {});
}

std::vector<Undelivered> Producer::take_failed() {
  std::lock_guard lock(impl_->mu);
  return std::exchange(impl_->failed, {});
}

std::size_t Producer::in_flight() const {
  std::lock_guard lock(impl_->mu);
  return impl_->in_flight;
}

bool Producer::flush(int timeout_ms) {
  return rd_kafka_flush(impl_->rk, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

std::optional<std::string> Producer::last_error() const {
  std::lock_guard lock(impl_->mu);
  return impl_->last_error;
}

}  // namespace approvald::kafka
