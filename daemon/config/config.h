// The daemon's configuration: one YAML file (every key documented in config/approvald.yaml),
// then environment variables, then command-line flags. Every error is reported at once with its
// key path; a bad file is refused as a whole.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "rules/diagnostic.h"

namespace approvald::config {

struct Config {
  std::string data_dir = "/var/lib/approvald";
  struct Kafka {
    std::string bootstrap_servers = "127.0.0.1:9092";
    std::string group_id = "approvald";
    std::string instance_id;  // empty: dynamic membership
    std::string assignment_strategy = "range";
    std::string events_topic = "approval.events";
    std::string alerts_topic = "approval.alerts";
    std::string dead_letter_topic = "approval.events.dlq";
    // Compacted, as many partitions as the events topic; empty: no changelog, so a partition
    // that moves to another instance does not bring its state (run one instance only).
    std::string changelog_topic = "approval.changelog";
    int poll_batch = 2000;
    int poll_timeout_ms = 100;
    // Commits as Kafka transactions instead of the RocksDB outbox (docs/adr/0013; off while it is
    // being built). Needs the changelog and a static instance id (the transactional id's root).
    bool exactly_once = false;
    std::map<std::string, std::string> properties;
  } kafka;
  struct Rules {
    std::vector<std::string> packs;
    std::string calendar;
  } rules;
  struct Engine {
    int max_events_per_case = 1000;
    int max_future_skew_seconds = 300;
    int max_event_bytes = 65536;
  } engine;
  struct Store {
    int block_cache_mb = 128;
    int write_buffer_mb = 64;
    bool sync = true;
    int min_free_mb = 128;  // below this much free disk, commits wait (never a full disk)
    int case_cache_mb = 0;  // case states held in memory by the loop (0: none; ADR 0011)
    // 4 shards and two-level table indexes: the one-block indexes of 1.7-6.3 MiB did not fit a
    // 2 MiB shard and were re-read on every cold read (docs/performance.md, issue 10 step 6).
    int block_cache_shard_bits = 2;  // 2^n shards of the block cache; -1: RocksDB's choice
    bool partitioned_index = true;   // table files with a two-level index (StoreOptions)
  } store;
  struct Outbox {
    int max_pending = 100000;  // undelivered messages before the consumer pauses
    int stall_seconds = 60;    // an outbox head waiting longer: stalled (metric, log, /readyz)
    // A dead letter's payload above this many bytes is replaced by its first KiB and digest.
    int dead_letter_max_bytes = 256 * 1024;
  } outbox;
  struct Http {
    std::string listen = "127.0.0.1:8080";
    // A file holding the bearer token for PUT /api/v1/rules; empty disables the endpoint.
    std::string rules_token_file;
    // A file of `ROLE TOKEN` lines (viewer, operator), read on each request; when set, the
    // dashboard and the API need a viewer token and PUT /api/v1/rules accepts operator tokens.
    std::string access_tokens_file;
    std::vector<std::string> allowed_hosts;  // Host names served besides the loopback ones
    std::vector<std::string> cors_origins;   // origins given CORS headers on reads
    int max_connections = 256;
    int ops_reserve = 16;
    int max_streams_per_client = 8;
    int header_timeout_ms = 10000;
    int body_timeout_ms = 30000;
    int idle_timeout_ms = 30000;
  } http;
};

// Parses a configuration file's text. Relative paths (packs, calendar, data_dir) are resolved
// against `base_dir`, the directory of the file.
std::variant<Config, rules::Diagnostics> parse(std::string_view yaml, const std::string& file_name,
                                               const std::string& base_dir);

// Applies APPROVALD_* environment variables (see docs/operations.md); `getenv` is injected.
void apply_environment(Config& c, const std::function<const char*(const char*)>& getenv);

}  // namespace approvald::config
