// `approvald demo`: the whole product on one machine with no broker. librdkafka's in-process
// cluster carries the topics, a simulated service centre produces events on an accelerated
// clock, and the daemon (the same `run` as in production) consumes them and serves the
// dashboard. ADR 0008 says what the mock cluster can and cannot stand in for.
#pragma once

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace approvald::app {

struct DemoOptions {
  double speed = 20000;  // simulated seconds per real second: a working day in about 4 s
  int duration_s = 0;    // 0: until stopped
  std::string listen = "127.0.0.1:8080";
  std::uint64_t seed = 1;
  double cases_per_working_day = 300;
  std::string start = "2026-09-14T08:00:00+08:00";  // a fortnight before the National Day break
  std::vector<std::string> violations;              // NAME=PERCENT overrides
  std::string data_dir;                             // empty: a temporary one, removed at the end
};

// Runs until `stop` is set or the duration has passed; returns the exit code. Every option error
// is reported at once, before anything starts. `reload` (set by SIGHUP) applies the rule files
// the demo wrote into its directory, as `run` applies its configured ones: an edit there takes
// effect without a restart, an invalid one is refused and the demo goes on.
int demo(const DemoOptions& options, const std::atomic<bool>& stop, std::ostream& out,
         std::ostream& err, std::atomic<bool>* reload = nullptr);

}  // namespace approvald::app
