// Fakes for the loop's ports: a consumer that returns scripted batches and records what it was
// asked, a store over testing::FakeStore with faults to inject, a relay that acknowledges what a
// test says, and a manual clock.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "loop/clocks.h"
#include "loop/consumer_port.h"
#include "loop/relay_port.h"
#include "loop/store_ports.h"
#include "support/fake_store.h"

namespace testing {

class FakeConsumer final : public approvald::loop::ConsumerPort {
 public:
  // `events` learns "abandon N" and "destroy N", so a test sees the order of a replacement.
  FakeConsumer(int id, std::vector<std::string>& events) : id_(id), events_(events) {}
  ~FakeConsumer() override { events_.push_back("destroy " + std::to_string(id_)); }
  FakeConsumer(const FakeConsumer&) = delete;
  FakeConsumer& operator=(const FakeConsumer&) = delete;

  std::vector<approvald::pipeline::Record> poll(std::size_t, int timeout_ms) override {
    ++polls;
    poll_timeouts.push_back(timeout_ms);
    if (batches.empty()) return {};
    auto b = std::move(batches.front());
    batches.pop_front();
    return b;
  }
  void pause_all(bool p) override { paused.push_back(p); }
  bool caught_up(std::int32_t, std::int64_t) const override { return up_to_date; }
  std::int64_t lag(std::int32_t, std::int64_t) const override { return 0; }
  void commit(const std::map<std::int32_t, std::int64_t>& next) override {
    group_commits.push_back(next);
  }
  const std::set<std::int32_t>& assigned() const override { return assignment; }
  bool probe_broker(int) override {
    ++probes;
    return true;
  }
  std::vector<std::tuple<std::string, std::string, std::int64_t>> take_errors() override {
    return {};
  }
  const std::optional<std::string>& fatal_error() const override { return fatal; }
  void abandon() override { events_.push_back("abandon " + std::to_string(id_)); }
  void close() override { events_.push_back("close " + std::to_string(id_)); }

  std::deque<std::vector<approvald::pipeline::Record>> batches;  // one per poll, then none
  bool up_to_date = true;
  std::set<std::int32_t> assignment{0};
  std::optional<std::string> fatal;
  int polls = 0;
  std::vector<int> poll_timeouts;
  std::vector<bool> paused;  // every pause_all(), in order
  std::vector<std::map<std::int32_t, std::int64_t>> group_commits;
  int probes = 0;

 private:
  int id_;
  std::vector<std::string>& events_;
};

// The store as the loop sees it. `ops` records commits and timer reads in order.
class FakeLoopStore final : public approvald::ports::CaseReader,
                            public approvald::loop::StoreWriter,
                            public approvald::loop::TimerIndex,
                            public approvald::loop::StoreGauges,
                            public approvald::loop::CaseScan {
 public:
  approvald::Lookup<std::string> get_case(std::int32_t p, std::string_view id) override {
    if (fail_reads) return approvald::Error{"injected read error", corrupt};
    return data.get_case(p, id);
  }
  approvald::Status commit(const approvald::ports::WriteSet& w) override {
    ops.emplace_back("commit");
    if (on_commit) on_commit();
    if (fail_writes) return approvald::Error{"injected write error"};
    data.commit(w);
    committed.push_back(w);
    return approvald::ok_status();
  }
  approvald::Result<std::vector<approvald::ports::TimerEntry>> due_timers(std::int32_t p,
                                                                          std::int64_t upto,
                                                                          std::size_t) override {
    ops.emplace_back("due_timers");
    timers_seen.push_back(data.timers.size());
    if (corrupt_timers) return approvald::Error{"injected checksum mismatch", true};
    return data.due(p, upto);
  }
  approvald::Lookup<std::int64_t> earliest_timer(std::int32_t p) override {
    for (const auto& [tp, at, id] : data.timers) {
      if (tp == p) return std::optional<std::int64_t>(at);
    }
    return std::optional<std::int64_t>();
  }
  std::uint64_t estimated_timers() override { return data.timers.size(); }
  std::map<approvald::ports::TallyKey, approvald::ports::CaseTally> tallies() const override {
    return data.tallies;
  }
  approvald::Result<std::vector<std::string>> case_ids(std::int32_t p, std::string_view after,
                                                       std::size_t limit) override {
    ops.emplace_back("case_ids");
    if (scan_failures > 0) {
      --scan_failures;
      return approvald::Error{"injected listing error", corrupt_scan};
    }
    std::vector<std::string> out;
    for (auto it = data.cases.upper_bound({p, std::string(after)});
         it != data.cases.end() && it->first.first == p && out.size() < limit; ++it) {
      out.push_back(it->first.second);
    }
    return out;
  }
  approvald::Status reevaluated(std::uint64_t version) override {
    reevaluated_versions.push_back(version);
    return approvald::ok_status();
  }
  std::map<std::string, std::uint64_t> memory() override { return {}; }
  std::uint64_t live_data_bytes() override { return 0; }
  std::uint64_t pending_compaction_bytes() override { return 0; }

  FakeStore data;
  std::vector<std::string> ops;
  std::vector<std::size_t> timers_seen;  // timers in the index at each due_timers()
  std::vector<approvald::ports::WriteSet> committed;
  bool fail_reads = false;
  bool corrupt = false;  // injected read errors are checksum mismatches
  bool fail_writes = false;
  bool corrupt_timers = false;
  std::function<void()> on_commit;  // runs at each commit (a test's clock moves)
  int scan_failures = 0;            // case listings that fail before one succeeds
  bool corrupt_scan = false;        // … as damage
  std::vector<std::uint64_t> reevaluated_versions;
  // The cases of each commit, in order (what a re-evaluation slice re-judged).
  std::vector<std::vector<std::string>> committed_cases() const {
    std::vector<std::vector<std::string>> out;
    for (const auto& w : committed) {
      std::vector<std::string> ids;
      for (const auto& c : w.cases) ids.push_back(c.case_id);
      out.push_back(ids);
    }
    return out;
  }
};

class FakeRelay final : public approvald::loop::RelayPort {
 public:
  std::size_t pump(const std::set<std::int32_t>&) override {
    ++pumps;
    return std::exchange(acks, 0);
  }
  std::size_t in_flight() const override { return 0; }
  std::optional<approvald::Error> take_read_error() override {
    return std::exchange(read_error, std::nullopt);
  }
  std::vector<approvald::loop::OutboxHead> heads(const std::set<std::int32_t>&,
                                                 std::int64_t) override {
    return {};
  }
  std::string describe(std::int32_t) const override { return ""; }
  std::optional<std::string> last_producer_error() const override { return std::nullopt; }

  std::size_t acks = 0;  // acknowledged in the next pump
  std::optional<approvald::Error> read_error;
  int pumps = 0;
};

// Both clocks, moved by the test.
struct ManualClock {
  std::int64_t supervision_ms = 0;
  std::int64_t real_ms = 0;
  approvald::loop::Clocks clocks() {
    return {.supervision_ms = [this] { return supervision_ms; },
            .real_ms = [this] { return real_ms; },
            .steady =
                [this] {
                  return std::chrono::steady_clock::time_point(std::chrono::milliseconds(real_ms));
                }};
  }
};

}  // namespace testing
