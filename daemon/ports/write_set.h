// What one commit changes, as plain data: the pipeline builds it, the store applies it as a
// single atomic write (the only commit point; docs/architecture.md).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "base/result.h"

namespace approvald::ports {

// Where a partition stands, stored with the data it describes.
struct PartitionMark {
  std::int64_t next_offset = 0;           // the next input offset to consume
  std::int64_t watermark_ms = INT64_MIN;  // highest occurred_at applied (event-time clock)
  std::uint64_t next_outbox_seq = 0;      // sequence for the next outbox entry
  std::uint64_t epoch = 0;  // bumped by each new owner: fences a former owner's changelog records
  bool operator==(const PartitionMark&) const = default;
};

struct TimerEntry {
  std::int32_t partition = 0;
  std::int64_t due_ms = 0;
  std::string case_id;
  bool operator==(const TimerEntry&) const = default;
};

// A message waiting to be produced: an alert, or a dead letter with its headers. Written in the
// same commit as the state that caused it, deleted only after the broker acknowledged it.
struct OutboxEntry {
  std::int32_t partition = 0;  // the input partition that owns it (not the output partition)
  std::uint64_t seq = 0;
  std::string topic;
  std::int32_t topic_partition = -1;  // -1: the producer's partitioner (by key)
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
};

// The latest transition of one alert, for the alert index that /api/v1/alerts pages through.
struct AlertIndexEntry {
  enum class Status : std::uint8_t { kFiring, kResolved, kRetracted };
  std::int32_t partition = 0;
  std::string alert_id;
  Status status = Status::kFiring;
  std::uint8_t level = 0;  // rules::Level
  std::string agency;
  std::string rule_id;
  std::string json;  // the alert as published
};

// Open, paused and overdue cases of one agency in one partition, and those with a firing red or
// yellow card; or a change to those counts.
struct CaseTally {
  std::int64_t open = 0;
  std::int64_t paused = 0;
  std::int64_t overdue = 0;
  std::int64_t red = 0;
  std::int64_t yellow = 0;
  CaseTally& operator+=(const CaseTally& o) {
    open += o.open;
    paused += o.paused;
    overdue += o.overdue;
    red += o.red;
    yellow += o.yellow;
    return *this;
  }
  bool zero() const { return open == 0 && paused == 0 && overdue == 0 && red == 0 && yellow == 0; }
  bool operator==(const CaseTally&) const = default;
};
using TallyKey = std::pair<std::int32_t, std::string>;  // (partition, agency)

// Decided cases of one agency and item on one day (rules::CaseOutcome summed), or a change.
struct PerfCounts {
  std::int64_t decided = 0;
  std::int64_t promise_cases = 0;  // decided cases that ran a promise clock
  std::int64_t promise_on_time = 0;
  std::int64_t statute_cases = 0;
  std::int64_t statute_on_time = 0;
  std::int64_t working_days = 0;  // summed, receipt to decision
  std::int64_t alerts = 0;
  PerfCounts& operator+=(const PerfCounts& o) {
    decided += o.decided;
    promise_cases += o.promise_cases;
    promise_on_time += o.promise_on_time;
    statute_cases += o.statute_cases;
    statute_on_time += o.statute_on_time;
    working_days += o.working_days;
    alerts += o.alerts;
    return *this;
  }
  bool zero() const { return *this == PerfCounts{}; }
  bool operator==(const PerfCounts&) const = default;
};
// (partition, local decision date as rules::Date, agency, item)
using PerfKey = std::tuple<std::int32_t, std::int32_t, std::string, std::string>;

struct WriteSet {
  struct CaseWrite {
    std::int32_t partition = 0;
    std::string case_id;
    std::string bytes;  // rules::CaseState::encode()
  };
  std::vector<CaseWrite> cases;
  std::vector<TimerEntry> timers_set;
  std::vector<TimerEntry> timers_cleared;
  std::vector<OutboxEntry> outbox;
  std::vector<AlertIndexEntry> alerts;
  std::map<TallyKey, CaseTally> tally_changes;  // added to the stored counts
  std::map<PerfKey, PerfCounts> perf_changes;   // likewise
  std::map<std::int32_t, PartitionMark> marks;
  // Partitions whose state (not their outbox) is replaced: cleared before everything else.
  std::vector<std::int32_t> resets;

  // Appends another write set's changes (later ones win for the same key, as in one WriteBatch).
  void merge(WriteSet&& o) {
    append(cases, o.cases);
    append(timers_set, o.timers_set);
    append(timers_cleared, o.timers_cleared);
    append(outbox, o.outbox);
    append(alerts, o.alerts);
    for (auto& [k, d] : o.tally_changes) tally_changes[k] += d;
    for (auto& [k, d] : o.perf_changes) perf_changes[k] += d;
    for (auto& [p, m] : o.marks) marks[p] = m;
    for (auto p : o.resets) resets.push_back(p);
  }

  // A batch's vectors are thousands of entries: taken whole into an empty set, else moved in
  // after one allocation (growing entry by entry cost 5% of the loop, mostly in malloc).
  template <typename T>
  static void append(std::vector<T>& to, std::vector<T>& from) {
    if (to.empty()) {
      to.swap(from);
      return;
    }
    to.reserve(to.size() + from.size());
    for (auto& x : from) to.push_back(std::move(x));
  }

  bool empty() const {
    return cases.empty() && timers_set.empty() && timers_cleared.empty() && outbox.empty() &&
           alerts.empty() && tally_changes.empty() && perf_changes.empty() && marks.empty() &&
           resets.empty();
  }
};

// Read access the pipeline needs; the RocksDB store and test fakes implement it. A case that
// is not stored is an empty optional; a read that failed is an Error, never absence.
class CaseReader {
 public:
  virtual ~CaseReader() = default;
  virtual Lookup<std::string> get_case(std::int32_t partition, std::string_view case_id) = 0;
  // Several cases of one partition at once, answers in the order asked (the store makes it one
  // MultiGet). Any failed read fails the whole call.
  virtual Result<std::vector<std::optional<std::string>>> get_cases(
      std::int32_t partition, const std::vector<std::string_view>& case_ids) {
    std::vector<std::optional<std::string>> out;
    out.reserve(case_ids.size());
    for (std::string_view id : case_ids) {
      auto r = get_case(partition, id);
      if (!r) return r.error();
      out.push_back(r.take());
    }
    return out;
  }
  // A hint that these cases are read next (a cache reads its misses together); nothing by
  // default. A failure here is only a hint too: the reads that follow meet it again.
  virtual Status prefetch(std::int32_t /*partition*/,
                          const std::vector<std::string_view>& /*case_ids*/) {
    return ok_status();
  }
};

}  // namespace approvald::ports
