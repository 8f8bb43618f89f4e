#include "rules/outcome.h"

#include <catch2/catch.hpp>

#include "rules/engine.h"
#include "support/fixtures.h"

using testing::Ev;

namespace {

rules::CaseState settle(const rules::Engine& engine, std::vector<rules::Event> events,
                        const std::string& now) {
  return engine.apply_batch({}, std::move(events), testing::at(now)).state;
}

// Received Mon 2 March 09:00, accepted Tue 3 with a promise of `promised` working days, and,
// when `decided` is given, decided (approved) then.
std::vector<rules::Event> licensing(int promised, const std::string& decided = "") {
  std::vector<rules::Event> events = {
      Ev{.type = "received", .when = "2026-03-02T09:00:00+08:00", .id = "r"}.event(),
      Ev{.type = "accepted",
         .when = "2026-03-03T09:00:00+08:00",
         .data = R"({"promised":{"working_days":)" + std::to_string(promised) + "}}",
         .id = "a"}
          .event()};
  if (!decided.empty()) {
    events.push_back(
        Ev{.type = "decided", .when = decided, .data = R"({"outcome":"approved"})", .id = "d"}
            .event());
  }
  return events;
}

}  // namespace

TEST_CASE("an undecided case has no outcome", "[outcome]") {
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  const auto s = settle(engine, licensing(5), "2026-03-04T09:00:00+08:00");
  CHECK_FALSE(rules::case_outcome(s, engine.rules(), engine.calendar()));
}

TEST_CASE("a decision within the promise keeps both clocks", "[outcome]") {
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  // Decided Fri 6 March: 4 working days after receipt.
  const auto s =
      settle(engine, licensing(5, "2026-03-06T16:00:00+08:00"), "2026-03-06T17:00:00+08:00");
  const auto o = rules::case_outcome(s, engine.rules(), engine.calendar());
  REQUIRE(o);
  CHECK(rules::format_date(o->decided_on) == "2026-03-06");
  CHECK(o->working_days == 4);
  CHECK(o->promise_on_time == std::optional<bool>(true));
  CHECK(o->statute_on_time == std::optional<bool>(true));
  CHECK(o->alerts == 0);
}

TEST_CASE("a decision past the promise but within the statute breaks only the promise",
          "[outcome]") {
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  // Promised 2 working days from Tue 3 March (due Thu 5); decided Mon 9, within the 20 of Art. 42.
  const auto s =
      settle(engine, licensing(2, "2026-03-09T10:00:00+08:00"), "2026-03-09T11:00:00+08:00");
  const auto o = rules::case_outcome(s, engine.rules(), engine.calendar());
  REQUIRE(o);
  CHECK(o->promise_on_time == std::optional<bool>(false));
  CHECK(o->statute_on_time == std::optional<bool>(true));
  CHECK(o->working_days == 5);
  // The broken promise raised its yellow card (and the reminder before it).
  CHECK(o->alerts == 2);
}

TEST_CASE("a case's status marks firing red and yellow alerts", "[outcome][engine]") {
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  // Two correction notices: the one-time-notice rule's yellow card fires and stays.
  const auto s = settle(
      engine,
      {Ev{.type = "received", .when = "2026-03-02T09:00:00+08:00", .id = "r"}.event(),
       Ev{.type = "correction_requested", .when = "2026-03-03T09:00:00+08:00", .id = "c1"}.event(),
       Ev{.type = "correction_requested", .when = "2026-03-04T09:00:00+08:00", .id = "c2"}.event()},
      "2026-03-04T10:00:00+08:00");
  CHECK((s.status & rules::kCaseYellow) != 0);
  CHECK((s.status & rules::kCaseRed) == 0);
  // Received and never accepted: red once the acceptance deadline has passed, and not before.
  const auto received = settle(
      engine, {Ev{.type = "received", .when = "2026-03-02T09:00:00+08:00", .id = "r"}.event()},
      "2026-03-02T10:00:00+08:00");
  CHECK((received.status & rules::kCaseRed) == 0);
  const auto late = engine.reevaluate(received, testing::at("2026-04-20T10:00:00+08:00")).state;
  CHECK((late.status & rules::kCaseRed) != 0);
}
