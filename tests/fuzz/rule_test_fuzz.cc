// Rule test files (rules/include/rules/rule_test.h) on arbitrary YAML, and what parses run
// against the shipped packs and calendar: the engine sees events, arrival times and expected
// alerts that no producer would send. A failed rule test is an answer, not a finding.
#include <memory>
#include <variant>
#include <vector>

#include "check.h"
#include "rules/calendar.h"
#include "rules/pack.h"
#include "rules/rule_test.h"
#include "shipped/files.h"

namespace {

struct Shipped {
  std::shared_ptr<const rules::RuleSet> rules;
  std::shared_ptr<const rules::Calendar> calendar;
};

Shipped load_shipped() {
  Shipped s;
  std::vector<std::shared_ptr<const rules::RulePack>> packs;
  for (const auto path : approvald::shipped::kPacks) {
    auto p = rules::RulePack::load(approvald::shipped::asset(path)->body, std::string(path));
    packs.push_back(std::get<std::shared_ptr<const rules::RulePack>>(std::move(p)));
  }
  s.rules = std::get<std::shared_ptr<const rules::RuleSet>>(rules::RuleSet::combine(packs));
  auto c = rules::Calendar::load(approvald::shipped::asset(approvald::shipped::kCalendar)->body,
                                 std::string(approvald::shipped::kCalendar));
  s.calendar = std::get<std::shared_ptr<const rules::Calendar>>(std::move(c));
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Shipped shipped = load_shipped();
  auto parsed = rules::RuleTestFile::parse(approvald::fuzz::as_text(data, size), "fuzz_test.yaml");
  if (auto* diags = std::get_if<rules::Diagnostics>(&parsed)) {
    approvald::fuzz::check(!diags->empty(), "a refused rule test file says why");
    return 0;
  }
  (void)rules::run_rule_tests(std::get<rules::RuleTestFile>(parsed), shipped.rules,
                              shipped.calendar);
  return 0;
}
