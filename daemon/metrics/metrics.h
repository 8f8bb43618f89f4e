// The daemon's Prometheus metrics: approvald_ prefix, base units, _total counters, bounded
// labels (event type, dead-letter reason, rule, level, partition) — never a case id.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "pipeline/pipeline.h"

namespace prometheus {
class Registry;
}

namespace approvald::metrics {

class Metrics {
 public:
  Metrics(const std::string& version, const std::string& rules_id, const std::string& calendar_id);
  ~Metrics();

  void record(const pipeline::Stats& stats);
  void batch_seconds(double s);
  void outbox_depth(std::size_t n);
  void consumer_lag(std::int32_t partition, std::int64_t messages);
  void timer_queue(std::size_t depth, double lateness_seconds);
  // An outbox entry refused for good (topic: where it was going; reason: the client's error
  // label, a bounded set).
  void relay_permanent_failure(const std::string& topic, const std::string& reason);
  // How long the head of a partition's outbox has waited, and whether that makes it stalled.
  void outbox_head(std::int32_t partition, double age_seconds, bool stalled);
  void store(std::uint64_t live_bytes, std::uint64_t pending_compaction_bytes);
  // RocksDB memory by kind (block_cache, block_cache_pinned, memtables, table_readers) and the
  // process's resident set.
  void memory(const std::map<std::string, std::uint64_t>& store_bytes, std::uint64_t rss_bytes);
  void assigned_partitions(std::size_t n);
  // The Kafka consumer was given up and created anew.
  void consumer_replaced();
  // Input records whose processing (and offsets) a store commit holds now: what a benchmark or
  // an operator watches to see progress without opening the store.
  void records_committed(std::size_t n);
  // Open cases re-judged under new rules this turn, and whether more are to come.
  void reevaluation(std::size_t rejudged, bool active);
  // A store operation failed ("read" or "write"); the loop retries it.
  void store_error(const std::string& op);
  // Open, paused and overdue cases, summed over partitions per agency. At most
  // kMaxAgencyLabels agencies get a label of their own; the rest are summed as "(other)".
  void cases(const std::map<ports::TallyKey, ports::CaseTally>& tallies);
  static constexpr std::size_t kMaxAgencyLabels = 1000;
  // The rule packs and calendar in force changed.
  void rules(const std::string& rules_id, const std::string& calendar_id);

  // The text exposition format (version 0.0.4).
  std::string scrape() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace approvald::metrics
