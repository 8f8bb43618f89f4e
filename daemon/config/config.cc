#include "config/config.h"

#include <filesystem>
#include <set>

#include "rules/echo.h"
#include "rules/yaml_reader.h"

namespace approvald::config {
namespace {

using rules::detail::path;
using rules::detail::YamlReader;

std::string resolve(const std::string& base, const std::string& p) {
  if (p.empty() || std::filesystem::path(p).is_absolute()) return p;
  return (std::filesystem::path(base) / p).lexically_normal().string();
}

void read_int(YamlReader& r, const YAML::Node& map, const char* key, const std::string& where,
              std::int64_t min, std::int64_t max, int* out) {
  if (auto v = r.integer(map, key, where, false, min, max)) *out = static_cast<int>(*v);
}

void read_string(YamlReader& r, const YAML::Node& map, const char* key, const std::string& where,
                 std::string* out) {
  if (auto v = r.string(map, key, where, false)) {
    if (v->empty()) {
      r.error(map[key], path(where, key) + ": must not be empty");
    } else {
      *out = *v;
    }
  }
}

}  // namespace

std::variant<Config, rules::Diagnostics> parse(std::string_view text, const std::string& file,
                                               const std::string& base) {
  rules::Diagnostics diags;
  YamlReader r(file, &diags);
  Config c;
  const auto doc = r.parse(text);
  if (!doc) return diags;
  const YAML::Node& root = *doc;
  if (!r.expect_map(root, "configuration")) return diags;
  r.check_keys(root, {"data_dir", "kafka", "rules", "engine", "store", "outbox", "http"}, "");
  read_string(r, root, "data_dir", "", &c.data_dir);
  c.data_dir = resolve(base, c.data_dir);

  if (const YAML::Node k = root["kafka"]; k.IsDefined() && r.expect_map(k, "kafka")) {
    r.check_keys(k,
                 {"bootstrap_servers", "group_id", "instance_id", "assignment_strategy", "topics",
                  "poll_batch", "poll_timeout_ms", "properties", "exactly_once"},
                 "kafka");
    read_string(r, k, "bootstrap_servers", "kafka", &c.kafka.bootstrap_servers);
    read_string(r, k, "group_id", "kafka", &c.kafka.group_id);
    read_string(r, k, "instance_id", "kafka", &c.kafka.instance_id);
    read_string(r, k, "assignment_strategy", "kafka", &c.kafka.assignment_strategy);
    static const std::set<std::string> kStrategies = {"range", "roundrobin", "cooperative-sticky"};
    if (kStrategies.count(c.kafka.assignment_strategy) == 0) {
      r.error(k["assignment_strategy"],
              "kafka.assignment_strategy: " + rules::quoted(c.kafka.assignment_strategy) +
                  " is not range, roundrobin or cooperative-sticky");
    }
    if (const YAML::Node t = k["topics"]; t.IsDefined() && r.expect_map(t, "kafka.topics")) {
      r.check_keys(t, {"events", "alerts", "dead_letters", "changelog"}, "kafka.topics");
      read_string(r, t, "events", "kafka.topics", &c.kafka.events_topic);
      read_string(r, t, "alerts", "kafka.topics", &c.kafka.alerts_topic);
      read_string(r, t, "dead_letters", "kafka.topics", &c.kafka.dead_letter_topic);
      // Empty is allowed here: no changelog (one instance only; docs/adr/0007).
      if (t["changelog"].IsDefined()) {
        c.kafka.changelog_topic = r.string(t, "changelog", "kafka.topics", false).value_or("");
      }
    }
    if (k["exactly_once"].IsDefined()) {
      c.kafka.exactly_once = r.boolean(k["exactly_once"], "kafka.exactly_once").value_or(false);
      // The changelog is what a restart or a new owner restores from (docs/adr/0013).
      if (c.kafka.exactly_once && c.kafka.changelog_topic.empty())
        r.error(k["exactly_once"], "kafka.exactly_once: needs kafka.topics.changelog");
    }
    read_int(r, k, "poll_batch", "kafka", 1, 100000, &c.kafka.poll_batch);
    read_int(r, k, "poll_timeout_ms", "kafka", 1, 10000, &c.kafka.poll_timeout_ms);
    if (const YAML::Node p = k["properties"];
        p.IsDefined() && r.expect_map(p, "kafka.properties")) {
      for (const auto& kv : p) {
        if (!kv.second.IsScalar()) {
          r.error(kv.second,
                  "kafka.properties." + rules::echo(kv.first.Scalar()) + ": must be a plain value");
        } else {
          c.kafka.properties[kv.first.Scalar()] = kv.second.Scalar();
        }
      }
    }
  }
  if (const YAML::Node ru = root["rules"]; !ru.IsDefined()) {
    r.error(root, "rules: required (packs and calendar)");
  } else if (r.expect_map(ru, "rules")) {
    r.check_keys(ru, {"packs", "calendar"}, "rules");
    const YAML::Node packs = ru["packs"];
    if (!packs.IsDefined()) {
      r.error(ru, "rules.packs: required");
    } else if (r.expect_sequence(packs, "rules.packs")) {
      for (std::size_t i = 0; i < packs.size(); ++i) {
        if (packs[i].IsScalar()) {
          c.rules.packs.push_back(resolve(base, packs[i].Scalar()));
        } else {
          r.error(packs[i], rules::detail::index_path("rules.packs", i) + ": must be a path");
        }
      }
      if (packs.size() == 0) r.error(packs, "rules.packs: name at least one pack");
    }
    c.rules.calendar = resolve(base, r.string(ru, "calendar", "rules", true).value_or(""));
  }
  if (const YAML::Node e = root["engine"]; e.IsDefined() && r.expect_map(e, "engine")) {
    r.check_keys(e, {"max_events_per_case", "max_future_skew_seconds", "max_event_bytes"},
                 "engine");
    read_int(r, e, "max_event_bytes", "engine", 1024, 1 << 24, &c.engine.max_event_bytes);
    read_int(r, e, "max_events_per_case", "engine", 1, 1000000, &c.engine.max_events_per_case);
    read_int(r, e, "max_future_skew_seconds", "engine", 0, 86400,
             &c.engine.max_future_skew_seconds);
  }
  if (const YAML::Node s = root["store"]; s.IsDefined() && r.expect_map(s, "store")) {
    r.check_keys(s,
                 {"block_cache_mb", "write_buffer_mb", "sync", "min_free_mb", "case_cache_mb",
                  "block_cache_shard_bits", "partitioned_index"},
                 "store");
    read_int(r, s, "block_cache_mb", "store", 8, 1 << 20, &c.store.block_cache_mb);
    read_int(r, s, "write_buffer_mb", "store", 4, 1 << 20, &c.store.write_buffer_mb);
    read_int(r, s, "min_free_mb", "store", 0, 1 << 20, &c.store.min_free_mb);
    read_int(r, s, "case_cache_mb", "store", 0, 1 << 20, &c.store.case_cache_mb);
    read_int(r, s, "block_cache_shard_bits", "store", -1, 8, &c.store.block_cache_shard_bits);
    if (s["partitioned_index"].IsDefined())
      c.store.partitioned_index =
          r.boolean(s["partitioned_index"], "store.partitioned_index").value_or(false);
    if (s["sync"].IsDefined()) c.store.sync = r.boolean(s["sync"], "store.sync").value_or(true);
  }
  if (const YAML::Node o = root["outbox"]; o.IsDefined() && r.expect_map(o, "outbox")) {
    r.check_keys(o, {"max_pending", "stall_seconds", "dead_letter_max_bytes"}, "outbox");
    read_int(r, o, "max_pending", "outbox", 100, 100000000, &c.outbox.max_pending);
    read_int(r, o, "stall_seconds", "outbox", 1, 86400, &c.outbox.stall_seconds);
    read_int(r, o, "dead_letter_max_bytes", "outbox", 4096, 64 << 20,
             &c.outbox.dead_letter_max_bytes);
  }
  if (const YAML::Node h = root["http"]; h.IsDefined() && r.expect_map(h, "http")) {
    r.check_keys(h,
                 {"listen", "rules_token_file", "access_tokens_file", "allowed_hosts",
                  "cors_origins", "max_connections", "ops_reserve", "max_streams_per_client",
                  "header_timeout_ms", "body_timeout_ms", "idle_timeout_ms"},
                 "http");
    read_string(r, h, "listen", "http", &c.http.listen);
    read_string(r, h, "rules_token_file", "http", &c.http.rules_token_file);
    c.http.rules_token_file = resolve(base, c.http.rules_token_file);
    read_string(r, h, "access_tokens_file", "http", &c.http.access_tokens_file);
    c.http.access_tokens_file = resolve(base, c.http.access_tokens_file);
    auto names = [&](const char* key, std::vector<std::string>* out) {
      const YAML::Node n = h[key];
      if (!n.IsDefined() || !r.expect_sequence(n, std::string("http.") + key)) return;
      for (std::size_t i = 0; i < n.size(); ++i) {
        if (n[i].IsScalar() && !n[i].Scalar().empty()) {
          out->push_back(n[i].Scalar());
        } else {
          r.error(n[i], rules::detail::index_path(std::string("http.") + key, i) +
                            ": must be a non-empty string");
        }
      }
    };
    names("allowed_hosts", &c.http.allowed_hosts);
    names("cors_origins", &c.http.cors_origins);
    read_int(r, h, "max_connections", "http", 1, 100000, &c.http.max_connections);
    read_int(r, h, "ops_reserve", "http", 1, 10000, &c.http.ops_reserve);
    read_int(r, h, "max_streams_per_client", "http", 1, 10000, &c.http.max_streams_per_client);
    read_int(r, h, "header_timeout_ms", "http", 10, 3600000, &c.http.header_timeout_ms);
    read_int(r, h, "body_timeout_ms", "http", 10, 3600000, &c.http.body_timeout_ms);
    read_int(r, h, "idle_timeout_ms", "http", 10, 3600000, &c.http.idle_timeout_ms);
  }
  if (!r.ok()) return diags;
  return c;
}

void apply_environment(Config& c, const std::function<const char*(const char*)>& getenv) {
  auto take = [&](const char* name, std::string* out) {
    if (const char* v = getenv(name); v != nullptr && *v != '\0') *out = v;
  };
  take("APPROVALD_DATA_DIR", &c.data_dir);
  take("APPROVALD_BOOTSTRAP_SERVERS", &c.kafka.bootstrap_servers);
  take("APPROVALD_INSTANCE_ID", &c.kafka.instance_id);
  take("APPROVALD_HTTP_LISTEN", &c.http.listen);
}

}  // namespace approvald::config
