#include "config/config.h"

#include <catch2/catch.hpp>

#include "rules/yaml_reader.h"

namespace {

std::string errors_of(const std::string& yaml) {
  auto r = approvald::config::parse(yaml, "approvald.yaml", "/etc/approvald");
  REQUIRE(std::holds_alternative<rules::Diagnostics>(r));
  std::string all;
  for (const auto& d : std::get<rules::Diagnostics>(r)) all += d.str() + "\n";
  return all;
}

}  // namespace

TEST_CASE("the configuration refuses a duplicate key with the places of both", "[config]") {
  // yaml-cpp kept the first: the second data_dir, the one an operator just added, was ignored.
  CHECK(errors_of("data_dir: /var/lib/a\nrules: {packs: [p], calendar: c}\n"
                  "kafka:\n  poll_batch: 10\n  poll_batch: 20\ndata_dir: /var/lib/b\n") ==
        "approvald.yaml:5:3: kafka.poll_batch: duplicate key (first at approvald.yaml:4:3)\n"
        "approvald.yaml:6:1: data_dir: duplicate key (first at approvald.yaml:1:1)\n");
}

TEST_CASE("numeric settings refuse nan and inf by name", "[config]") {
  for (const char* v : {"nan", ".nan", ".inf", "-inf"}) {
    INFO(v);
    CHECK_THAT(errors_of(std::string("rules: {packs: [p], calendar: c}\noutbox: {max_pending: ") +
                         v + "}\n"),
               Catch::Contains("approvald.yaml:2:23: outbox.max_pending: must be a whole number, "
                               "got '" +
                               std::string(v) + "'"));
  }
}

TEST_CASE("the configuration text is bounded", "[config]") {
  const std::string huge = "data_dir: '" + std::string(rules::kMaxYamlBytes, 'x') + "'\n";
  CHECK(errors_of(huge) == "approvald.yaml: larger than 1048576 bytes\n");
}

TEST_CASE("the block cache's shards and the table index kind are store settings", "[config]") {
  auto r = approvald::config::parse(
      "rules: {packs: [p], calendar: c}\n"
      "store: {block_cache_shard_bits: -1, partitioned_index: false}\n",
      "approvald.yaml", "/etc/approvald");
  REQUIRE(std::holds_alternative<approvald::config::Config>(r));
  const auto& c = std::get<approvald::config::Config>(r);
  CHECK(c.store.block_cache_shard_bits == -1);
  CHECK_FALSE(c.store.partitioned_index);
  // The defaults chosen by alternating runs (docs/performance.md, issue 10 step 6).
  const auto defaults = approvald::config::Config{};
  CHECK(defaults.store.block_cache_shard_bits == 2);
  CHECK(defaults.store.partitioned_index);
  CHECK_THAT(errors_of("rules: {packs: [p], calendar: c}\nstore: {block_cache_shard_bits: 9}\n"),
             Catch::Contains("store.block_cache_shard_bits"));
  CHECK_THAT(errors_of("rules: {packs: [p], calendar: c}\nstore: {partitioned_index: 3}\n"),
             Catch::Contains("store.partitioned_index"));
}

TEST_CASE("exactly-once commits need the changelog they restore from", "[config]") {
  CHECK_THAT(errors_of("rules: {packs: [p], calendar: c}\n"
                       "kafka: {topics: {changelog: ''}, exactly_once: true}\n"),
             Catch::Contains("approvald.yaml:2:48: kafka.exactly_once: needs "
                             "kafka.topics.changelog"));
  auto r =
      approvald::config::parse("rules: {packs: [p], calendar: c}\nkafka: {exactly_once: true}\n",
                               "approvald.yaml", "/etc/approvald");
  REQUIRE(std::holds_alternative<approvald::config::Config>(r));
  CHECK(std::get<approvald::config::Config>(r).kafka.exactly_once);
}
