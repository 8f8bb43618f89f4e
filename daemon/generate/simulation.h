// A simulated approval service centre: dozens of agencies, hundreds of items, officers with their
// own pace and care, arrivals by weekday and office hour on the official calendar, and a chosen
// share of each statutory violation. Events come out in time order as simulated time advances,
// so the same source feeds `approvald generate` (a fixed number of cases, as fast as possible) and
// `approvald demo` (an accelerated clock).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "rules/calendar.h"

namespace approvald::generate {

// The violations the generator can plant, with their default share in percent of cases (of tax
// penalty cases for out_of_band_penalty). Each officer's care scales them.
const std::map<std::string, double>& default_violation_rates();

struct SimulationOptions {
  std::uint64_t seed = 1;
  int agencies = 36;
  int items_per_agency = 8;            // 288 items with the default agencies
  double cases_per_working_day = 300;  // across all agencies
  std::int64_t start_ms = 0;           // simulated time of the first arrival hour
  std::size_t max_cases = 0;           // stop opening cases after this many (0: never)
  bool open_only = false;              // received and accepted only: every case stays open
  std::map<std::string, double> violations = default_violation_rates();
};

// Validates `name=percent` overrides; returns every problem, naming the violation.
std::vector<std::string> apply_violation_overrides(const std::vector<std::string>& overrides,
                                                   std::map<std::string, double>* rates);

struct SimEvent {
  std::int64_t at_ms = 0;
  std::string case_id;
  std::string json;  // approval.event/v1
};

class Simulation {
 public:
  Simulation(SimulationOptions options, std::shared_ptr<const rules::Calendar> calendar);

  // Every event that occurs up to `until_ms`, in time order (ties in creation order).
  std::vector<SimEvent> advance(std::int64_t until_ms);
  // Opens no more cases and returns everything still pending.
  std::vector<SimEvent> drain();

  std::size_t cases_opened() const { return cases_; }
  std::size_t pending() const { return queue_.size(); }

 private:
  struct Officer {
    std::string id;
    double pace = 1;  // multiplies working times
    double care = 1;  // multiplies violation shares (lower is more careful)
  };
  struct Item {
    std::string code;
    int promise = 10;  // promised working days
    bool chargeable = false;
  };
  struct Agency {
    std::string code;
    double volume = 1;
    bool tax = false;  // also decides penalties (the benchmark pack)
    std::vector<Item> items;
    std::vector<Officer> officers;
  };
  struct Pending {
    std::int64_t at_ms;
    std::uint64_t seq;
    SimEvent event;
    bool operator>(const Pending& o) const {
      return at_ms != o.at_ms ? at_ms > o.at_ms : seq > o.seq;
    }
  };
  class CaseWriter;

  void arrivals_for_hour(std::int64_t hour_ms);
  void open_case(std::int64_t at_ms);
  bool chance(double percent);
  std::int64_t uniform(std::int64_t lo, std::int64_t hi);
  int between(int lo, int hi);

  SimulationOptions options_;
  std::shared_ptr<const rules::Calendar> calendar_;
  std::mt19937_64 rng_;
  std::vector<Agency> agencies_;
  std::discrete_distribution<std::size_t> pick_agency_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue_;
  std::int64_t next_hour_ms_;
  std::uint64_t seq_ = 0;
  std::uint64_t event_no_ = 0;
  std::size_t cases_ = 0;
  bool closed_ = false;
};

}  // namespace approvald::generate
