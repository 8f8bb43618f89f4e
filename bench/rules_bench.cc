// Throughput of decoding and of the engine, each next to a baseline measured in the same run, so
// that the ratio survives a noisy shared machine. See docs/performance.md.
#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <fstream>
#include <queue>
#include <sstream>
#include <unordered_map>

#include "generate/workload.h"
#include "rules/calendar.h"
#include "rules/engine.h"
#include "rules/replay.h"

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
    auto pack = std::get<0>(
        rules::RulePack::load(read("rules/packs/cn-admin-licensing/pack.yaml"), "pack"));
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
  state.SetBytesProcessed(
      static_cast<std::int64_t>(state.iterations() * (w.bytes / w.lines.size())));
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
  state.SetBytesProcessed(
      static_cast<std::int64_t>(state.iterations() * (w.bytes / w.lines.size())));
}
BENCHMARK(BM_DecodeEvent);

// Baseline: the Replayer's own bookkeeping with no rules evaluated: find the case by id, append a
// copy of the event to its history, push a timer on the heap.
void BM_BookkeepingBaseline(benchmark::State& state) {
  const auto& events = decoded();
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<rules::Event> fresh = events;
    state.ResumeTiming();
    std::vector<rules::CaseState> cases;
    std::unordered_map<std::string, std::uint32_t> index;
    using Entry = std::pair<rules::Timestamp, std::uint32_t>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> timers;
    for (auto& e : fresh) {
      const auto [it, inserted] =
          index.try_emplace(e.case_id, static_cast<std::uint32_t>(cases.size()));
      if (inserted) cases.emplace_back();
      const auto at = e.occurred_at;
      rules::CaseState s = std::move(cases[it->second]);
      s.events.push_back(std::move(e));
      cases[it->second] = std::move(s);
      timers.push({at, it->second});
      while (!timers.empty() && timers.top().first < at) timers.pop();
    }
    benchmark::DoNotOptimize(cases);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events.size()));
}
BENCHMARK(BM_BookkeepingBaseline)->Unit(benchmark::kMillisecond)->Iterations(3);

// The same engine over 1,000 cases, small enough to stay in cache: the engine's own CPU cost
// without the memory traffic of 100k cold cases.
void BM_EngineHot(benchmark::State& state) {
  static const std::vector<rules::Event> events = [] {
    std::vector<rules::Event> out;
    rules::EventDecoder d;
    for (const auto& l : bench::make_workload(1'000, 7).lines)
      out.push_back(std::get<rules::Event>(d.decode(l)));
    return out;
  }();
  const auto eng = engine();
  std::size_t evaluations = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<rules::Event> fresh = events;
    state.ResumeTiming();
    rules::Replayer rp(*eng);
    std::vector<rules::Alert> out;
    for (auto& e : fresh) {
      rp.feed(std::move(e), out);
      evaluations += out.size();
      out.clear();
    }
  }
  (void)evaluations;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events.size()));
}
BENCHMARK(BM_EngineHot)->Unit(benchmark::kMillisecond);

// The engine over the whole stream: 100k cases, every statutory rule, timers fired in event time.
void BM_EngineStream(benchmark::State& state) {
  const auto& events = decoded();
  const auto eng = engine();
  std::size_t alerts = 0, peak_open = 0, state_bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<rules::Event> fresh = events;  // as if just decoded: moved into the engine
    state.ResumeTiming();
    rules::Replayer rp(*eng);
    std::vector<rules::Alert> out;
    alerts = 0;
    for (auto& e : fresh) {
      rp.feed(std::move(e), out);
      alerts += out.size();
      out.clear();
    }
    peak_open = rp.cases().size();
    state.PauseTiming();
    state_bytes = 0;
    for (const auto& s : rp.cases()) state_bytes += s.encode().size();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events.size()));
  state.counters["events"] = static_cast<double>(events.size());
  state.counters["cases"] = static_cast<double>(peak_open);
  state.counters["alerts"] = static_cast<double>(alerts);
  state.counters["state_bytes_per_case"] =
      static_cast<double>(state_bytes) / static_cast<double>(peak_open);
}
BENCHMARK(BM_EngineStream)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
