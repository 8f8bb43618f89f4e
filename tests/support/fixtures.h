// Shared test fixtures: the shipped calendar, packs from inline YAML, and an event builder.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rules/calendar.h"
#include "rules/engine.h"
#include "rules/pack.h"

namespace testing {

std::string source_path(const std::string& relative);
std::string read_source(const std::string& relative);

// The official calendar in config/calendars/cn-mainland.yaml.
std::shared_ptr<const rules::Calendar> cn_calendar();
// The shipped statutory pack.
std::shared_ptr<const rules::RuleSet> statutory_rules();
// The shipped statutory pack with the decision limit (20 working days) set to another: a rule
// version under which every accepted case has another due date.
std::shared_ptr<const rules::RuleSet> statutory_rules_with_decision_limit(int working_days);
// A rule set from inline pack YAML; fails the test on any diagnostic.
std::shared_ptr<const rules::RuleSet> rules_from(const std::string& pack_yaml);

rules::Timestamp at(const std::string& rfc3339);
rules::Date date(const std::string& ymd);

// Builds a valid event; `data` is a JSON object text.
struct Ev {
  std::string case_id = "C1";
  std::string type;
  std::string when;
  std::string data = "{}";
  std::string id;
  std::string officer = "E1";
  std::string item = "ITEM-FOOD-001";

  std::string json() const;
  rules::Event event() const;
};

// A procedure_started / procedure_ended event of case C1 for `procedure` (hearing, testing, …).
rules::Event procedure(const std::string& type, const std::string& when,
                       const std::string& procedure);

// Feeds events in the given order to a fresh replayer and advances to `until`; returns every
// alert transition.
std::vector<rules::Alert> run(const rules::Engine& engine, const std::vector<rules::Event>& events,
                              rules::Timestamp until);

}  // namespace testing
