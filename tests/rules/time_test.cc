#include "rules/time.h"

#include <catch2/catch.hpp>

using rules::format_rfc3339;
using rules::parse_rfc3339;

TEST_CASE("RFC 3339 instants keep their offset and convert to UTC", "[time]") {
  std::string why;
  const auto t = parse_rfc3339("2026-09-18T10:02:00+08:00", &why);
  REQUIRE(t);
  CHECK(t->offset_minutes == 480);
  CHECK(format_rfc3339(t->at, 0) == "2026-09-18T02:02:00Z");
  CHECK(format_rfc3339(t->at, 480) == "2026-09-18T10:02:00+08:00");
  CHECK(format_rfc3339(t->at, -330) == "2026-09-17T20:32:00-05:30");
}

TEST_CASE("RFC 3339 accepts Z and fractions, truncating below a millisecond", "[time]") {
  std::string why;
  const auto a = parse_rfc3339("2026-01-01T00:00:00.1239Z", &why);
  REQUIRE(a);
  CHECK(a->at.time_since_epoch().count() % 1000 == 123);
  CHECK(parse_rfc3339("2026-01-01t00:00:00z", &why));
}

TEST_CASE("RFC 3339 refuses what it cannot read, saying why", "[time]") {
  const std::pair<const char*, const char*> bad[] = {
      {"2026-09-18T10:02:00", "missing UTC offset"},
      {"2026-09-18 10:02:00+08:00", "not an RFC 3339"},
      {"2026-13-01T00:00:00Z", "month out of range"},
      {"2026-02-29T00:00:00Z", "day out of range"},
      {"2026-02-10T24:00:00Z", "time of day out of range"},
      {"2026-02-10T10:00:00+8:00", "bad UTC offset"},
      {"2026-02-10T10:00:00+08:00x", "trailing characters"},
      {"2026-02-10T10:00:00.Z", "empty fraction"},
      {"", "not an RFC 3339"},
  };
  for (const auto& [text, reason] : bad) {
    std::string why;
    INFO(text);
    CHECK_FALSE(parse_rfc3339(text, &why));
    CHECK_THAT(why, Catch::Contains(reason));
  }
}

TEST_CASE("local dates and weekdays in a fixed offset", "[time]") {
  std::string why;
  const auto t = parse_rfc3339("2026-09-18T23:30:00+08:00", &why)->at;
  CHECK(rules::format_date(rules::local_date(t, 480)) == "2026-09-18");
  CHECK(rules::format_date(rules::local_date(t, 0)) == "2026-09-18");
  const auto early = parse_rfc3339("2026-09-18T01:00:00+08:00", &why)->at;
  CHECK(rules::format_date(rules::local_date(early, 0)) == "2026-09-17");
  CHECK(rules::weekday_of(*rules::parse_date("2026-09-18")) == 4);  // Friday
  CHECK(rules::weekday_of(*rules::parse_date("1970-01-01")) == 3);  // Thursday
  CHECK(format_rfc3339(rules::start_of_local_date(*rules::parse_date("2026-10-23"), 480), 480) ==
        "2026-10-23T00:00:00+08:00");
  CHECK_FALSE(rules::parse_date("2026-02-30"));
  CHECK(rules::parse_date("2024-02-29"));
}
