// The sample event log (config/samples/events.jsonl) through the live path and through replay:
// the live-vs-replay equality that several suites check with different stores in between.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "pipeline/pipeline.h"
#include "rules/replay.h"
#include "support/fake_store.h"
#include "support/fixtures.h"
#include "support/ok.h"

namespace testing {

inline std::vector<std::string> sample_lines() {
  std::ifstream in(source_path("config/samples/events.jsonl"));
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// The alerts `approvald replay` gives for the sample log, as published (JSON at +08:00).
inline std::vector<std::string> sample_replay_alerts(const rules::Engine& engine) {
  rules::Replayer rp(engine);
  std::vector<rules::Alert> alerts;
  rules::EventDecoder d;
  for (const auto& l : sample_lines()) rp.feed(std::get<rules::Event>(d.decode(l)), alerts);
  std::vector<std::string> out;
  for (const auto& a : alerts) out.push_back(a.to_json(480));
  return out;
}

// Feeds the sample log to partition 0 of `p` one event per batch, in event time: before each
// event the timers that fell due by then fire one at a time, earliest first, like the
// replayer's heap. `commit(writes)` applies each write set to `store` (and whatever sits in
// front of it). Returns the alerts the pipeline sent, in order.
template <typename Commit>
std::vector<std::string> feed_sample_log(approvald::pipeline::Pipeline& p, FakeStore& store,
                                         Commit commit) {
  p.assign(0, std::nullopt);
  rules::EventDecoder d;
  std::int64_t offset = 0;
  const auto backlog = [](std::int32_t) { return false; };
  for (const auto& l : sample_lines()) {
    const auto e = std::get<rules::Event>(d.decode(l));
    const std::int64_t t =
        std::max(p.supervision_ms(0, 0, false), e.occurred_at.time_since_epoch().count());
    while (true) {
      const auto due = store.due(0, t);
      if (due.empty()) break;
      commit(ok(p.fire(0, {due.front()}, due.front().due_ms)).writes);
    }
    commit(ok(p.process({approvald::pipeline::Record{0, offset++, e.case_id, l, 0}}, INT64_MAX / 4,
                        backlog))
               .writes);
  }
  std::vector<std::string> sent;
  for (const auto& o : store.on_topic("approval.alerts")) sent.push_back(o.value);
  return sent;
}

}  // namespace testing
