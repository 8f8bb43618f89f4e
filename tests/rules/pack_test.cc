#include "rules/pack.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "rules/yaml_reader.h"
#include "support/fixtures.h"

namespace {

std::string errors_of(const std::string& yaml) {
  auto r = rules::RulePack::load(yaml, "p.yaml");
  REQUIRE(std::holds_alternative<rules::Diagnostics>(r));
  std::string all;
  for (const auto& d : std::get<rules::Diagnostics>(r)) all += d.str() + "\n";
  return all;
}

}  // namespace

TEST_CASE("the shipped statutory pack has exactly the contract's rule ids", "[pack]") {
  const auto set = testing::statutory_rules();
  std::vector<std::string> ids;
  for (const auto* r : set->rules()) ids.push_back(r->id);
  CHECK(ids == std::vector<std::string>{"alp-32-acceptance", "alp-32-one-time-notice",
                                        "alp-38-reason", "alp-42-decision", "alp-42-extension",
                                        "alp-44-certificate", "alp-58-fee", "promise-deadline",
                                        "proc-decision-without-acceptance"});
  CHECK(set->id() == "cn-admin-licensing@2026.1");
  const auto* decision = set->find("alp-42-decision");
  REQUIRE(decision);
  const auto& clock = std::get<rules::ClockSpec>(decision->spec);
  CHECK(clock.limit.fixed == 20);
  CHECK(clock.extension->max_days == 10);
  REQUIRE(clock.stages.size() == 2);
  CHECK(clock.stages[0].level == rules::Level::kReminder);  // warnings sort before the breach
  CHECK(clock.stages[1].at_due);
}

TEST_CASE("a broken pack is refused with every error, each at its line and column", "[pack]") {
  const std::string all = errors_of(R"(pack: Bad Name
version: "1"
colour: red
rules:
  - id: a
    title: A
    kind: clock
    start: recieved
    stop: [accepted, received]
    limit: {working_days: 20}
    stages:
      - {level: amber, at: due}
      - {level: red, before: {hours: 2}}
  - id: a
    title: duplicate id
    kind: check
    level: yellow
    on: {type: decided, where: {outcome: denied}}
  - id: c
    title: C
    kind: check
    level: yellow
    on: decided
  - id: d
    title: D
    kind: clock
    start: received
    stop: received
    limit: {weeks: 2}
    stages: []
  - id: e
    kind: telepathy
)");
  INFO(all);
  CHECK_THAT(all, Catch::Contains("p.yaml:1:7: pack: 'Bad Name' must use a-z"));
  CHECK_THAT(all, Catch::Contains("p.yaml:3:1: colour: unknown key"));
  CHECK_THAT(all, Catch::Contains("p.yaml:8:12: rule a.start: unknown event type 'recieved'"));
  CHECK_THAT(all,
             Catch::Contains(
                 "p.yaml:12:17: rule a.stages[0].level: 'amber' is not reminder, yellow or red"));
  CHECK_THAT(all, Catch::Contains(
                      "rule a.stages[1].before: unit must match the limit's unit (working_days)"));
  CHECK_THAT(all, Catch::Contains("p.yaml:14:9: rule a: duplicate rule id"));
  CHECK_THAT(all, Catch::Contains("'outcome' is not a field path"));
  CHECK_THAT(all,
             Catch::Contains(
                 "rule c: a check needs at least one of max_count, require, max, requires_prior"));
  CHECK_THAT(all, Catch::Contains("rule d.stop: 'received' both starts and stops the clock"));
  CHECK_THAT(all, Catch::Contains("rule d.limit: unknown unit 'weeks'"));
  CHECK_THAT(all, Catch::Contains("rule d.stages: at least one stage is needed"));
  CHECK_THAT(all, Catch::Contains("rule e.title: required"));
  CHECK_THAT(all,
             Catch::Contains("rule e.kind: 'telepathy' is not clock, check, fee or benchmark"));
}

TEST_CASE("fee and benchmark tables are validated row by row", "[pack]") {
  const std::string all = errors_of(R"(pack: p
version: "1"
rules:
  - id: fee
    title: F
    kind: fee
    level: red
    catalogue:
      - {item: "X-*", max_fen: -5, basis: b}
      - {item: "Y-*", max_fen: 5}
  - id: bm
    title: B
    kind: benchmark
    level: yellow
    benchmarks:
      - id: b1
        violations:
          - code: v1
            tiers:
              - {tier: t1, fixed_fen: 1, range_fen: [1, 2]}
              - {tier: t2, range_fen: [5, 1]}
              - {tier: t3, proportion: {min: 2, max: 1}}
      - id: b1
        violations: []
)");
  INFO(all);
  CHECK_THAT(all, Catch::Contains("rule fee.catalogue[0].max_fen: must be between 0 and"));
  CHECK_THAT(all, Catch::Contains("rule fee.catalogue[1].basis: required"));
  CHECK_THAT(all, Catch::Contains("tiers[0]: give exactly one of fixed_fen, range_fen"));
  CHECK_THAT(all, Catch::Contains("tiers[1].range_fen: max is below min"));
  CHECK_THAT(all, Catch::Contains("tiers[2].proportion.base: required"));
  CHECK_THAT(all, Catch::Contains("tiers[2].proportion: max is below min"));
  CHECK_THAT(all, Catch::Contains("benchmarks[1].id: duplicate benchmark id"));
}

TEST_CASE("rule ids must be unique across the packs in force", "[pack]") {
  auto a =
      std::get<0>(rules::RulePack::load("pack: a\nversion: '1'\nrules:\n  - {id: x, title: t, "
                                        "kind: check, level: red, on: decided, max_count: 1}\n",
                                        "a"));
  auto b =
      std::get<0>(rules::RulePack::load("pack: b\nversion: '1'\nrules:\n  - {id: x, title: t, "
                                        "kind: check, level: red, on: decided, max_count: 2}\n",
                                        "b"));
  auto r = rules::RuleSet::combine({a, b});
  REQUIRE(std::holds_alternative<rules::Diagnostics>(r));
  CHECK_THAT(std::get<rules::Diagnostics>(r).front().message,
             Catch::Contains("rule id 'x' is defined by more than one pack"));
}

TEST_CASE("conditions compare fields the way an analyst reads them", "[pack]") {
  testing::Ev ev{.type = "procedure_started",
                 .when = "2026-03-02T09:00:00+08:00",
                 .data = R"({"procedure":"hearing","declared":{"working_days":5}})"};
  const rules::Event e = ev.event();
  using Op = rules::Condition::Op;
  CHECK(rules::Condition{"data.procedure", Op::kEquals, {"hearing"}}.holds(e));
  CHECK(rules::Condition{"data.declared.working_days", Op::kEquals, {"5"}}.holds(e));
  CHECK(rules::Condition{"data.procedure", Op::kIn, {"testing", "hearing"}}.holds(e));
  CHECK_FALSE(rules::Condition{"data.procedure", Op::kNotIn, {"hearing"}}.holds(e));
  CHECK(rules::Condition{"data.approver", Op::kNotIn, {"x"}}.holds(e));  // absent is not in
  CHECK(rules::Condition{"data.approver", Op::kAbsent, {}}.holds(e));
  CHECK(rules::Condition{"officer", Op::kEquals, {"E1"}}.holds(e));
  CHECK(rules::Condition{"item", Op::kExists, {}}.holds(e));
  CHECK_FALSE(rules::Condition{"applicant", Op::kExists, {}}.holds(e));
}

TEST_CASE("a duplicate key is refused with the places of both", "[pack]") {
  const std::string all = errors_of(R"(pack: p
version: "1"
rules:
  - id: a
    title: A
    kind: clock
    start: received
    stop: decided
    limit: {working_days: 20}
    limit: {working_days: 2000}
    stages: [{level: red, at: due}]
pack: q
)");
  INFO(all);
  // yaml-cpp would silently keep the first `limit` and the first `pack`.
  CHECK_THAT(all,
             Catch::Contains("p.yaml:10:5: rules[0].limit: duplicate key (first at p.yaml:9:5)"));
  CHECK_THAT(all, Catch::Contains("p.yaml:12:1: pack: duplicate key (first at p.yaml:1:1)"));
}

TEST_CASE("nan and inf are refused as numbers with the field's name and place", "[pack]") {
  for (const char* v : {"nan", "NaN", "inf", "-inf", ".nan", ".inf", "-.Inf", "infinity"}) {
    INFO(v);
    const std::string all = errors_of(std::string(R"(pack: p
version: "1"
rules:
  - id: c
    title: C
    kind: check
    level: yellow
    on: penalty_decided
    max: {data.amount_fen: )") + v + "}\n");
    CHECK_THAT(all, Catch::Contains("p.yaml:9:28: rule c.max.data.amount_fen: must be a finite "
                                    "number, got '" +
                                    std::string(v) + "'"));
  }
  const std::string ratio = errors_of(R"(pack: p
version: "1"
rules:
  - id: b
    title: B
    kind: benchmark
    level: yellow
    benchmarks:
      - id: x
        violations:
          - code: v
            tiers:
              - {tier: t, proportion: {base: data.base, min: 0, max: .inf}}
)");
  CHECK_THAT(ratio, Catch::Contains("p.yaml:13:70: rule b.benchmarks[0].violations[0].tiers[0]."
                                    "proportion.max: must be a finite number, got '.inf'"));
}

TEST_CASE("a pack with thousands of errors gives a bounded list that says how many more",
          "[pack]") {
  std::string yaml = "pack: p\nversion: '1'\nrules:\n";
  for (int i = 0; i < 5000; ++i) {
    yaml += "  - {id: r" + std::to_string(i) + ", title: t, kind: check, level: blue, on: x}\n";
  }
  auto r = rules::RulePack::load(yaml, "p.yaml");
  REQUIRE(std::holds_alternative<rules::Diagnostics>(r));
  const auto& d = std::get<rules::Diagnostics>(r);
  CHECK(d.size() == rules::kMaxDiagnosticsPerFile + 1);
  CHECK(d.back().str() ==
        "p.yaml: \xE2\x80\xA6 and 14900 more errors (only the first 100 are shown)");
}

TEST_CASE("a clock whose thousands of events all start and stop it is checked in linear time",
          "[pack]") {
  std::string list = "[";
  for (int i = 0; i < 3000; ++i) list += i ? ", received" : "received";
  list += "]";
  const std::string all = errors_of(
      "pack: p\nversion: '1'\nrules:\n  - {id: a, title: A, kind: "
      "clock, start: " +
      list + ", stop: " + list + ", limit: {working_days: 1}, stages: [{level: red, at: due}]}\n");
  // One diagnostic per event type, where every pair gave 9 million.
  CHECK(std::count(all.begin(), all.end(), '\n') == 1);
  CHECK_THAT(all, Catch::Contains("'received' both starts and stops the clock"));
}

TEST_CASE("an oversized pack text is refused before it is parsed", "[pack]") {
  const std::string huge =
      "pack: p\ndescription: '" + std::string(rules::kMaxYamlBytes, 'x') + "'\n";
  CHECK(errors_of(huge) == "p.yaml: larger than 1048576 bytes\n");
}

TEST_CASE("aliases that expand past a million values are refused", "[pack]") {
  // The billion-laughs shape: each level refers to the one before ten times; 2 KB of text that
  // every loader would walk as 10^29 values.
  std::string yaml = "a0: &a0 {k: v}\n";
  for (int i = 1; i < 30; ++i) {
    yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) yaml += (j ? ", *a" : "*a") + std::to_string(i - 1);
    yaml += "]\n";
  }
  CHECK(errors_of(yaml) == "p.yaml: more than 1000000 values once its aliases are expanded\n");
  // A few aliases, as an analyst might use them, are fine.
  const std::string ok = R"(pack: p
version: "1"
rules:
  - id: a
    title: A
    kind: check
    level: yellow
    on: &decided {type: decided, where: {data.outcome: denied}}
    require: data.reason
  - id: b
    title: B
    kind: check
    level: yellow
    on: *decided
    max_count: 1
)";
  CHECK(std::holds_alternative<std::shared_ptr<const rules::RulePack>>(
      rules::RulePack::load(ok, "p.yaml")));
}

TEST_CASE("combining packs that share many rule ids gives a bounded list", "[pack]") {
  auto pack = [](const std::string& name) {
    std::string yaml = "pack: " + name + "\nversion: '1'\nrules:\n";
    for (int i = 0; i < 300; ++i) {
      yaml += "  - {id: r" + std::to_string(i) +
              ", title: t, kind: check, level: red, on: decided, max_count: 1}\n";
    }
    return std::get<0>(rules::RulePack::load(yaml, name + ".yaml"));
  };
  auto r = rules::RuleSet::combine({pack("a"), pack("b")});
  REQUIRE(std::holds_alternative<rules::Diagnostics>(r));
  const auto& d = std::get<rules::Diagnostics>(r);
  CHECK(d.size() == rules::kMaxDiagnosticsPerFile + 1);
  CHECK(rules::problem_count(d) == 300);
  CHECK(d.back().str() == "b: \xE2\x80\xA6 and 200 more errors (only the first 100 are shown)");
}

TEST_CASE("an alias inside the node it names is refused, not walked forever", "[pack]") {
  CHECK(errors_of("pack: &x [1, *x]\n") ==
        "p.yaml:1:7: pack[1]: an alias refers to a node that contains it\n");
}
