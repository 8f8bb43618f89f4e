#include "app/demo.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <random>
#include <thread>

#include "app/run.h"
#include "base/log.h"
#include "generate/simulation.h"
#include "generate/workload.h"
#include "kafka/kafka.h"
#include "kafka/mock_cluster.h"
#include "rules/time.h"
#include "shipped/files.h"

namespace approvald::app {
namespace {

namespace fs = std::filesystem;

// 128 random bits as hex, new on every run.
std::string one_time_token() {
  std::random_device rd;
  std::string t;
  for (int i = 0; i < 4; ++i) {
    char part[9];
    std::snprintf(part, sizeof part, "%08x", static_cast<unsigned>(rd()));
    t += part;
  }
  return t;
}

// The simulated clock: `start` at the moment the demo began, running `speed` times real time.
class SimClock {
 public:
  SimClock(std::int64_t start_ms, double speed)
      : start_ms_(start_ms), speed_(speed), origin_(std::chrono::steady_clock::now()) {}
  std::int64_t operator()() const {
    const double real =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - origin_)
            .count();
    return start_ms_ + static_cast<std::int64_t>(real * speed_);
  }

 private:
  std::int64_t start_ms_;
  double speed_;
  std::chrono::steady_clock::time_point origin_;
};

// The shipped packs and calendar written into the data directory, so that the daemon reads them
// as in production (and SIGHUP picks up an edit there).
bool write_rule_files(const fs::path& dir, config::Config* cfg, std::ostream& err) {
  auto write = [&](std::string_view path) -> std::string {
    const auto* a = shipped::asset(path);
    const fs::path file = dir / fs::path(std::string(path.substr(1)));
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    std::ofstream out(file);
    out << a->body;
    if (!out) {
      err << "demo: cannot write " << file.string() << '\n';
      return {};
    }
    return file.string();
  };
  for (const auto path : shipped::kPacks) {
    cfg->rules.packs.push_back(write(path));
    if (cfg->rules.packs.back().empty()) return false;
  }
  cfg->rules.calendar = write(shipped::kCalendar);
  return !cfg->rules.calendar.empty();
}

// Produces the simulation's events as simulated time passes. While the daemon lags far behind
// it holds back, because the mock cluster keeps only about 5 MiB per partition and would drop
// events no one has read yet.
void generate_events(generate::Simulation& sim, kafka::Producer& producer, const SimClock& clock,
                     const std::atomic<bool>& stop, const std::atomic<std::int64_t>& lag,
                     std::atomic<std::uint64_t>& produced) {
  constexpr std::int64_t kMaxLag = 20000;  // messages: about 1.5 MiB per partition
  std::uint64_t seq = 0;
  while (!stop) {
    if (lag.load() < kMaxLag) {
      for (auto& e : sim.advance(clock())) {
        const ports::OutboxEntry entry{0, seq++, "approval.events", -1, e.case_id, e.json, {}};
        while (!producer.produce(entry) && !stop) producer.poll(10);
        ++produced;
      }
    }
    producer.poll(0);
    (void)producer.take_delivered();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  producer.flush(2000);
}

}  // namespace

int demo(const DemoOptions& o, const std::atomic<bool>& stop, std::ostream& out, std::ostream& err,
         std::atomic<bool>* reload) {
  std::vector<std::string> errors;
  if (!(o.speed >= 1 && o.speed <= 1e6)) errors.push_back("--speed: from 1 to 1000000");
  if (o.duration_s < 0) errors.push_back("--duration: 0 (until Ctrl-C) or more seconds");
  if (!(o.cases_per_working_day > 0 && o.cases_per_working_day <= 100000)) {
    errors.push_back("--cases-per-day: more than 0, at most 100000");
  }
  std::string why;
  const auto start = rules::parse_rfc3339(o.start, &why);
  if (!start) errors.push_back("--start: " + why);
  generate::SimulationOptions sim_options;
  for (auto& e : generate::apply_violation_overrides(o.violations, &sim_options.violations)) {
    errors.push_back(std::move(e));
  }
  std::error_code ec;
  if (!o.data_dir.empty() && fs::exists(o.data_dir, ec) && !fs::is_empty(o.data_dir, ec)) {
    errors.push_back("--data-dir: " + o.data_dir +
                     " is not empty; the demo's cluster starts empty, so must its store");
  }
  if (!errors.empty()) {
    for (const auto& e : errors) err << "demo: " << e << '\n';
    return 2;
  }

  fs::path dir = o.data_dir;
  const bool temporary = dir.empty();
  if (temporary) {
    std::string tmpl = (fs::temp_directory_path() / "approvald-demo-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      err << "demo: cannot create a temporary directory\n";
      return 1;
    }
    dir = tmpl;
  }
  struct Cleanup {
    fs::path dir;
    bool remove;
    ~Cleanup() {
      std::error_code e;
      if (remove) fs::remove_all(dir, e);
    }
  } cleanup{dir, temporary};

  config::Config cfg;
  cfg.data_dir = (dir / "data").string();
  if (!write_rule_files(dir, &cfg, err)) return 1;
  auto cluster = kafka::MockCluster::start(
      1, {{"approval.events", 6}, {"approval.alerts", 6}, {"approval.events.dlq", 1}});
  if (!cluster) {
    err << "demo: " << cluster.error().message << '\n';
    return 1;
  }
  cfg.kafka.bootstrap_servers = cluster.value()->bootstrap_servers();
  cfg.kafka.group_id = "approvald-demo";
  // No compaction on the mock cluster, and one instance: no changelog (ADR 0008).
  cfg.kafka.changelog_topic.clear();
  cfg.store.sync = false;
  cfg.store.block_cache_mb = 64;
  cfg.http.listen = o.listen;
  // PUT /api/v1/rules takes a token made for this run only, printed below.
  const std::string token = one_time_token();
  cfg.http.rules_token_file = (dir / "rules.token").string();
  {
    std::ofstream f(cfg.http.rules_token_file, std::ios::trunc);
    f << token << '\n';
    if (!f) {
      err << "demo: cannot write " << cfg.http.rules_token_file << '\n';
      return 1;
    }
  }
  fs::permissions(cfg.http.rules_token_file, fs::perms::owner_read | fs::perms::owner_write);

  const SimClock clock(start->at.time_since_epoch().count(), o.speed);
  sim_options.seed = o.seed;
  sim_options.cases_per_working_day = o.cases_per_working_day;
  sim_options.start_ms = clock();
  generate::Simulation sim(sim_options, bench::shipped_calendar());
  auto producer = kafka::Producer::create(cfg.kafka.bootstrap_servers, {{"linger.ms", "20"}});
  if (!producer) {
    err << "demo: " << producer.error().message << '\n';
    return 1;
  }

  std::atomic<bool> halt{false};      // stops the daemon
  std::atomic<bool> halt_gen{false};  // stops the generator
  std::atomic<std::int64_t> lag{0};
  std::atomic<std::int64_t> consumed{0};
  std::atomic<std::uint64_t> produced{0};
  std::thread generator(
      [&] { generate_events(sim, *producer.value(), clock, halt_gen, lag, produced); });
  // On Ctrl-C or when the duration has passed: stop producing, give the daemon a few seconds to
  // read what was produced (so the closing line can say nothing was lost), then stop it.
  std::thread watch([&] {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(o.duration_s);
    while (!stop && !halt && (o.duration_s == 0 || std::chrono::steady_clock::now() < until)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    halt_gen = true;
    generator.join();
    const auto grace = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!halt && consumed.load() < static_cast<std::int64_t>(produced.load()) &&
           std::chrono::steady_clock::now() < grace) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    halt = true;
  });

  RunHooks hooks;
  hooks.wall_ms = [&clock] { return clock(); };
  hooks.mode = "demo";
  hooks.reload = reload;
  hooks.speed = o.speed;
  hooks.lag = &lag;
  hooks.consumed = &consumed;
  hooks.on_listening = [&](unsigned short port) {
    const double day_s = 86400.0 / o.speed;
    out << "approvald demo: dashboard at http://127.0.0.1:" << port << "/\n"
        << "  simulated time starts " << o.start << " and runs " << o.speed
        << " times real time (a day in " << std::round(day_s * 10) / 10 << " s)\n"
        << "  in-process Kafka cluster " << cfg.kafka.bootstrap_servers << ", store "
        << cfg.data_dir << (temporary ? " (removed at exit)" : "") << '\n'
        << "  rule files under " << dir.string() << ": edit them, then SIGHUP applies them\n"
        << "  PUT /api/v1/rules takes this run's one-time token: Authorization: Bearer " << token
        << '\n'
        << "  Ctrl-C stops"
        << (o.duration_s > 0 ? " (or after " + std::to_string(o.duration_s) + " s)" : "")
        << std::endl;
  };
  const int rc = run(cfg, halt, hooks);
  halt = true;
  watch.join();
  out << "approvald demo: " << produced.load() << " events of " << sim.cases_opened()
      << " cases produced, " << consumed.load() << " consumed\n";
  return rc;
}

}  // namespace approvald::app
