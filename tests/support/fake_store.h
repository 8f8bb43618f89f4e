// An in-memory stand-in for the RocksDB store: applies WriteSets exactly as the store does, so
// pipeline tests run without a disk.
#pragma once

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ports/write_set.h"
#include "support/ok.h"

namespace testing {

class FakeStore : public approvald::ports::CaseReader {
 public:
  approvald::Lookup<std::string> get_case(std::int32_t partition,
                                          std::string_view case_id) override {
    // A fault to inject: reads of these cases (or of every case) fail as a disk would.
    if (fail_all_reads || failing_cases.count(std::string(case_id)) != 0) {
      ++failed_reads;
      return approvald::Error{"injected I/O error"};
    }
    const auto it = cases.find({partition, std::string(case_id)});
    if (it == cases.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  void commit(const approvald::ports::WriteSet& w) {
    ++commits;
    for (const auto& c : w.cases) cases[{c.partition, c.case_id}] = c.bytes;
    for (const auto& t : w.timers_cleared) timers.erase({t.partition, t.due_ms, t.case_id});
    for (const auto& t : w.timers_set) timers.insert({t.partition, t.due_ms, t.case_id});
    for (const auto& o : w.outbox) outbox.push_back(o);
    for (const auto& a : w.alerts) alert_index[{a.partition, a.alert_id}] = a;
    for (const auto& [k, d] : w.tally_changes) tallies[k] += d;
    for (const auto& [k, d] : w.perf_changes) {
      perf[k] += d;
      if (perf[k].zero()) perf.erase(k);
    }
    for (const auto& [p, m] : w.marks) marks[p] = m;
  }

  std::vector<approvald::ports::TimerEntry> due(std::int32_t partition, std::int64_t upto) const {
    std::vector<approvald::ports::TimerEntry> out;
    for (const auto& [p, at, id] : timers) {
      if (p == partition && at <= upto) out.push_back({p, at, id});
    }
    return out;
  }

  std::vector<approvald::ports::OutboxEntry> on_topic(const std::string& topic) const {
    std::vector<approvald::ports::OutboxEntry> out;
    for (const auto& o : outbox) {
      if (o.topic == topic) out.push_back(o);
    }
    return out;
  }

  std::map<std::pair<std::int32_t, std::string>, std::string> cases;
  std::set<std::tuple<std::int32_t, std::int64_t, std::string>> timers;
  std::vector<approvald::ports::OutboxEntry> outbox;
  std::map<std::int32_t, approvald::ports::PartitionMark> marks;
  std::map<std::pair<std::int32_t, std::string>, approvald::ports::AlertIndexEntry> alert_index;
  std::map<approvald::ports::TallyKey, approvald::ports::CaseTally> tallies;
  std::map<approvald::ports::PerfKey, approvald::ports::PerfCounts> perf;
  int commits = 0;
  bool fail_all_reads = false;
  std::set<std::string> failing_cases;
  int failed_reads = 0;
};

}  // namespace testing
