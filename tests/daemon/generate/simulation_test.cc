#include "generate/simulation.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "generate/workload.h"
#include "rules/engine.h"
#include "support/fixtures.h"

namespace {

std::map<std::string, double> only(const std::string& name, double percent) {
  auto rates = approvald::generate::default_violation_rates();
  for (auto& [k, v] : rates) v = k == name ? percent : 0;
  return rates;
}

std::vector<rules::Event> decode_all(const bench::Workload& w) {
  std::vector<rules::Event> out;
  for (const auto& line : w.lines) {
    auto e = rules::decode_event(line);
    REQUIRE(std::holds_alternative<rules::Event>(e));
    out.push_back(std::get<rules::Event>(std::move(e)));
  }
  return out;
}

// Firing alerts per rule id after replaying every event and a quarter year beyond the last.
std::map<std::string, int> fired(const rules::Engine& engine,
                                 const std::vector<rules::Event>& events) {
  std::map<std::string, int> n;
  const auto until = events.back().occurred_at + std::chrono::hours(24 * 90);
  for (const auto& a : testing::run(engine, events, until)) {
    if (a.firing && a.level != rules::Level::kReminder) n[a.rule_id]++;
  }
  return n;
}

}  // namespace

TEST_CASE("the same seed gives the same events, in time order, on working days in office hours",
          "[generate]") {
  const auto a = bench::make_workload(400, 5);
  const auto b = bench::make_workload(400, 5);
  CHECK(a.lines == b.lines);
  CHECK(bench::make_workload(400, 6).lines != a.lines);
  const auto events = decode_all(a);
  const auto calendar = bench::shipped_calendar();
  std::set<std::string> cases, agencies, items, officers;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    if (i > 0) CHECK(events[i - 1].occurred_at <= e.occurred_at);
    const rules::Date day = rules::local_date(e.occurred_at, 480);
    INFO(e.event_id << " at " << rules::format_rfc3339(e.occurred_at, 480));
    CHECK(calendar->is_working_day(day));
    const auto minute =
        (e.occurred_at - rules::start_of_local_date(day, 480)) / std::chrono::minutes(1);
    CHECK(minute >= 9 * 60);
    CHECK(minute < 18 * 60);
    cases.insert(e.case_id);
    agencies.insert(e.agency);
    items.insert(e.item);
    officers.insert(e.officer);
  }
  CHECK(cases.size() == 400);
  CHECK(agencies.size() >= 30);
  CHECK(items.size() >= 150);
  CHECK(officers.size() >= 100);
}

TEST_CASE("with every violation share at zero, no card is raised", "[generate]") {
  auto rates = approvald::generate::default_violation_rates();
  for (auto& [k, v] : rates) v = 0;
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  const auto n = fired(engine, decode_all(bench::make_workload(1500, 3, false, &rates)));
  CHECK(n.empty());
}

TEST_CASE("each planted violation raises its rule's card", "[generate]") {
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  const std::map<std::string, std::string> rule_of = {
      {"late_acceptance", "alp-32-acceptance"},
      {"repeated_correction", "alp-32-one-time-notice"},
      {"missing_reason", "alp-38-reason"},
      {"broken_promise", "promise-deadline"},
      {"late_decision", "alp-42-decision"},
      {"abandoned", "alp-42-decision"},
      {"unapproved_extension", "alp-42-extension"},
      {"late_certificate", "alp-44-certificate"},
      {"fee_on_free_item", "alp-58-fee"},
      {"decision_without_acceptance", "proc-decision-without-acceptance"}};
  for (const auto& [violation, rule] : rule_of) {
    const auto rates = only(violation, 30);
    const auto n = fired(engine, decode_all(bench::make_workload(300, 11, false, &rates)));
    INFO(violation);
    CHECK(n.count(rule) == 1);
    // 30% of the cases it can apply to: most cases, but only refusals and denials (about 11%)
    // for a missing reason.
    CHECK(n.at(rule) >= 5);
  }
  // Penalties are checked by the benchmark pack.
  const rules::Engine penalties(
      testing::rules_from(testing::read_source("rules/packs/example-penalty-benchmark/pack.yaml")),
      testing::cn_calendar());
  const auto rates = only("out_of_band_penalty", 100);
  const auto n = fired(penalties, decode_all(bench::make_workload(2000, 11, false, &rates)));
  REQUIRE(n.count("penalty-benchmark") == 1);
  CHECK(n.at("penalty-benchmark") >= 5);
}

TEST_CASE("violation overrides are checked, every bad one named", "[generate]") {
  auto rates = approvald::generate::default_violation_rates();
  const auto errors = approvald::generate::apply_violation_overrides(
      {"late_decision=12.5", "lateness=3", "abandoned=150", "missing_reason"}, &rates);
  REQUIRE(errors.size() == 3);
  CHECK_THAT(errors[0],
             Catch::Contains("unknown violation 'lateness'") && Catch::Contains("late_acceptance"));
  CHECK_THAT(errors[1], Catch::Contains("abandoned=150"));
  CHECK_THAT(errors[2], Catch::Contains("NAME=PERCENT"));
  CHECK(rates.at("late_decision") == 12.5);
}
