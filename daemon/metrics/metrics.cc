#include "metrics/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <map>
#include <mutex>
#include <sstream>

namespace approvald::metrics {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

struct Metrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  Family<Counter>& events = prometheus::BuildCounter()
                                .Name("approvald_events_total")
                                .Help("Events consumed, by type and outcome")
                                .Register(*registry);
  Family<Counter>& conflicts =
      prometheus::BuildCounter()
          .Name("approvald_events_duplicate_conflicts_total")
          .Help("Repeated event ids whose content differed from the first (which was kept)")
          .Register(*registry);
  Family<Counter>& dead = prometheus::BuildCounter()
                              .Name("approvald_dead_letters_total")
                              .Help("Records sent to the dead-letter topic, by reason")
                              .Register(*registry);
  Family<Counter>& alerts = prometheus::BuildCounter()
                                .Name("approvald_alerts_total")
                                .Help("Alert transitions, by rule, level and status")
                                .Register(*registry);
  Family<Counter>& timers = prometheus::BuildCounter()
                                .Name("approvald_timers_fired_total")
                                .Help("Case timers fired")
                                .Register(*registry);
  Family<Histogram>& batch = prometheus::BuildHistogram()
                                 .Name("approvald_batch_duration_seconds")
                                 .Help("Time to process and commit one poll batch")
                                 .Register(*registry);
  Family<Histogram>& lag = prometheus::BuildHistogram()
                               .Name("approvald_event_lag_seconds")
                               .Help("Ingest time minus occurred_at of applied events")
                               .Register(*registry);
  Family<Gauge>& outbox = prometheus::BuildGauge()
                              .Name("approvald_outbox_depth")
                              .Help("Alerts and dead letters waiting for the broker")
                              .Register(*registry);
  Family<Counter>& permanent = prometheus::BuildCounter()
                                   .Name("approvald_relay_permanent_failures_total")
                                   .Help(
                                       "Outbox entries the broker refused for good (replaced by "
                                       "a dead letter, or dropped when the dead-letter topic "
                                       "refused that too), by topic and error")
                                   .Register(*registry);
  Family<Gauge>& head_age = prometheus::BuildGauge()
                                .Name("approvald_outbox_head_age_seconds")
                                .Help(
                                    "How long the oldest undelivered entry of a partition has "
                                    "waited at the head of its outbox (0: none waits)")
                                .Register(*registry);
  Family<Gauge>& stalled = prometheus::BuildGauge()
                               .Name("approvald_relay_stalled")
                               .Help(
                                   "1 when a partition's outbox has not advanced for "
                                   "outbox.stall_seconds")
                               .Register(*registry);
  Family<Gauge>& consumer_lag = prometheus::BuildGauge()
                                    .Name("approvald_consumer_lag_messages")
                                    .Help("Messages behind the high watermark, per partition")
                                    .Register(*registry);
  Family<Gauge>& timer_depth = prometheus::BuildGauge()
                                   .Name("approvald_timer_queue_depth")
                                   .Help("Case timers armed (RocksDB's estimate)")
                                   .Register(*registry);
  Family<Gauge>& timer_late = prometheus::BuildGauge()
                                  .Name("approvald_timer_lateness_seconds")
                                  .Help("How far the earliest armed timer is past due")
                                  .Register(*registry);
  Family<Gauge>& store_size = prometheus::BuildGauge()
                                  .Name("approvald_store_live_bytes")
                                  .Help("Estimated live data in RocksDB")
                                  .Register(*registry);
  Family<Gauge>& compaction = prometheus::BuildGauge()
                                  .Name("approvald_store_pending_compaction_bytes")
                                  .Help("RocksDB estimate of bytes awaiting compaction")
                                  .Register(*registry);
  Family<Gauge>& assigned = prometheus::BuildGauge()
                                .Name("approvald_assigned_partitions")
                                .Help("Input partitions owned by this instance")
                                .Register(*registry);
  Family<Gauge>& rules_info = prometheus::BuildGauge()
                                  .Name("approvald_rules_info")
                                  .Help("Rule packs and calendar in force (value 1)")
                                  .Register(*registry);
  Family<Gauge>& build_info = prometheus::BuildGauge()
                                  .Name("approvald_build_info")
                                  .Help("Build information (value 1)")
                                  .Register(*registry);
  Family<Gauge>& open_cases = prometheus::BuildGauge()
                                  .Name("approvald_cases_open")
                                  .Help("Cases with a clock running or paused, by agency")
                                  .Register(*registry);
  Family<Gauge>& paused_cases = prometheus::BuildGauge()
                                    .Name("approvald_cases_paused")
                                    .Help("Open cases whose clocks are all paused, by agency")
                                    .Register(*registry);
  Family<Gauge>& overdue_cases =
      prometheus::BuildGauge()
          .Name("approvald_cases_overdue")
          .Help("Cases with a running clock past its due point, by agency")
          .Register(*registry);
  Family<Gauge>& store_memory = prometheus::BuildGauge()
                                    .Name("approvald_store_memory_bytes")
                                    .Help(
                                        "RocksDB memory by kind (the block cache carries the "
                                        "memtables' reservations)")
                                    .Register(*registry);
  Family<Gauge>& rss = prometheus::BuildGauge()
                           .Name("process_resident_memory_bytes")
                           .Help("Resident memory size in bytes")
                           .Register(*registry);
  Family<Counter>& store_errors = prometheus::BuildCounter()
                                      .Name("approvald_store_errors_total")
                                      .Help("Failed store reads and writes (each retried), by op")
                                      .Register(*registry);
  Family<Counter>& unreadable = prometheus::BuildCounter()
                                    .Name("approvald_timer_cases_unreadable_total")
                                    .Help(
                                        "Due timers dropped because their case's stored state "
                                        "does not decode")
                                    .Register(*registry);
  Family<Counter>& replaced = prometheus::BuildCounter()
                                  .Name("approvald_consumer_replaced_total")
                                  .Help(
                                      "Kafka consumers replaced because librdkafka failed them "
                                      "fatally or they stayed without partitions")
                                  .Register(*registry);
  Family<Counter>& committed = prometheus::BuildCounter()
                                   .Name("approvald_records_committed_total")
                                   .Help(
                                       "Input records whose processing is committed to the store "
                                       "(applied, duplicate or dead-lettered)")
                                   .Register(*registry);
  Family<Counter>& rejudged = prometheus::BuildCounter()
                                  .Name("approvald_reevaluated_cases_total")
                                  .Help(
                                      "Open cases re-judged under a rule version that came into "
                                      "force while they were open")
                                  .Register(*registry);
  Family<Gauge>& rejudging = prometheus::BuildGauge()
                                 .Name("approvald_reevaluation_active")
                                 .Help(
                                     "1 while open cases are being re-judged under the rule "
                                     "version in force, a slice per loop turn")
                                 .Register(*registry);
  Counter* committed_c = nullptr;
  std::map<std::string, std::array<Gauge*, 3>> agency_gauges;
  Gauge* rules_g = nullptr;
  Histogram* batch_h = nullptr;
  Histogram* lag_h = nullptr;
  mutable std::mutex mu;  // guards the lazily added label sets
};

Metrics::Metrics(const std::string& version, const std::string& rules_id,
                 const std::string& calendar_id)
    : impl_(std::make_unique<Impl>()) {
  impl_->batch_h = &impl_->batch.Add(
      {},
      Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5});
  impl_->lag_h = &impl_->lag.Add(
      {}, Histogram::BucketBoundaries{0.1, 1, 10, 60, 600, 3600, 86400, 7 * 86400, 30 * 86400});
  rules(rules_id, calendar_id);
  impl_->build_info.Add({{"version", version}}).Set(1);
  impl_->outbox.Add({});
  impl_->timer_depth.Add({});
  impl_->timer_late.Add({});
  impl_->store_size.Add({});
  impl_->compaction.Add({});
  impl_->assigned.Add({});
  impl_->timers.Add({});
  impl_->store_errors.Add({{"op", "read"}});
  impl_->store_errors.Add({{"op", "write"}});
  impl_->unreadable.Add({});
  impl_->replaced.Add({});
  impl_->committed_c = &impl_->committed.Add({});
  impl_->rejudged.Add({});
  impl_->rejudging.Add({});
  impl_->conflicts.Add({});
}

Metrics::~Metrics() = default;

void Metrics::record(const pipeline::Stats& s) {
  std::lock_guard lock(impl_->mu);
  for (std::size_t i = 0; i < s.applied.size(); ++i) {
    if (s.applied[i] == 0) continue;
    impl_->events
        .Add({{"type", std::string(rules::to_string(static_cast<rules::EventType>(i)))},
              {"outcome", "applied"}})
        .Increment(static_cast<double>(s.applied[i]));
  }
  if (s.duplicates > 0) {
    impl_->events.Add({{"type", "any"}, {"outcome", "duplicate"}})
        .Increment(static_cast<double>(s.duplicates));
  }
  if (s.duplicate_conflicts > 0) {
    impl_->conflicts.Add({}).Increment(static_cast<double>(s.duplicate_conflicts));
  }
  for (std::size_t i = 0; i < s.dead.size(); ++i) {
    if (s.dead[i] == 0) continue;
    impl_->dead
        .Add({{"reason", std::string(pipeline::to_string(static_cast<pipeline::DeadReason>(i)))}})
        .Increment(static_cast<double>(s.dead[i]));
  }
  for (const auto& a : s.alerts) {
    impl_->alerts
        .Add({{"rule", a.rule_id},
              {"level", std::string(rules::to_string(a.level))},
              {"status", a.firing ? "firing" : "resolved"}})
        .Increment();
  }
  if (s.timers_fired > 0) impl_->timers.Add({}).Increment(static_cast<double>(s.timers_fired));
  if (s.unreadable_timer_cases > 0) {
    impl_->unreadable.Add({}).Increment(static_cast<double>(s.unreadable_timer_cases));
  }
  for (std::int64_t ms : s.event_lag_ms) impl_->lag_h->Observe(static_cast<double>(ms) / 1000.0);
}

void Metrics::rules(const std::string& rules_id, const std::string& calendar_id) {
  std::lock_guard lock(impl_->mu);
  if (impl_->rules_g != nullptr) impl_->rules_info.Remove(impl_->rules_g);
  impl_->rules_g = &impl_->rules_info.Add({{"rule_packs", rules_id}, {"calendar", calendar_id}});
  impl_->rules_g->Set(1);
}

void Metrics::batch_seconds(double s) { impl_->batch_h->Observe(s); }
void Metrics::outbox_depth(std::size_t n) { impl_->outbox.Add({}).Set(static_cast<double>(n)); }

void Metrics::consumer_lag(std::int32_t partition, std::int64_t messages) {
  std::lock_guard lock(impl_->mu);
  impl_->consumer_lag.Add({{"partition", std::to_string(partition)}})
      .Set(static_cast<double>(messages));
}

void Metrics::relay_permanent_failure(const std::string& topic, const std::string& reason) {
  std::lock_guard lock(impl_->mu);
  impl_->permanent.Add({{"topic", topic}, {"reason", reason}}).Increment();
}

void Metrics::outbox_head(std::int32_t partition, double age_seconds, bool stalled) {
  std::lock_guard lock(impl_->mu);
  impl_->head_age.Add({{"partition", std::to_string(partition)}}).Set(age_seconds);
  impl_->stalled.Add({{"partition", std::to_string(partition)}}).Set(stalled ? 1 : 0);
}

void Metrics::timer_queue(std::size_t depth, double lateness_seconds) {
  impl_->timer_depth.Add({}).Set(static_cast<double>(depth));
  impl_->timer_late.Add({}).Set(lateness_seconds);
}

void Metrics::store(std::uint64_t live_bytes, std::uint64_t pending_compaction_bytes) {
  impl_->store_size.Add({}).Set(static_cast<double>(live_bytes));
  impl_->compaction.Add({}).Set(static_cast<double>(pending_compaction_bytes));
}

void Metrics::memory(const std::map<std::string, std::uint64_t>& store_bytes,
                     std::uint64_t rss_bytes) {
  std::lock_guard lock(impl_->mu);
  for (const auto& [kind, bytes] : store_bytes) {
    impl_->store_memory.Add({{"kind", kind}}).Set(static_cast<double>(bytes));
  }
  impl_->rss.Add({}).Set(static_cast<double>(rss_bytes));
}

void Metrics::store_error(const std::string& op) {
  std::lock_guard lock(impl_->mu);
  impl_->store_errors.Add({{"op", op}}).Increment();
}

void Metrics::consumer_replaced() { impl_->replaced.Add({}).Increment(); }

void Metrics::records_committed(std::size_t n) {
  impl_->committed_c->Increment(static_cast<double>(n));
}

void Metrics::reevaluation(std::size_t rejudged, bool active) {
  impl_->rejudged.Add({}).Increment(static_cast<double>(rejudged));
  impl_->rejudging.Add({}).Set(active ? 1 : 0);
}

void Metrics::assigned_partitions(std::size_t n) {
  impl_->assigned.Add({}).Set(static_cast<double>(n));
}

void Metrics::cases(const std::map<ports::TallyKey, ports::CaseTally>& tallies) {
  std::map<std::string, ports::CaseTally> by_agency;
  for (const auto& [key, t] : tallies) by_agency[key.second] += t;
  std::lock_guard lock(impl_->mu);
  // Agencies seen before keep their label (at zero when they have no open case any more).
  for (auto& [agency, g] : impl_->agency_gauges) {
    for (Gauge* x : g) x->Set(0);
  }
  for (const auto& [agency, t] : by_agency) {
    auto it = impl_->agency_gauges.find(agency);
    if (it == impl_->agency_gauges.end()) {
      const bool room = impl_->agency_gauges.size() < kMaxAgencyLabels - 1;
      const std::string label = room ? agency : "(other)";
      it = impl_->agency_gauges.find(label);
      if (it == impl_->agency_gauges.end()) {
        it = impl_->agency_gauges
                 .emplace(label,
                          std::array<Gauge*, 3>{&impl_->open_cases.Add({{"agency", label}}),
                                                &impl_->paused_cases.Add({{"agency", label}}),
                                                &impl_->overdue_cases.Add({{"agency", label}})})
                 .first;
      }
    }
    it->second[0]->Increment(static_cast<double>(t.open));
    it->second[1]->Increment(static_cast<double>(t.paused));
    it->second[2]->Increment(static_cast<double>(t.overdue));
  }
}

std::string Metrics::scrape() const {
  std::lock_guard lock(impl_->mu);
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->registry->Collect());
  return out.str();
}

}  // namespace approvald::metrics
