// Throughput of decoding and of the engine, each next to a baseline measured in the same run, so
// that the ratio survives a noisy shared machine. See docs/performance.md.
#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "rules/calendar.h"
#include "rules/engine.h"
#include "rules/replay.h"
#include "workload.h"

namespace {

std::string read(const std::string& rel) {
  std::ifstream in(std::string(APPROVALD_SOURCE_DIR) + "/" + rel);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const bench::Workload& workload() {
  static const bench::Workload w = bench::make_workload(100'000, 42);
  return w;
}

const std::vector<rules::Event>& decoded() {
  static const std::vector<rules::Event> events = [] {
    std::vector<rules::Event> out;
    rules::EventDecoder d;
    for (const auto& l : workload().lines) out.push_back(std::get<rules::Event>(d.decode(l)));
    return out;
  }();
  return events;
}

std::shared_ptr<const rules::Engine> engine() {
  static const auto e = [] {
    auto cal = std::get<0>(rules::Calendar::load(read("config/calendars/cn-mainland.yaml"), "cal"));
    auto pack = std::get<0>(rules::RulePack::load(read("rules/packs/cn-admin-licensing/pack.yaml"), "pack"));
    auto set = std::get<0>(rules::RuleSet::combine({pack}));
    return std::make_shared<const rules::Engine>(set, cal);
  }();
  return e;
}

// Baseline: Boost.JSON's own DOM parse of the same lines, with the same arena reuse.
void BM_ParseJsonBaseline(benchmark::State& state) {
  const auto& w = workload();
  unsigned char arena[16384];
  std::size_t i = 0;
  for (auto _ : state) {
    boost::json::monotonic_resource mr(arena, sizeof arena);
    boost::system::error_code ec;
    auto v = boost::json::parse(w.lines[i], ec, &mr);
    benchmark::DoNotOptimize(v);
    i = (i + 1) % w.lines.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * (w.bytes / w.lines.size())));
}
BENCHMARK(BM_ParseJsonBaseline);

void BM_DecodeEvent(benchmark::State& state) {
  const auto& w = workload();
  rules::EventDecoder d;
  std::size_t i = 0;
  for (auto _ : state) {
    auto e = d.decode(w.lines[i]);
    benchmark::DoNotOptimize(e);
    i = (i + 1) % w.lines.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * (w.bytes / w.lines.size())));
}
BENCHMARK(BM_DecodeEvent);

// Baseline: the same per-case bookkeeping as the engine run (find the case, append the event,
// keep a timer index) with no rules evaluated.
void BM_BookkeepingBaseline(benchmark::State& state) {
  const auto& events = decoded();
  for (auto _ : state) {
    std::unordered_map<std::string, rules::CaseState> cases;
    cases.reserve(workload().cases);
    std::set<std::pair<rules::Timestamp, std::string>> timers;
    for (const auto& e : events) {
      auto& s = cases[e.case_id];
      s.events.push_back(e);
      timers.insert({e.occurred_at, e.case_id});
      if (timers.size() > workload().cases) timers.erase(timers.begin());
    }
    benchmark::DoNotOptimize(cases);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events.size()));
}
BENCHMARK(BM_BookkeepingBaseline)->Unit(benchmark::kMillisecond)->Iterations(3);

// The engine over the whole stream: 100k cases, every statutory rule, timers fired in event time.
void BM_EngineStream(benchmark::State& state) {
  const auto& events = decoded();
  const auto eng = engine();
  std::size_t alerts = 0, peak_open = 0, state_bytes = 0;
  for (auto _ : state) {
    rules::Replayer rp(*eng);
    std::vector<rules::Alert> out;
    alerts = 0;
    for (const auto& e : events) {
      rp.feed(e, out);
      alerts += out.size();
      out.clear();
    }
    peak_open = rp.cases().size();
    state.PauseTiming();
    state_bytes = 0;
    for (const auto& [id, s] : rp.cases()) state_bytes += s.encode().size();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events.size()));
  state.counters["events"] = static_cast<double>(events.size());
  state.counters["cases"] = static_cast<double>(peak_open);
  state.counters["alerts"] = static_cast<double>(alerts);
  state.counters["state_bytes_per_case"] = static_cast<double>(state_bytes) / static_cast<double>(peak_open);
}
BENCHMARK(BM_EngineStream)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
