#include "generate/workload.h"

#include <stdexcept>

#include "generate/simulation.h"
#include "shipped/files.h"

namespace bench {

std::shared_ptr<const rules::Calendar> shipped_calendar() {
  static const std::shared_ptr<const rules::Calendar> calendar = [] {
    const auto* file = approvald::shipped::asset(approvald::shipped::kCalendar);
    auto loaded = rules::Calendar::load(file->body, std::string(file->path));
    if (auto* c = std::get_if<std::shared_ptr<const rules::Calendar>>(&loaded)) return *c;
    throw std::logic_error("the shipped calendar does not load");
  }();
  return calendar;
}

Workload make_workload(std::size_t cases, std::uint64_t seed, bool open_only,
                       const std::map<std::string, double>* violations) {
  approvald::generate::SimulationOptions o;
  if (violations != nullptr) o.violations = *violations;
  o.seed = seed;
  o.cases_per_working_day = static_cast<double>(std::max<std::size_t>(cases, 10)) / 10.0;
  std::string why;
  o.start_ms =
      rules::parse_rfc3339("2026-03-02T00:00:00+08:00", &why)->at.time_since_epoch().count();
  o.max_cases = cases;
  o.open_only = open_only;
  approvald::generate::Simulation sim(o, shipped_calendar());
  Workload w;
  w.cases = cases;
  auto take = [&w](std::vector<approvald::generate::SimEvent>&& events) {
    for (auto& e : events) {
      w.bytes += e.json.size();
      w.lines.push_back(std::move(e.json));
    }
  };
  // A day at a time, so that what has happened leaves the queue as the simulation goes.
  std::int64_t t = o.start_ms;
  while (sim.cases_opened() < cases) {
    t += 86'400'000;
    take(sim.advance(t));
  }
  take(sim.drain());
  return w;
}

}  // namespace bench
