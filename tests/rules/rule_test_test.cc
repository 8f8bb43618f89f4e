#include "rules/rule_test.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "support/fixtures.h"

namespace {

rules::RuleTestFile parse(const std::string& yaml) {
  auto r = rules::RuleTestFile::parse(yaml, "t.yaml");
  if (auto* d = std::get_if<rules::Diagnostics>(&r)) {
    for (const auto& x : *d) UNSCOPED_INFO(x.str());
    FAIL("test file invalid");
  }
  return std::get<rules::RuleTestFile>(std::move(r));
}

const char* kHeader = R"(rule_packs: [x]
calendar: y
defaults: {agency: A, item: I-FOOD-1}
)";

// One test: C is received Thu 2026-02-12, and red is expected with the given due date.
std::string acceptance_test(const std::string& name, const std::string& due_at) {
  return R"(  - name: )" + name + R"(
    events:
      - {case: C, type: received, at: "2026-02-12T10:00:00+08:00"}
    alerts:
      - at: "2026-02-27T00:00:00+08:00"
        rule: alp-32-acceptance
        firing:
          - {rule: alp-32-acceptance, level: red, case: C, due_at: ")" +
         due_at + "\"}\n";
}

}  // namespace

TEST_CASE("a passing rule test reports nothing", "[rule_test]") {
  const auto tf =
      parse(std::string(kHeader) + "tests:\n" + acceptance_test("ok", "2026-02-26T23:59:59+08:00"));
  CHECK(rules::run_rule_tests(tf, testing::statutory_rules(), testing::cn_calendar()).empty());
}

TEST_CASE("a failing rule test shows what was expected and what fired", "[rule_test]") {
  const auto tf = parse(std::string(kHeader) + "tests:\n" +
                        acceptance_test("wrong due date", "2026-02-19T23:59:59+08:00") + R"(
  - name: nothing may fire
    events:
      - {case: D, type: decided, at: "2026-03-02T10:00:00+08:00", data: {outcome: approved}}
    alerts:
      - {at: "2026-03-03T00:00:00+08:00", firing: []}
  - name: bad event
    events:
      - {case: E, type: decided, at: "2026-03-02T10:00:00+08:00"}
    alerts:
      - {at: "2026-03-03T00:00:00+08:00", firing: []}
)");
  const auto failures =
      rules::run_rule_tests(tf, testing::statutory_rules(), testing::cn_calendar());
  REQUIRE(failures.size() == 3);
  CHECK(failures[0].test == "wrong due date");
  CHECK_THAT(failures[0].message,
             Catch::Contains("t.yaml:9: at 2026-02-27T00:00:00+08:00 (rule alp-32-acceptance)"));
  CHECK_THAT(failures[0].message,
             Catch::Contains("expected firing:\n      - {rule: alp-32-acceptance, level: red, "
                             "case: C, due_at: 2026-02-19T23:59:59+08:00}"));
  CHECK_THAT(failures[0].message,
             Catch::Contains("got firing:\n      - {rule: alp-32-acceptance, level: red, case: "
                             "C, cycle: 1, due_at: 2026-02-26T23:59:59+08:00"));
  CHECK(failures[1].test == "nothing may fire");
  CHECK_THAT(failures[1].message, Catch::Contains("proc-decision-without-acceptance"));
  CHECK(failures[2].test == "bad event");
  CHECK_THAT(failures[2].message, Catch::Contains("event is not valid: data.outcome: required"));
}

TEST_CASE("a malformed rule test file is refused with located errors", "[rule_test]") {
  auto r = rules::RuleTestFile::parse(R"(rule_packs: x
tests:
  - name: t
    events:
      - {case: C, type: received}
    alerts:
      - {at: "yesterday", firing: [{rule: r, level: purple}]}
)",
                                      "t.yaml");
  REQUIRE(std::holds_alternative<rules::Diagnostics>(r));
  std::string all;
  for (const auto& d : std::get<rules::Diagnostics>(r)) all += d.str() + "\n";
  INFO(all);
  CHECK_THAT(all, Catch::Contains("t.yaml:1:13: rule_packs: must be a list"));
  CHECK_THAT(all, Catch::Contains("calendar: required"));
  CHECK_THAT(all, Catch::Contains("tests[0].events[0].at: required"));
  CHECK_THAT(all, Catch::Contains("tests[0].alerts[0].at: not an RFC 3339"));
  CHECK_THAT(all, Catch::Contains("firing[0].level: not reminder, yellow or red"));
  CHECK_THAT(all, Catch::Contains("firing[0].case: required"));
}

TEST_CASE("a rule test file refuses duplicate keys, nan and inf", "[rule_test]") {
  auto errors = [](const std::string& yaml) {
    auto r = rules::RuleTestFile::parse(yaml, "t.yaml");
    REQUIRE(std::holds_alternative<rules::Diagnostics>(r));
    std::string all;
    for (const auto& d : std::get<rules::Diagnostics>(r)) all += d.str() + "\n";
    return all;
  };
  CHECK(errors(std::string(kHeader) + "calendar: z\ntests: []\n") ==
        "t.yaml:4:1: calendar: duplicate key (first at t.yaml:2:1)\n");
  const std::string nan = errors(std::string(kHeader) + R"(tests:
  - name: t
    events:
      - {case: C, type: fee_charged, at: "2026-02-12T10:00:00+08:00", data: {amount_fen: .nan}}
      - {case: C, type: fee_charged, at: "2026-02-12T10:00:00+08:00", data: {x: [1, -inf]}}
      - {case: C, type: fee_charged, at: "2026-02-12T10:00:00+08:00", data: {amount_fen: "nan"}}
    alerts: []
)");
  INFO(nan);
  CHECK_THAT(nan, Catch::Contains("t.yaml:7:90: tests[0].events[0].data.amount_fen: must be a "
                                  "finite number, got '.nan' (quote it for a string)"));
  CHECK_THAT(nan, Catch::Contains("tests[0].events[1].data.x[1]: must be a finite number"));
  CHECK(std::count(nan.begin(), nan.end(), '\n') == 2);  // a quoted "nan" is a string
}
