// Rule unit tests in the spirit of `promtool test rules`: input events, evaluation times, and the
// exact set of alerts expected to be firing at each time (an empty list: nothing may fire).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "rules/calendar.h"
#include "rules/diagnostic.h"
#include "rules/pack.h"
#include "rules/time.h"

namespace rules {

struct ExpectedAlert {
  std::string rule;
  std::string level;
  std::string case_id;
  std::optional<std::uint32_t> cycle;
  std::optional<Timestamp> due_at;
  std::optional<std::string> officer;
  std::optional<bool> provisional;
  std::optional<std::string> reason_contains;
  std::optional<std::string> resolution;
  int line = 0;
};

struct AlertCheck {
  Timestamp at{};
  std::string at_text;
  std::optional<std::string> rule_filter;  // compare only this rule's alerts
  std::vector<ExpectedAlert> firing;
  std::vector<ExpectedAlert> resolved;  // must have resolved by `at` (subset check)
  int line = 0;
};

struct TestEvent {
  std::string json;  // the event as approval.event/v1 JSON, defaults filled in
  std::optional<Timestamp> arrives_at;
  int line = 0;
};

struct RuleTestCase {
  std::string name;
  std::vector<TestEvent> events;
  std::vector<AlertCheck> checks;
};

struct RuleTestFile {
  std::string file;
  std::vector<std::string> pack_paths;  // as written, relative to the test file
  std::string calendar_path;
  std::vector<RuleTestCase> tests;

  static std::variant<RuleTestFile, Diagnostics> parse(std::string_view yaml,
                                                       const std::string& file);
};

struct RuleTestFailure {
  std::string test;
  std::string message;  // readable, multi-line: what was expected and what fired
};

// Runs every test of a file against the given rules and calendar.
std::vector<RuleTestFailure> run_rule_tests(const RuleTestFile& file,
                                            std::shared_ptr<const RuleSet> rules,
                                            const std::shared_ptr<const Calendar>& calendar);

}  // namespace rules
