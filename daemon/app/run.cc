#include "app/run.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "app/loop_adapters.h"
#include "app/outbox_adapters.h"
#include "approvald_version.h"
#include "base/log.h"
#include "commit/commit_point.h"
#include "control/health.h"
#include "control/rule_mailbox.h"
#include "control/rule_source.h"
#include "files/loaders.h"
#include "http/server.h"
#include "kafka/kafka.h"
#include "kafka/transactional_producer.h"
#include "loop/loop.h"
#include "loop/store_retry.h"
#include "metrics/metrics.h"
#include "outbox/handover.h"
#include "outbox/relay.h"
#include "pipeline/pipeline.h"
#include "state/case_cache.h"
#include "store/store.h"
#include "web/alert_feed.h"
#include "web/routes.h"

namespace approvald::app {

using control::build_engine;
using control::EngineHolder;
using control::Health;
using control::read_rule_files;
using control::real_ms;
using control::RuleMailbox;
using control::same_sources;
using loop::StoreRetry;
using outbox::Handover;
using outbox::Relay;
using outbox::RelayOptions;
using web::AlertFeed;
using web::ApiContext;
namespace {

// The resident set from /proc/self/statm (pages), 0 where it cannot be read.
std::uint64_t resident_bytes() {
  std::ifstream in("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

std::string diagnostics_text(const rules::Diagnostics& d) {
  std::string s;
  for (const auto& x : d) s += x.str() + "\n";
  return s;
}

}  // namespace

int run(const config::Config& cfg, const std::atomic<bool>& stop, const RunHooks& hooks) {
  // Supervision time (simulated in the demo); intervals, health and audit times use real_ms().
  const auto wall = hooks.wall_ms ? hooks.wall_ms : std::function<std::int64_t()>(real_ms);

  std::error_code ec;
  std::filesystem::create_directories(cfg.data_dir, ec);
  auto opened = store::Store::open(store::StoreOptions{
      .dir = (std::filesystem::path(cfg.data_dir) / "store").string(),
      .block_cache_bytes = static_cast<std::size_t>(cfg.store.block_cache_mb) << 20,
      .write_buffer_bytes = static_cast<std::size_t>(cfg.store.write_buffer_mb) << 20,
      .sync = cfg.store.sync,
      .min_free_bytes = static_cast<std::uint64_t>(cfg.store.min_free_mb) << 20,
      .partitioned_index = cfg.store.partitioned_index,
      .block_cache_shard_bits = cfg.store.block_cache_shard_bits});
  if (!opened) {
    log::error(opened.error().corrupt
                   ? "cannot open the store: the store is damaged; refusing to run on it (restore "
                     "it from a backup or let the changelog rebuild it: docs/operations.md)"
                   : "cannot open the store",
               {{"error", opened.error().message}});
    return 1;
  }
  std::unique_ptr<store::Store> store = opened.take();

  // The rules in force live in the store; the configured files seed it on the first start and
  // are applied again on SIGHUP (docs/operations.md).
  const rules::EngineOptions engine_options{
      static_cast<std::size_t>(cfg.engine.max_events_per_case)};
  auto in_force = store->current_rules();
  if (!in_force) {
    // Seeding over a version that could not be read would silently replace the rules in force.
    log::error("cannot read the rule version in force; refusing to start",
               {{"error", in_force.error().message}});
    return 1;
  }
  std::optional<store::RuleVersion> current = in_force.take();
  if (!current) {
    auto files = read_rule_files(cfg);
    if (auto* d = std::get_if<rules::Diagnostics>(&files)) {
      log::error("the configured rule packs or calendar are invalid",
                 {{"errors", diagnostics_text(*d)}});
      return 1;
    }
    auto v = std::get<store::RuleVersion>(std::move(files));
    v.applied_ms = real_ms();
    v.source = "seeded from the configuration";
    const auto n = store->apply_rules(v);
    if (!n) {
      log::error("cannot store the rules", {{"error", n.error().message}});
      return 1;
    }
    auto seeded = store->current_rules();
    if (!seeded || !seeded.value()) {
      log::error("cannot read back the seeded rule version",
                 {{"error", seeded ? "absent" : seeded.error().message}});
      return 1;
    }
    current = seeded.take();
    // A new store has no case to re-judge.
    if (auto s = store->set_reevaluated_rules(current->number); !s) {
      log::error("cannot store the rules", {{"error", s.error().message}});
      return 1;
    }
  } else if (auto files = read_rule_files(cfg);
             std::holds_alternative<store::RuleVersion>(files) &&
             !same_sources(std::get<store::RuleVersion>(files), *current)) {
    log::warn(
        "the configured rule files differ from the version in force; send SIGHUP to apply them",
        {{"in_force", current->rules_id + " " + current->calendar_id},
         {"version", std::to_string(current->number)}});
  }
  auto built = build_engine(*current, engine_options);
  if (auto* d = std::get_if<rules::Diagnostics>(&built)) {
    log::error("the stored rule version does not load", {{"errors", diagnostics_text(*d)}});
    return 1;
  }
  EngineHolder engines(std::get<0>(built));
  auto engine = engines.get();

  pipeline::Options popts;
  popts.max_future_skew_ms = static_cast<std::int64_t>(cfg.engine.max_future_skew_seconds) * 1000;
  popts.max_event_bytes = static_cast<std::size_t>(cfg.engine.max_event_bytes);
  popts.source_topic = cfg.kafka.events_topic;
  popts.alert_topic = cfg.kafka.alerts_topic;
  popts.dlq_topic = cfg.kafka.dead_letter_topic;
  popts.changelog_topic = cfg.kafka.changelog_topic;
  popts.max_dead_letter_bytes = static_cast<std::size_t>(cfg.outbox.dead_letter_max_bytes);
  // The loop's reads of case states go through memory (docs/adr/0011); other threads read the
  // store.
  state::CaseCache cache(*store, static_cast<std::size_t>(cfg.store.case_cache_mb) << 20);
  pipeline::Pipeline pipe(engine, cache, popts);

  auto producer_r = kafka::Producer::create(cfg.kafka.bootstrap_servers, cfg.kafka.properties);
  if (!producer_r) {
    log::error("cannot create the producer", {{"error", producer_r.error().message}});
    return 1;
  }
  auto producer = producer_r.take();
  // The first alert would otherwise wait for the topic's metadata (about a second).
  for (const auto* topic :
       {&cfg.kafka.alerts_topic, &cfg.kafka.dead_letter_topic, &cfg.kafka.changelog_topic}) {
    if (topic->empty()) continue;
    if (auto s = producer->warm_up(*topic, 5000); !s) {
      log::warn("cannot look up an output topic yet", {{"error", s.error().message}});
    }
  }

  const bool changelog = !cfg.kafka.changelog_topic.empty();
  // Metrics exist before the relay, which counts permanent failures.
  metrics::Metrics metrics(APPROVALD_VERSION_STRING, engine->rules().id(), engine->calendar().id());
  StoreOutboxPorts outbox_store(*store);
  Relay relay(outbox_store, *producer,
              RelayOptions{.max_in_flight = 10000,
                           .changelog_topic = cfg.kafka.changelog_topic,
                           .dlq_topic = cfg.kafka.dead_letter_topic,
                           .stall_after_ms = std::int64_t{cfg.outbox.stall_seconds} * 1000,
                           .now_ms = real_ms,
                           .on_permanent = [&metrics](const std::string& t, const std::string& r) {
                             metrics.relay_permanent_failure(t, r);
                           }});
  std::unique_ptr<kafka::PartitionReader> reader;
  std::optional<ChangelogReaderPort> reader_port;
  if (changelog) {
    auto r = kafka::PartitionReader::create(cfg.kafka.bootstrap_servers, cfg.kafka.properties);
    if (!r) {
      log::error("cannot create the changelog reader", {{"error", r.error().message}});
      return 1;
    }
    reader = r.take();
    reader_port.emplace(*reader);
  }
  std::optional<Handover> handover;
  if (changelog) {
    handover.emplace(outbox_store, pipe, relay, *reader_port, cfg.kafka.changelog_topic,
                     cfg.kafka.exactly_once);
  }
  Health health;
  health.loop_ms = real_ms();
  StoreRetry retry(
      health, metrics, stop, cache,
      [](std::chrono::milliseconds ms) { std::this_thread::sleep_for(ms); }, real_ms);
  StoreLoopPorts store_ports(*store);
  RelayLoopPort relay_port(relay, *producer);
  // Exactly-once (docs/adr/0013): one transactional producer for the instance, its id the
  // instance's across restarts so that a restart fences its former self; each commit is a
  // transaction carrying the input offsets under the live consumer's group identity.
  kafka::Consumer* live_consumer = nullptr;  // kept by the consumer's port
  std::unique_ptr<kafka::TransactionalProducer> txn_producer;
  std::optional<commit::CommitPoint> commit_point;
  if (cfg.kafka.exactly_once) {
    if (cfg.kafka.instance_id.empty()) {
      log::error(
          "kafka.exactly_once needs kafka.instance_id (or APPROVALD_INSTANCE_ID): the "
          "transactional id must stay the instance's across restarts");
      return 1;
    }
    auto made = kafka::TransactionalProducer::create(
        {.bootstrap_servers = cfg.kafka.bootstrap_servers,
         .transactional_id = "approvald-" + cfg.kafka.group_id + "-" + cfg.kafka.instance_id,
         .input_topic = cfg.kafka.events_topic,
         .properties = cfg.kafka.properties},
        [&] {
          return live_consumer != nullptr ? live_consumer->group_metadata()
                                          : kafka::GroupMetadata::for_group(cfg.kafka.group_id);
        });
    if (!made) {
      log::error("cannot create the transactional producer", {{"error", made.error().message}});
      return 1;
    }
    txn_producer = made.take();
    // For the fault tests only (tests/faults/exactly_once.sh): die right after the N-th
    // transaction committed, before the store learns it — the one moment a crash leaves the
    // store behind the broker.
    const char* crash_env = std::getenv("APPROVALD_TEST_CRASH_AFTER_COMMITS");
    const long crash_after = crash_env != nullptr ? std::strtol(crash_env, nullptr, 10) : 0;
    commit_point.emplace(
        *txn_producer,
        [&, crash_after, committed = 0L](const ports::WriteSet& w) mutable {
          if (crash_after > 0 && ++committed == crash_after) _exit(137);
          return retry.commit(store_ports, w);
        },
        [](std::chrono::milliseconds ms) { std::this_thread::sleep_for(ms); }, stop,
        commit::CommitOptions{.dead_letter_topic = cfg.kafka.dead_letter_topic,
                              .real_ms = real_ms});
  }
  // Whose outbox the relay delivers. With the changelog: only partitions assigned now (another
  // owner's would otherwise reach the topics after it). Without: every partition this store has
  // held, as one instance owns them all.
  std::set<std::int32_t> relay_partitions;
  bool first_assignment = true;
  bool fatal = false;  // a partition could not be taken over: stop before consuming anything
  kafka::ConsumerConfig cc{cfg.kafka.bootstrap_servers,   cfg.kafka.group_id,
                           cfg.kafka.instance_id,         cfg.kafka.events_topic,
                           cfg.kafka.assignment_strategy, cfg.kafka.properties};
  const kafka::Consumer::AssignFn on_assign = [&](const std::vector<std::int32_t>& ps) {
    std::map<std::int32_t, std::int64_t> offsets;
    // The hand-over may rebuild or drop a partition in the store directly: start it cold.
    for (std::int32_t p : ps) cache.forget(p);
    if (handover && first_assignment) {
      const std::set<std::int32_t> mine(ps.begin(), ps.end());
      const auto held = retry.read([&] { return store->marks(); }, "cannot read the marks");
      for (const auto& [p, m] : held.value_or(std::map<std::int32_t, ports::PartitionMark>{})) {
        if (mine.count(p) == 0) {
          handover->disown(p);
          cache.forget(p);
        }
      }
    }
    first_assignment = false;
    for (std::int32_t p : ps) {
      std::optional<ports::PartitionMark> m;
      if (handover) {
        auto taken = handover->assign(p);
        if (!taken) {
          log::error("cannot take over a partition from the changelog; stopping",
                     {{"partition", std::to_string(p)}, {"error", taken.error().message}});
          fatal = true;
          continue;
        }
        m = taken.value();
      } else {
        auto read = retry.read([&] { return store->mark(p); }, "cannot read a partition mark");
        if (!read) {  // stopping, or the store is damaged
          fatal = fatal || retry.damaged();
          continue;
        }
        m = *read;
        pipe.assign(p, m);
      }
      relay_partitions.insert(p);
      if (m) offsets[p] = m->next_offset;
      log::info("partition assigned",
                {{"partition", std::to_string(p)},
                 {"from_offset", m ? std::to_string(m->next_offset) : "beginning"}});
    }
    return offsets;
  };
  const kafka::Consumer::RevokeFn on_revoke = [&](const std::vector<std::int32_t>& ps, bool lost) {
    for (std::int32_t p : ps) {
      // At shutdown the outbox was drained already, and what is left stays: a static member
      // keeps its partitions, and a different assignment at the next start is handled then.
      if (handover && !stop) {
        // A lost partition is not waited for: another member may own it already, and the broker
        // is likely away (a drain of up to 10 s per partition inside this callback kept the
        // consumer from rejoining after an outage). Whatever is undelivered is dropped with the
        // local state, as after a drain that timed out (ADR 0007).
        handover->revoke(p, lost ? 0 : 10000);
        relay_partitions.erase(p);
      }
      pipe.revoke(p);
      cache.forget(p);
      log::info(lost ? "partition lost" : "partition revoked", {{"partition", std::to_string(p)}});
    }
  };
  // The first consumer, and each replacement the loop makes of one that failed.
  const loop::ConsumerFactory make_consumer = [&]() -> Result<std::unique_ptr<loop::ConsumerPort>> {
    auto c = kafka::Consumer::create(cc, on_assign, on_revoke);
    if (!c) return c.error();
    return std::unique_ptr<loop::ConsumerPort>(
        std::make_unique<KafkaConsumerPort>(c.take(), &live_consumer));
  };
  auto consumer_r = make_consumer();
  if (!consumer_r) {
    log::error("cannot create the consumer", {{"error", consumer_r.error().message}});
    return 1;
  }

  RuleMailbox mailbox;  // before the server: PUT /api/v1/rules waits on it
  AlertFeed feed;
  // The dashboard's hourly counts start from what the alert index holds.
  const std::int64_t seeded_at = wall();
  if (auto seeded =
          store->for_each_alert([&](const ports::AlertIndexEntry& e) { feed.seed(e, seeded_at); });
      !seeded) {
    // Only the dashboard's hourly counts start short; supervision itself is unaffected.
    metrics.store_error("read");
    log::error("cannot read the alert index; the dashboard's hourly counts start incomplete",
               {{"error", seeded.error().message}});
  }
  const ApiContext api{*store,
                       engines,
                       metrics,
                       health,
                       mailbox,
                       wall,
                       cfg.http.rules_token_file,
                       engine_options,
                       std::chrono::milliseconds(30000),
                       &feed,
                       hooks.mode,
                       hooks.speed,
                       cfg.http.access_tokens_file};
  auto server = http::Server::start(
      cfg.http.listen, [&api](const http::Request& r) { return web::route(api, r); },
      web::server_options(cfg.http));
  if (!server) {
    log::error("cannot start the HTTP server", {{"error", server.error().message}});
    return 1;
  }
  log::info("approvald running", {{"bootstrap_servers", cfg.kafka.bootstrap_servers},
                                  {"rules", engine->rules().id()},
                                  {"calendar", engine->calendar().id()},
                                  {"data_dir", cfg.data_dir},
                                  {"http_port", std::to_string(server.value()->port())}});
  if (hooks.on_listening) hooks.on_listening(server.value()->port());

  // Outbox depth: counted once at start, then kept by adding what commits write and subtracting
  // what the broker acknowledged (a count scan per turn would wade through deleted entries).
  std::size_t outbox_depth = 0;
  {
    auto held = store->marks();
    if (!held) {
      log::error("cannot read the partition marks; refusing to start",
                 {{"error", held.error().message}});
      return 1;
    }
    for (const auto& [p, m] : held.value()) {
      auto n = store->outbox_count(p);
      if (!n) {
        log::error("cannot read the outbox; refusing to start", {{"error", n.error().message}});
        return 1;
      }
      outbox_depth += n.value();
      if (!changelog) relay_partitions.insert(p);  // one instance: all it holds is its to deliver
    }
  }
  loop::Loop loop(
      loop::LoopPorts{.pipeline = pipe,
                      .retry = retry,
                      .store = store_ports,
                      .timers = store_ports,
                      .gauges = store_ports,
                      .cases = store_ports,
                      .relay = relay_port,
                      .relay_partitions = relay_partitions,
                      .health = health,
                      .metrics = metrics,
                      .clocks = {.supervision_ms = wall, .real_ms = real_ms},
                      .consumer = consumer_r.take(),
                      .make_consumer = make_consumer,
                      .assignment_failed = [&fatal] { return fatal; },
                      .published = [&feed](const std::vector<ports::AlertIndexEntry>& alerts,
                                           std::int64_t now) { feed.publish(alerts, now); },
                      .resident_bytes = resident_bytes,
                      .transactions = commit_point ? &*commit_point : nullptr},
      loop::LoopOptions{.poll_batch = static_cast<std::size_t>(cfg.kafka.poll_batch),
                        .poll_timeout_ms = cfg.kafka.poll_timeout_ms,
                        .max_pending = static_cast<std::size_t>(cfg.outbox.max_pending),
                        .changelog = changelog,
                        .speed = hooks.speed,
                        .lag = hooks.lag,
                        .consumed = hooks.consumed},
      outbox_depth);
  {
    // A version applied while stopped (`approvald rules apply`), or a re-evaluation that a stop or
    // crash cut short: the open cases are re-judged from the first turn on.
    const auto rejudged = store->reevaluated_rules();
    if (!rejudged) {
      log::error("cannot read which rule version the cases were judged under; refusing to start",
                 {{"error", rejudged.error().message}});
      return 1;
    }
    if (rejudged.value().value_or(0) != current->number) {
      log::info(
          "the open cases are re-judged under the rule version in force",
          {{"version", std::to_string(current->number)},
           {"judged_under", rejudged.value() ? std::to_string(*rejudged.value()) : "unknown"}});
      loop.reevaluate(current->number);
    }
  }
  // Makes a validated version the one in force: stored and switched between batches; every open
  // case is then re-judged under it, a slice per turn (a calendar change moves due dates).
  auto apply_version = [&](store::RuleVersion v) -> Result<std::uint64_t> {
    auto next = build_engine(v, engine_options);
    if (auto* d = std::get_if<rules::Diagnostics>(&next)) return Error{diagnostics_text(*d)};
    v.applied_ms = real_ms();
    auto n = store->apply_rules(v);
    if (!n) return n.error();
    engine = std::get<0>(next);
    engines.set(engine);
    pipe.set_engine(engine);
    metrics.rules(engine->rules().id(), engine->calendar().id());
    log::info("rules applied", {{"version", std::to_string(n.value())},
                                {"source", v.source},
                                {"rules", engine->rules().id()},
                                {"calendar", engine->calendar().id()}});
    loop.reevaluate(n.value());
    return n;
  };
  // SIGHUP: the configured rule files, as a new version if they changed and are valid.
  auto reload = [&] {
    auto files = read_rule_files(cfg);
    if (auto* d = std::get_if<rules::Diagnostics>(&files)) {
      log::error(
          "reload refused: the rule packs or calendar are invalid; the running version stays",
          {{"errors", diagnostics_text(*d)}});
      return;
    }
    auto v = std::get<store::RuleVersion>(std::move(files));
    const auto stored = store->current_rules();
    if (!stored || !stored.value()) {
      metrics.store_error("read");
      log::error("reload refused: cannot read the rule version in force; the running rules stay",
                 {{"error", stored ? "absent" : stored.error().message}});
      return;
    }
    if (same_sources(v, *stored.value())) {
      log::info("reload: the rule files are unchanged");
      return;
    }
    v.source = "SIGHUP";
    if (const auto n = apply_version(std::move(v)); !n) {
      log::error("reload refused; the running version stays", {{"error", n.error().message}});
    }
  };

  // Rule versions switch between batches: SIGHUP and PUT /api/v1/rules.
  const auto between_batches = [&] {
    if (hooks.reload != nullptr && hooks.reload->exchange(false)) reload();
    while (auto put = mailbox.take())
      put->outcome.set_value(apply_version(std::move(put->version)));
  };
  loop::TurnEnd end = loop::TurnEnd::kGoOn;
  while (!stop && end == loop::TurnEnd::kGoOn) end = loop.turn(between_batches);

  log::info("stopping: delivering pending alerts and leaving the group");
  feed.close();
  server.value()->stop();
  // A damaged store gets no further write, not even the last checkpoints.
  const bool damaged = end == loop::TurnEnd::kStoreDamaged || retry.damaged();
  // A replacement consumer that could not be made is a failure too (systemd restarts us).
  fatal = fatal || damaged || end == loop::TurnEnd::kNoConsumer ||
          end == loop::TurnEnd::kTransactionFailed;
  // With transactions every commit carried its checkpoints, and the store has no outbox.
  if (changelog && !damaged && !commit_point) {
    // A last checkpoint releases the alerts that wait for one, and a restart starts here.
    const ports::WriteSet checkpoints = loop.checkpoints();
    if (!checkpoints.empty() && !store->commit(checkpoints)) {
      log::error("cannot write the final checkpoints");
    }
  }
  relay.drain(10000, relay_partitions);
  if (auto* consumer = loop.consumer()) consumer->close();
  producer->flush(5000);
  log::info("stopped");
  return fatal ? 1 : 0;
}

}  // namespace approvald::app
