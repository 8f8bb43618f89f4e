#include "rules/clock.h"

#include <catch2/catch.hpp>

#include "support/fixtures.h"

using testing::at;
using testing::Ev;

namespace {

const rules::ClockSpec& clock_of(const rules::RuleSet& set, const char* id) {
  return std::get<rules::ClockSpec>(set.find(id)->spec);
}

std::string fmt(const std::optional<rules::Timestamp>& t) {
  return t ? rules::format_rfc3339(*t, 480) : std::string("none");
}

const char* kUnitsPack = R"(pack: units
version: "1"
rules:
  - id: hours
    title: respond within 4 hours
    kind: clock
    start: received
    stop: accepted
    pause: {start: {type: procedure_started}, end: {type: procedure_ended}}
    limit: {hours: 4}
    stages:
      - {level: reminder, before: {hours: 1}}
      - {level: red, at: due}
  - id: calendar
    title: decide within 90 calendar days
    kind: clock
    start: accepted
    stop: decided
    limit: {calendar_days: 90}
    stages:
      - {level: red, at: due}
)";

}  // namespace

TEST_CASE("hours run on the wall clock, with pauses cut out exactly", "[clock]") {
  const auto set = testing::rules_from(kUnitsPack);
  const auto cal = testing::cn_calendar();
  std::vector<rules::Event> events = {
      Ev{.type = "received", .when = "2026-10-01T09:00:00+08:00"}
          .event(),  // a holiday: hours don't care
  };
  auto c = rules::evaluate_clock(clock_of(*set, "hours"), events, *cal);
  REQUIRE(c.size() == 1);
  CHECK(fmt(c[0].due_at) == "2026-10-01T13:00:00+08:00");
  CHECK(fmt(c[0].stage_fire[0]) == "2026-10-01T12:00:01+08:00");
  CHECK(fmt(c[0].stage_fire[1]) == "2026-10-01T13:00:01+08:00");

  events.push_back(testing::procedure("procedure_started", "2026-10-01T10:00:00+08:00", "testing"));
  events.push_back(testing::procedure("procedure_ended", "2026-10-01T11:30:00+08:00", "testing"));
  c = rules::evaluate_clock(clock_of(*set, "hours"), events, *cal);
  CHECK(fmt(c[0].due_at) == "2026-10-01T14:30:00+08:00");
  CHECK(c[0].paused_units == 1);  // whole hours excluded (90 minutes)
}

TEST_CASE("calendar days count every day, holidays included", "[clock]") {
  const auto set = testing::rules_from(kUnitsPack);
  const std::vector<rules::Event> events = {
      Ev{.type = "accepted", .when = "2026-09-18T10:00:00+08:00"}.event()};
  const auto c = rules::evaluate_clock(clock_of(*set, "calendar"), events, *testing::cn_calendar());
  CHECK(fmt(c[0].due_at) == "2026-12-17T23:59:59+08:00");  // 09-18 + 90 days
}

TEST_CASE("pause boundaries follow the contract", "[clock]") {
  const auto set = testing::statutory_rules();
  const auto cal = testing::cn_calendar();
  const auto& spec = clock_of(*set, "alp-42-decision");
  auto due_with_pause = [&](const char* from, const char* to) {
    std::vector<rules::Event> ev = {
        Ev{.type = "accepted", .when = "2026-03-02T09:00:00+08:00"}.event(),
        Ev{.type = "procedure_started", .when = from, .data = R"({"procedure":"testing"})"}
            .event()};
    if (to != nullptr)
      ev.push_back(
          Ev{.type = "procedure_ended", .when = to, .data = R"({"procedure":"testing"})"}.event());
    const auto c = rules::evaluate_clock(spec, ev, *cal);
    return fmt(c.at(0).due_at);
  };
  // Unpaused due date: 2026-03-30.
  SECTION("a pause that starts and ends on the same day excludes nothing") {
    CHECK(due_with_pause("2026-03-10T09:00:00+08:00", "2026-03-10T17:00:00+08:00") ==
          "2026-03-30T23:59:59+08:00");
  }
  SECTION("the start day counts, the end day does not") {
    // (03-10, 03-11] excludes exactly 03-11.
    CHECK(due_with_pause("2026-03-10T17:00:00+08:00", "2026-03-11T09:00:00+08:00") ==
          "2026-03-31T23:59:59+08:00");
  }
  SECTION("a pause over a weekend excludes no working day") {
    CHECK(due_with_pause("2026-03-13T17:00:00+08:00", "2026-03-15T09:00:00+08:00") ==
          "2026-03-30T23:59:59+08:00");
  }
  SECTION("a pause beginning on the due day itself still stops the clock") {
    // Paused during 03-30; resumed 04-01: 03-31 and 04-01 are excluded, nothing remains, so the
    // case is due at the end of the resume day.
    CHECK(due_with_pause("2026-03-30T10:00:00+08:00", "2026-04-01T09:00:00+08:00") ==
          "2026-04-01T23:59:59+08:00");
  }
  SECTION("a pause after the deadline passed changes nothing") {
    CHECK(due_with_pause("2026-04-02T10:00:00+08:00", "2026-04-20T09:00:00+08:00") ==
          "2026-03-30T23:59:59+08:00");
  }
  SECTION("an open pause leaves no due date") {
    CHECK(due_with_pause("2026-03-10T10:00:00+08:00", nullptr) == "none");
  }
}

TEST_CASE("overlapping pauses exclude each day once", "[clock]") {
  const auto set = testing::statutory_rules();
  const std::vector<rules::Event> ev = {
      Ev{.type = "accepted", .when = "2026-03-02T09:00:00+08:00"}.event(),
      testing::procedure("procedure_started", "2026-03-10T09:00:00+08:00", "testing"),
      testing::procedure("procedure_started", "2026-03-12T09:00:00+08:00", "hearing"),
      testing::procedure("procedure_ended", "2026-03-16T09:00:00+08:00", "testing"),
      testing::procedure("procedure_ended", "2026-03-18T09:00:00+08:00", "hearing"),
  };
  const auto c =
      rules::evaluate_clock(clock_of(*set, "alp-42-decision"), ev, *testing::cn_calendar());
  // Union (03-10, 03-18] = 03-11, 12, 13, 16, 17, 18: six working days after 03-30 -> 04-08.
  CHECK(fmt(c.at(0).due_at) == "2026-04-08T23:59:59+08:00");
  CHECK(c.at(0).paused_units == 6);
  REQUIRE(c.at(0).pauses.size() == 2);
  CHECK(c.at(0).pauses[0].key == "testing");
  CHECK(c.at(0).pauses[1].key == "hearing");
}

TEST_CASE("a pause ends only with its own procedure", "[clock]") {
  const auto set = testing::statutory_rules();
  const std::vector<rules::Event> ev = {
      Ev{.type = "accepted", .when = "2026-03-02T09:00:00+08:00"}.event(),
      testing::procedure("procedure_started", "2026-03-10T09:00:00+08:00", "hearing"),
      testing::procedure("procedure_ended", "2026-03-11T09:00:00+08:00", "testing"),
  };
  const auto c =
      rules::evaluate_clock(clock_of(*set, "alp-42-decision"), ev, *testing::cn_calendar());
  CHECK(c.at(0).paused_at_end());
  CHECK_FALSE(c.at(0).due_at);
}

TEST_CASE("a limit taken from the start event, no value, no clock", "[clock]") {
  const auto set = testing::statutory_rules();
  const auto& spec = clock_of(*set, "promise-deadline");
  const auto cal = testing::cn_calendar();
  CHECK(rules::evaluate_clock(
            spec, {Ev{.type = "accepted", .when = "2026-09-18T10:00:00+08:00"}.event()}, *cal)
            .empty());
  const auto c = rules::evaluate_clock(spec,
                                       {Ev{.type = "accepted",
                                           .when = "2026-09-18T10:00:00+08:00",
                                           .data = R"({"promised":{"working_days":0}})"}
                                            .event()},
                                       *cal);
  REQUIRE(c.size() == 1);
  CHECK(fmt(c[0].due_at) == "2026-09-18T23:59:59+08:00");  // promised on the spot: same day
}

TEST_CASE("a pause starting on the weekend right after a Friday due date comes too late",
          "[clock]") {
  // Accepted Fri 03-06: 20 working days end Fri 04-03. A procedure from Sat 04-04 (Qingming)
  // begins after the deadline passed, though no working day lies between.
  const auto set = testing::statutory_rules();
  const std::vector<rules::Event> ev = {
      Ev{.type = "accepted", .when = "2026-03-06T09:00:00+08:00"}.event(),
      testing::procedure("procedure_started", "2026-04-04T10:00:00+08:00", "testing"),
      testing::procedure("procedure_ended", "2026-04-10T10:00:00+08:00", "testing"),
  };
  const auto c =
      rules::evaluate_clock(clock_of(*set, "alp-42-decision"), ev, *testing::cn_calendar());
  CHECK(fmt(c.at(0).due_at) == "2026-04-03T23:59:59+08:00");
  CHECK(c.at(0).paused_units == 0);
}

TEST_CASE("settled point 2: nested pauses exclude their union once", "[clock][settled]") {
  // Inspection (03-10, 03-20] holds a hearing (03-12, 03-16]: 03-11..13 and 03-16..20 are
  // excluded, 8 working days. 8 after 03-30: 03-31, 04-01..03, [Qingming], 04-07..10.
  const auto set = testing::statutory_rules();
  const std::vector<rules::Event> ev = {
      Ev{.type = "accepted", .when = "2026-03-02T09:00:00+08:00"}.event(),
      testing::procedure("procedure_started", "2026-03-10T09:00:00+08:00", "inspection"),
      testing::procedure("procedure_started", "2026-03-12T09:00:00+08:00", "hearing"),
      testing::procedure("procedure_ended", "2026-03-16T09:00:00+08:00", "hearing"),
      testing::procedure("procedure_ended", "2026-03-20T09:00:00+08:00", "inspection"),
  };
  const auto c =
      rules::evaluate_clock(clock_of(*set, "alp-42-decision"), ev, *testing::cn_calendar());
  CHECK(fmt(c.at(0).due_at) == "2026-04-10T23:59:59+08:00");
  CHECK(c.at(0).paused_units == 8);
}

TEST_CASE("settled point 3: one extension per case, up to 10 days, an approver required",
          "[clock][settled]") {
  const auto set = testing::statutory_rules();
  const auto& spec = clock_of(*set, "alp-42-decision");
  const auto cal = testing::cn_calendar();
  auto ext = [](const char* when, const char* fields) {
    return Ev{.type = "procedure_started",
              .when = when,
              .data = std::string(R"({"procedure":"extension",)") + fields + "}"}
        .event();
  };
  const auto accepted = Ev{.type = "accepted", .when = "2026-03-02T09:00:00+08:00"}.event();
  auto due = [&](std::vector<rules::Event> more) {
    more.insert(more.begin(), accepted);
    const auto c = rules::evaluate_clock(spec, more, *cal);
    return fmt(c.at(0).due_at) + " +" + std::to_string(c.at(0).extension);
  };
  // Unextended: due 03-30; +10: 04-14; +5: 04-07 (03-31, 04-01..03, 04-07).
  CHECK(due({ext("2026-03-20T09:00:00+08:00",
                 R"("approver":"L1","reason":"r","declared":{"working_days":15})")}) ==
        "2026-04-14T23:59:59+08:00 +10");
  CHECK(
      due({ext("2026-03-20T09:00:00+08:00", R"("approver":"L1","declared":{"working_days":5})")}) ==
      "2026-04-07T23:59:59+08:00 +5");
  CHECK(due({ext("2026-03-20T09:00:00+08:00", R"("reason":"r","declared":{"working_days":5})")}) ==
        "2026-03-30T23:59:59+08:00 +0");
  CHECK(due({ext("2026-03-20T09:00:00+08:00", R"("reason":"r","declared":{"working_days":5})"),
             ext("2026-03-23T09:00:00+08:00",
                 R"("approver":"L1","reason":"r","declared":{"working_days":5})")}) ==
        "2026-03-30T23:59:59+08:00 +0");
  CHECK(due({ext("2026-03-20T09:00:00+08:00",
                 R"("approver":"L1","reason":"r","declared":{"working_days":5})"),
             ext("2026-03-23T09:00:00+08:00",
                 R"("approver":"L1","reason":"r","declared":{"working_days":5})")}) ==
        "2026-04-07T23:59:59+08:00 +5");
  // Settled point 1: after the breach (03-31) it adds nothing.
  CHECK(due({ext("2026-03-31T09:00:00+08:00",
                 R"("approver":"L1","reason":"r","declared":{"working_days":5})")}) ==
        "2026-03-30T23:59:59+08:00 +0");
}

TEST_CASE("settled point 6: a promise of 0 working days has its due point and no reminder",
          "[clock][settled]") {
  const auto set = testing::statutory_rules();
  const auto& spec = clock_of(*set, "promise-deadline");
  for (const char* when : {"2026-09-18T10:00:00+08:00", "2026-10-02T10:00:00+08:00"}) {
    INFO(when);
    const auto c = rules::evaluate_clock(
        spec,
        {Ev{.type = "accepted", .when = when, .data = R"({"promised":{"working_days":0}})"}
             .event()},
        *testing::cn_calendar());
    REQUIRE(c.size() == 1);
    CHECK(fmt(c[0].due_at) == std::string(when).substr(0, 10) + "T23:59:59+08:00");
    CHECK_FALSE(c[0].stage_fire[0]);  // "1 working day before" lies before the acceptance
    CHECK(fmt(c[0].stage_fire[1]) == fmt(*c[0].due_at + std::chrono::seconds{1}));
  }
}
