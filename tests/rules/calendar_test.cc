#include "rules/calendar.h"

#include <catch2/catch.hpp>
#include <set>

#include "rules/yaml_reader.h"
#include "support/fixtures.h"

using testing::cn_calendar;
using testing::date;

namespace {

// Transcribed from the State Council notices (shared/domain/calendars.md), independently of
// config/calendars/cn-mainland.yaml: the test fails if the two disagree on any date.
std::set<rules::Date> range(const char* from, const char* to) {
  std::set<rules::Date> out;
  for (rules::Date d = date(from); d <= date(to); ++d) out.insert(d);
  return out;
}

std::set<rules::Date> official_holidays() {
  std::set<rules::Date> h;
  for (auto [a, b] :
       std::initializer_list<std::pair<const char*, const char*>>{{"2025-01-01", "2025-01-01"},
                                                                  {"2025-01-28", "2025-02-04"},
                                                                  {"2025-04-04", "2025-04-06"},
                                                                  {"2025-05-01", "2025-05-05"},
                                                                  {"2025-05-31", "2025-06-02"},
                                                                  {"2025-10-01", "2025-10-08"},
                                                                  {"2026-01-01", "2026-01-03"},
                                                                  {"2026-02-15", "2026-02-23"},
                                                                  {"2026-04-04", "2026-04-06"},
                                                                  {"2026-05-01", "2026-05-05"},
                                                                  {"2026-06-19", "2026-06-21"},
                                                                  {"2026-09-25", "2026-09-27"},
                                                                  {"2026-10-01", "2026-10-07"}}) {
    auto r = range(a, b);
    h.insert(r.begin(), r.end());
  }
  return h;
}

std::set<rules::Date> official_makeup_days() {
  std::set<rules::Date> m;
  for (const char* d :
       {"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11", "2026-01-04",
        "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}) {
    m.insert(date(d));
  }
  return m;
}

}  // namespace

TEST_CASE("every date of 2025 and 2026 matches the official notices", "[calendar]") {
  const auto cal = cn_calendar();
  const auto holidays = official_holidays();
  const auto makeup = official_makeup_days();
  int working = 0;
  for (rules::Date d = date("2025-01-01"); d <= date("2026-12-31"); ++d) {
    const bool weekend = rules::weekday_of(d) >= 5;
    const bool expected = makeup.count(d) > 0 || (!weekend && holidays.count(d) == 0);
    INFO(rules::format_date(d) << " " << cal->describe(d));
    CHECK(cal->is_working_day(d) == expected);
    CHECK_FALSE(cal->is_provisional(d));
    working += expected;
  }
  // 248 working days in each year (counted from the notices with a separate script).
  CHECK(cal->working_days_between(date("2024-12-31"), date("2025-12-31")) == 248);
  CHECK(cal->working_days_between(date("2025-12-31"), date("2026-12-31")) == 248);
  CHECK(working == 496);
}

TEST_CASE("the calendar notes' worked examples", "[calendar]") {
  const auto cal = cn_calendar();
  // Accepted Fri 2026-09-18, 20 working days: 2026-10-22.
  CHECK(rules::format_date(cal->add_working_days(date("2026-09-18"), 20)) == "2026-10-22");
  // Received Thu 2026-02-12, 5 working days: 2026-02-26.
  CHECK(rules::format_date(cal->add_working_days(date("2026-02-12"), 5)) == "2026-02-26");
  // 2025 Spring Festival: received Fri 2025-01-24; 01-26 (Sun, make-up), 01-27, 02-05, 02-06,
  // 02-07.
  CHECK(rules::format_date(cal->add_working_days(date("2025-01-24"), 5)) == "2025-02-07");
  CHECK(cal->add_working_days(date("2026-09-18"), 0) == date("2026-09-18"));
}

TEST_CASE("adding then counting working days round-trips over every date of 2025-2026",
          "[calendar][property]") {
  const auto cal = cn_calendar();
  for (rules::Date s = date("2025-01-01"); s <= date("2026-12-31"); ++s) {
    for (std::int64_t n = 1; n <= 45; n += 4) {
      const rules::Date d = cal->add_working_days(s, n);
      INFO(rules::format_date(s) << " + " << n << " = " << rules::format_date(d));
      REQUIRE(cal->is_working_day(d));
      REQUIRE(cal->working_days_between(s, d) == n);
      REQUIRE(cal->working_days_between(s, d - 1) == n - 1);  // d is the first such day
    }
  }
}

TEST_CASE("working-day counts are additive", "[calendar][property]") {
  const auto cal = cn_calendar();
  for (rules::Date a = date("2025-12-01"); a <= date("2026-03-01"); a += 3) {
    for (rules::Date b = a; b <= a + 60; b += 7) {
      for (rules::Date c = b; c <= b + 60; c += 11) {
        REQUIRE(cal->working_days_between(a, b) + cal->working_days_between(b, c) ==
                cal->working_days_between(a, c));
      }
    }
  }
}

TEST_CASE("years without a notice are provisional: weekends and fixed holidays only",
          "[calendar]") {
  const auto cal = cn_calendar();
  CHECK(cal->is_provisional(date("2027-03-01")));
  CHECK(cal->any_provisional(date("2026-12-20"), date("2027-01-05")));
  CHECK_FALSE(cal->any_provisional(date("2026-01-01"), date("2026-12-31")));
  CHECK_FALSE(cal->is_working_day(date("2027-01-01")));  // fixed-date New Year
  CHECK_FALSE(cal->is_working_day(date("2027-10-01")));  // fixed-date National Day
  CHECK(cal->is_working_day(date("2027-02-08")));        // Spring Festival not yet known
  CHECK_THAT(cal->describe(date("2027-01-01")), Catch::Contains("(provisional)"));
  CHECK(cal->describe(date("2026-10-10")) == "make-up working day for 国庆节");
  CHECK(cal->describe(date("2026-10-02")) == "holiday: 国庆节");
  CHECK(cal->id() == "cn-mainland@2026");
  CHECK(cal->offset_minutes() == 480);
}

TEST_CASE("a calendar file with mistakes is refused with every error located", "[calendar]") {
  const std::string text = R"(calendar: test
version: "1"
time_zone: Europe/Berlin
weekend: [saturday, sundae]
colour: blue
years:
  2026:
    notice: n
    holidays:
      - {name: A, from: 2026-05-01, to: 2026-05-05}
      - {name: B, from: 2026-05-04, to: 2026-05-06}
      - {name: C, from: 2027-01-01, to: 2027-01-02}
      - {name: D, from: 2026-07-10, to: 2026-07-01}
    workdays:
      - {date: 2026-05-06}
      - {date: 2026-05-02}
      - {date: 2026-02-30}
)";
  auto r = rules::Calendar::load(text, "bad.yaml");
  REQUIRE(std::holds_alternative<rules::Diagnostics>(r));
  std::string all;
  for (const auto& d : std::get<rules::Diagnostics>(r)) all += d.str() + "\n";
  INFO(all);
  CHECK_THAT(all, Catch::Contains("bad.yaml:3:12: time_zone: 'Europe/Berlin' is not supported"));
  CHECK_THAT(all, Catch::Contains("bad.yaml:4:21: weekend[1]: 'sundae' is not a weekday name"));
  CHECK_THAT(all, Catch::Contains("bad.yaml:5:1: colour: unknown key"));
  CHECK_THAT(all, Catch::Contains("'B' overlaps 'A'"));
  CHECK_THAT(all, Catch::Contains("2027-01-01 is not in 2026"));
  CHECK_THAT(all, Catch::Contains("ends before it starts"));
  CHECK_THAT(all, Catch::Contains("2026-05-06 is a weekday already"));
  CHECK_THAT(all, Catch::Contains("2026-05-02 is also listed as a holiday"));
  CHECK_THAT(all, Catch::Contains("workdays[2].date: not a YYYY-MM-DD date"));
  CHECK(std::get<rules::Diagnostics>(r).size() == 10);
}

TEST_CASE("a calendar with a YAML syntax error says where", "[calendar]") {
  auto r = rules::Calendar::load("calendar: [unclosed\n", "broken.yaml");
  REQUIRE(std::holds_alternative<rules::Diagnostics>(r));
  CHECK_THAT(std::get<rules::Diagnostics>(r).front().str(), Catch::StartsWith("broken.yaml:"));
  CHECK_THAT(std::get<rules::Diagnostics>(r).front().message, Catch::Contains("YAML syntax error"));
}

TEST_CASE("thousands of holidays on one date give a bounded list of diagnostics", "[calendar]") {
  // Every pair was compared and reported: 3,000 holidays gave 4.5 million diagnostics.
  std::string text =
      "calendar: c\nversion: '1'\ntime_zone: Asia/Shanghai\nyears:\n  2026:\n    notice: n\n"
      "    holidays:\n";
  for (int i = 0; i < 3000; ++i) {
    text += "      - {name: h" + std::to_string(i) + ", from: 2026-10-03}\n";
  }
  text += "    workdays:\n      - {date: 2026-10-10}\n      - {date: 2026-10-03}\n";
  auto r = rules::Calendar::load(text, "many.yaml");
  REQUIRE(std::holds_alternative<rules::Diagnostics>(r));
  const auto& d = std::get<rules::Diagnostics>(r);
  REQUIRE(d.size() == rules::kMaxDiagnosticsPerFile + 1);
  // The second holiday is the first to overlap; each later one is reported once.
  CHECK(d.front().str() == "many.yaml:9:9: years.2026.holidays: 'h1' overlaps 'h0'");
  // 2,999 overlaps and the make-up day on a holiday: 3,000 errors, the first 100 listed.
  CHECK(d.back().str() ==
        "many.yaml: \xE2\x80\xA6 and 2900 more errors (only the first 100 are shown)");
}

TEST_CASE("holidays that overlap are found whatever their order in the file", "[calendar]") {
  auto r = rules::Calendar::load(R"(calendar: c
version: '1'
time_zone: Asia/Shanghai
years:
  2026:
    notice: n
    holidays:
      - {name: late, from: 2026-10-05, to: 2026-10-09}
      - {name: early, from: 2026-10-01, to: 2026-10-03}
      - {name: long, from: 2026-09-28, to: 2026-10-20}
      - {name: apart, from: 2026-12-01}
    workdays:
      - {date: 2026-10-04}
      - {date: 2026-10-11}
      - {date: 2026-11-29}
)",
                                 "o.yaml");
  REQUIRE(std::holds_alternative<rules::Diagnostics>(r));
  std::string all;
  for (const auto& x : std::get<rules::Diagnostics>(r)) all += x.str() + "\n";
  INFO(all);
  CHECK_THAT(all, Catch::Contains("o.yaml:9:9: years.2026.holidays: 'early' overlaps 'long'"));
  CHECK_THAT(all, Catch::Contains("o.yaml:8:9: years.2026.holidays: 'late' overlaps 'long'"));
  // 10-04 lies in no holiday but 'long'; 10-11 only in 'long'; 11-29 in none.
  CHECK_THAT(all, Catch::Contains("workdays[0].date: 2026-10-04 is also listed as a holiday"));
  CHECK_THAT(all, Catch::Contains("workdays[1].date: 2026-10-11 is also listed as a holiday"));
  CHECK(std::get<rules::Diagnostics>(r).size() == 4);
}

TEST_CASE("a calendar refuses duplicate keys with both places", "[calendar]") {
  auto r = rules::Calendar::load(
      "calendar: c\nversion: '1'\ntime_zone: UTC\nyears:\n  2026: {notice: a}\n"
      "  2026: {notice: b}\ntime_zone: Asia/Tokyo\n",
      "d.yaml");
  REQUIRE(std::holds_alternative<rules::Diagnostics>(r));
  std::string all;
  for (const auto& x : std::get<rules::Diagnostics>(r)) all += x.str() + "\n";
  CHECK(all ==
        "d.yaml:6:3: years.2026: duplicate key (first at d.yaml:5:3)\n"
        "d.yaml:7:1: time_zone: duplicate key (first at d.yaml:3:1)\n");
}
