// approvald: real-time electronic supervision of administrative approvals.
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "app/demo.h"
#include "app/run.h"
#include "approvald_version.h"
#include "cli/commands.h"
#include "cli/usage.h"
#include "config/check.h"
#include "config/config.h"
#include "files/loaders.h"

namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};

void on_signal(int sig) {
  if (sig == SIGHUP) {
    g_reload = true;
  } else {
    g_stop = true;
  }
}

// Loads the configuration file, then the environment, then flags; prints every error.
std::optional<approvald::config::Config> load_config(const std::string& file) {
  std::string why;
  const auto text = approvald::files::read_file(file, &why);
  if (!text) {
    std::cerr << file << ": " << why << '\n';
    return std::nullopt;
  }
  const auto base = std::filesystem::absolute(file).parent_path().string();
  auto parsed = approvald::config::parse(*text, file, base);
  if (auto* d = std::get_if<rules::Diagnostics>(&parsed)) {
    approvald::files::print(*d, std::cerr);
    return std::nullopt;
  }
  auto c = std::get<approvald::config::Config>(std::move(parsed));
  approvald::config::apply_environment(c, [](const char* n) { return std::getenv(n); });
  return c;
}

// An --http-listen value checked as the server will bind it, before anything starts.
CLI::Validator listen_address() {
  return {[](std::string& s) { return approvald::config::listen_problem(s).value_or(""); }, ""};
}

}  // namespace

#ifdef APPROVALD_JEMALLOC
// jemalloc's settings, read at its start; MALLOC_CONF in the environment still overrides them.
// Two arenas and quick return of freed pages kept the peak resident set with 1M open cases at
// 416 MiB, against 517 MiB with jemalloc's defaults (eight arenas on two cores, ten-second
// decay) and 427 MiB with glibc's allocator (docs/performance.md, ADR 0011).
extern "C" {
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): jemalloc's interface
const char* malloc_conf = "narenas:2,dirty_decay_ms:1000,muzzy_decay_ms:0";
}
#endif

int main(int argc, char** argv) {
  // glibc gives each thread that allocates its own arena (up to 8 per core); librdkafka's,
  // RocksDB's and the HTTP server's threads then keep freed memory apart, and the peak resident set
  // grew with the open cases (443 → 539 MiB from 100k to 1M). Two arenas keep it flat (391 → 427
  // MiB; docs/performance.md). An operator's MALLOC_ARENA_MAX still wins.
  // With jemalloc (the default build, ADR 0011) glibc's malloc is not used at all.
#ifndef APPROVALD_JEMALLOC
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
#endif
  CLI::App app{"approvald - electronic supervision of administrative approvals (行政审批电子监察)",
               "approvald"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("approvald ") + APPROVALD_VERSION_STRING);
  using approvald::cli::number_at_least;
  using approvald::cli::whole_number;

  auto* rules_cmd = app.add_subcommand("rules", "Validate and test rule packs and calendars");
  rules_cmd->require_subcommand(1);
  std::vector<std::string> check_paths, test_files;
  auto* check = rules_cmd->add_subcommand("check", "Validate packs, calendars and rule test files");
  check->add_option("paths", check_paths, "Pack directories or YAML files")->required();
  auto* test = rules_cmd->add_subcommand("test", "Run rule unit tests");
  test->add_option("files", test_files, "Rule test files or directories of them")->required();

  std::string list_dir, apply_dir, apply_calendar;
  std::vector<std::string> apply_packs;
  auto* list = rules_cmd->add_subcommand("list", "Rule versions in a data directory, with history");
  list->add_option("--data-dir", list_dir, "The daemon's data_dir")->required();
  auto* apply =
      rules_cmd->add_subcommand("apply", "Validate and store a new rule version (daemon stopped)");
  apply->add_option("--data-dir", apply_dir, "The daemon's data_dir")->required();
  apply->add_option("--pack", apply_packs, "Rule pack directory (repeatable)")->required();
  apply->add_option("--calendar", apply_calendar, "Calendar YAML file")->required();

  approvald::cli::ReplayOptions ro;
  auto* replay = app.add_subcommand("replay", "Audit an event log offline, in event time");
  replay->add_option("--pack", ro.packs, "Rule pack directory (repeatable)")->required();
  replay->add_option("--calendar", ro.calendar, "Calendar YAML file")->required();
  replay->add_option("--until", ro.until, "Advance the clock to this RFC 3339 time at the end");
  replay->add_option("events", ro.input, "JSONL event log, or - for standard input");

  approvald::cli::ExplainOptions eo;
  auto* explain = app.add_subcommand("explain", "Show the clock arithmetic of one case");
  explain->add_option("--pack", eo.packs, "Rule pack directory (repeatable)")->required();
  explain->add_option("--calendar", eo.calendar, "Calendar YAML file")->required();
  explain->add_option("--case", eo.case_id, "Case id")->required();
  explain->add_option("--at", eo.at, "Evaluate at this RFC 3339 time (default: the last event)");
  explain->add_option("events", eo.input, "JSONL event log, or - for standard input");

  std::string config_file, data_dir, bootstrap, http_listen;
  auto* run = app.add_subcommand("run", "Run the daemon: Kafka in, RocksDB state, alerts out");
  run->add_option("--config", config_file, "Configuration file (see config/approvald.yaml)")
      ->required();
  run->add_option("--data-dir", data_dir, "Overrides data_dir");
  run->add_option("--bootstrap-servers", bootstrap, "Overrides kafka.bootstrap_servers");
  run->add_option("--http-listen", http_listen, "Overrides http.listen")->check(listen_address());

  std::string checked_config;
  auto* config_cmd = app.add_subcommand("config", "Work with the configuration file");
  config_cmd->require_subcommand(1);
  auto* config_check = config_cmd->add_subcommand("check", "Validate a configuration file");
  config_check->add_option("file", checked_config, "Configuration file")->required();

  std::string dump_dir;
  auto* store_cmd = app.add_subcommand("store", "Inspect the daemon's store");
  store_cmd->require_subcommand(1);
  auto* dump = store_cmd->add_subcommand("dump", "Print every case state, canonically");
  dump->add_option("--data-dir", dump_dir, "The daemon's data_dir")->required();
  bool marks_only = false;
  dump->add_flag("--marks", marks_only, "Only each partition's next input offset");
  bool tallies_only = false;
  dump->add_flag("--tallies", tallies_only,
                 "Only the open, paused and overdue case counts per partition and agency")
      ->excludes("--marks");

  approvald::cli::GenerateOptions go;
  auto* gen = app.add_subcommand(
      "generate", "Synthetic approval events from a simulated service centre, as JSON lines");
  gen->add_option("--cases", go.cases, "How many cases (about 4.3 events each)")
      ->check(whole_number());
  gen->add_option("--seed", go.seed, "Seed: the same seed gives the same events")
      ->check(whole_number());
  gen->add_flag("--keyed", go.keyed, "Prefix each line with its case id and a tab (kcat -K)");
  gen->add_flag("--open", go.open_only, "Only receipt and acceptance: every case stays open");
  gen->add_option("--violation", go.violations,
                  "NAME=PERCENT: the share of cases with this violation (repeatable; names: "
                  "late_acceptance, repeated_correction, missing_reason, broken_promise, "
                  "late_decision, abandoned, unapproved_extension, late_certificate, "
                  "fee_on_free_item, decision_without_acceptance, out_of_band_penalty)");
  gen->add_option("--produce", go.bootstrap_servers,
                  "Produce to this broker (host:port) instead of writing JSON lines");
  gen->add_option("--topic", go.topic, "Topic to produce to")->capture_default_str();
  gen->add_option("--rate", go.rate, "Events per second when producing (0: as fast as possible)")
      ->check(number_at_least(0));

  approvald::app::DemoOptions demo_options;
  auto* demo = app.add_subcommand(
      "demo",
      "The whole product with no broker: in-process Kafka, simulated agencies on an "
      "accelerated clock, the daemon and its dashboard");
  demo->add_option("--speed", demo_options.speed,
                   "Simulated seconds per real second (20000: a working day in about 4 s)")
      ->capture_default_str()
      ->check(number_at_least(1));
  demo->add_option("--duration", demo_options.duration_s,
                   "Stop after this many seconds (0: Ctrl-C)")
      ->check(whole_number(INT32_MAX));
  demo->add_option("--http-listen", demo_options.listen, "Where the dashboard is served")
      ->capture_default_str()
      ->check(listen_address());
  demo->add_option("--seed", demo_options.seed, "Seed of the simulation")->check(whole_number());
  demo->add_option("--cases-per-day", demo_options.cases_per_working_day,
                   "Applications per working day, all agencies together")
      ->capture_default_str()
      ->check(number_at_least(0));
  demo->add_option("--start", demo_options.start, "Simulated time at the start (RFC 3339)")
      ->capture_default_str();
  demo->add_option("--violation", demo_options.violations,
                   "NAME=PERCENT, as for generate (repeatable)");
  demo->add_option("--data-dir", demo_options.data_dir,
                   "Keep the store here (must be empty; default: a temporary directory)");

  if (const auto rc = approvald::cli::parse_command_line(app, argc, argv, std::cout, std::cerr)) {
    return *rc;
  }

  if (dump->parsed()) {
    using approvald::cli::DumpWhat;
    const DumpWhat what = marks_only     ? DumpWhat::kMarks
                          : tallies_only ? DumpWhat::kTallies
                                         : DumpWhat::kCases;
    return approvald::cli::dump_store(dump_dir, what, std::cout, std::cerr);
  }
  if (gen->parsed()) return approvald::cli::generate(go, std::cout, std::cerr);
  if (demo->parsed()) {
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    std::signal(SIGHUP, on_signal);  // as for run: apply the rule files (in the demo's directory)
    return approvald::app::demo(demo_options, g_stop, std::cout, std::cerr, &g_reload);
  }

  if (list->parsed()) return approvald::cli::list_rules(list_dir, std::cout, std::cerr);
  if (apply->parsed()) {
    return approvald::cli::apply_rules(apply_dir, apply_packs, apply_calendar, std::cout,
                                       std::cerr);
  }
  if (check->parsed()) return approvald::cli::rules_check(check_paths, std::cout, std::cerr);
  if (test->parsed()) return approvald::cli::rules_test(test_files, std::cout, std::cerr);
  if (replay->parsed()) return approvald::cli::replay(ro, std::cin, std::cout, std::cerr);
  if (explain->parsed()) return approvald::cli::explain(eo, std::cin, std::cout, std::cerr);
  if (config_check->parsed()) {
    const auto c = load_config(checked_config);
    if (!c) return 1;
    return approvald::cli::check_config(checked_config, *c, std::cout, std::cerr);
  }
  if (run->parsed()) {
    auto c = load_config(config_file);
    if (!c) return 1;
    if (!data_dir.empty()) c->data_dir = data_dir;
    if (!bootstrap.empty()) c->kafka.bootstrap_servers = bootstrap;
    if (!http_listen.empty()) c->http.listen = http_listen;
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    std::signal(SIGHUP, on_signal);
    approvald::app::RunHooks hooks;
    hooks.reload = &g_reload;
    return approvald::app::run(*c, g_stop, hooks);
  }
  return approvald::cli::kUsageError;  // unreachable: every command is handled above
}
