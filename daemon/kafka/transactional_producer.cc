#include "kafka/transactional_producer.h"

#include <librdkafka/rdkafka.h>

#include <mutex>
#include <utility>

#include "kafka/conf.h"
#include "kafka/produce.h"

namespace approvald::kafka {

namespace {

// librdkafka's transactional calls sort their errors themselves (fatal, abortable, retriable);
// anything it leaves unsorted is taken as fatal, since only a new producer is sure to start from
// a known state.
ports::TxnResult outcome(rd_kafka_error_t* e, const char* what) {
  if (e == nullptr) return {};
  ports::TxnResult r;
  r.reason = classify_error(rd_kafka_error_code(e)).reason;
  r.message = std::string(what) + ": " + rd_kafka_error_string(e);
  const bool fatal = rd_kafka_error_is_fatal(e) != 0;
  if (!fatal && rd_kafka_error_txn_requires_abort(e) != 0) {
    r.outcome = ports::TxnOutcome::kAbort;
  } else if (!fatal && rd_kafka_error_is_retriable(e) != 0) {
    r.outcome = ports::TxnOutcome::kRetry;
  } else {
    r.outcome = ports::TxnOutcome::kFatal;
  }
  rd_kafka_error_destroy(e);
  return r;
}

}  // namespace

struct TransactionalProducer::Impl {
  rd_kafka_t* rk = nullptr;
  std::string input_topic;
  GroupSource group;
  bool offsets_sent = false;  // commit() sent this transaction's offsets before it timed out
  std::mutex mu;              // delivery reports arrive on the polling thread; guarded anyway
  std::vector<ports::Undelivered> failed;

  // An open transaction is left to the broker: the next producer with this id aborts it, or the
  // transaction timeout does.
  ~Impl() { destroy_producer(rk); }

  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    auto* id = static_cast<ports::OutboxId*>(m->_private);
    // A record purged by an abort was not refused: the whole transaction went away.
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && m->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE &&
        m->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
      std::lock_guard lock(self->mu);
      self->failed.push_back({*id, classify_error(m->err)});
    }
    delete id;
  }
};

TransactionalProducer::TransactionalProducer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TransactionalProducer::~TransactionalProducer() = default;

Result<std::unique_ptr<TransactionalProducer>> TransactionalProducer::create(
    const TransactionalConfig& c, GroupSource group) {
  auto impl = std::make_unique<Impl>();
  impl->input_topic = c.input_topic;
  impl->group = std::move(group);
  Properties props = {
      {"bootstrap.servers", c.bootstrap_servers},
      {"transactional.id", c.transactional_id},
      {"acks", "all"},
      {"linger.ms", "5"},
      // A transaction left open by a crashed instance blocks read_committed consumers of its
      // partitions until the broker aborts it: a minute, unless a new instance with the same
      // id comes first (which aborts it at once).
      {"transaction.timeout.ms", "60000"},
      {"message.timeout.ms", "30000"},  // must not exceed transaction.timeout.ms
      {"queue.buffering.max.kbytes", "65536"},
  };
  for (const auto& [k, v] : c.properties) props[k] = v;
  auto made = make_conf(props);
  if (!made) return made.error();
  rd_kafka_conf_t* conf = made.value();
  rd_kafka_conf_set_dr_msg_cb(conf, &Impl::on_delivery);
  rd_kafka_conf_set_opaque(conf, impl.get());
  char err[512];
  impl->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (impl->rk == nullptr) return Error{std::string("creating the transactional producer: ") + err};
  if (const auto r = outcome(rd_kafka_init_transactions(impl->rk, c.init_timeout_ms),
                             "registering the transactional id");
      !r) {
    return Error{r.message};
  }
  return std::unique_ptr<TransactionalProducer>(new TransactionalProducer(std::move(impl)));
}

ports::TxnResult TransactionalProducer::begin() {
  impl_->offsets_sent = false;
  return outcome(rd_kafka_begin_transaction(impl_->rk), "beginning a transaction");
}

ports::Produced TransactionalProducer::send(const ports::OutboxEntry& entry) {
  auto* id = new ports::OutboxId(entry.partition, entry.seq);
  rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
  ports::Produced why = produce_entry(impl_->rk, entry, id, &code);
  if (why) return why;
  delete id;
  // The transaction is abortable or the producer fatally failed: no record will be taken, and
  // commit() says which.
  if (code == RD_KAFKA_RESP_ERR__STATE || code == RD_KAFKA_RESP_ERR__FATAL)
    why.failure = ports::Failure::kTransaction;
  return why;
}

void TransactionalProducer::poll(int timeout_ms) { rd_kafka_poll(impl_->rk, timeout_ms); }

std::vector<ports::Undelivered> TransactionalProducer::take_failed() {
  std::lock_guard lock(impl_->mu);
  return std::exchange(impl_->failed, {});
}

ports::TxnResult TransactionalProducer::commit(const ports::NextOffsets& next_offsets,
                                               int timeout_ms) {
  // Offsets go once per transaction: a commit retried after a timeout is already past them.
  if (!next_offsets.empty() && !impl_->offsets_sent) {
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size()));
    for (const auto& [partition, offset] : next_offsets)
      rd_kafka_topic_partition_list_add(list, impl_->input_topic.c_str(), partition)->offset =
          offset;
    const GroupMetadata group = impl_->group();
    auto sent =
        outcome(rd_kafka_send_offsets_to_transaction(
                    impl_->rk, list,
                    static_cast<rd_kafka_consumer_group_metadata_t*>(group.handle()), timeout_ms),
                "adding the input offsets to the transaction");
    rd_kafka_topic_partition_list_destroy(list);
    if (!sent) return sent;
    impl_->offsets_sent = true;
  }
  auto committed =
      outcome(rd_kafka_commit_transaction(impl_->rk, timeout_ms), "committing the transaction");
  if (committed) impl_->offsets_sent = false;
  return committed;
}

ports::TxnResult TransactionalProducer::abort(int timeout_ms) {
  auto aborted =
      outcome(rd_kafka_abort_transaction(impl_->rk, timeout_ms), "aborting the transaction");
  if (aborted) impl_->offsets_sent = false;
  return aborted;
}

bool TransactionalProducer::flush(int timeout_ms) {
  return rd_kafka_flush(impl_->rk, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

}  // namespace approvald::kafka
