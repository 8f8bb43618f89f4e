// Time values of the rule engine. The engine never reads a clock: every instant arrives as a
// parameter. Instants are UTC milliseconds; calendar dates are day numbers in a calendar's zone.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rules {

using Millis = std::chrono::milliseconds;
using Timestamp = std::chrono::sys_time<Millis>;
// A local calendar date, as days since 1970-01-01 (the same numbering as std::chrono::sys_days).
using Date = std::int32_t;

inline constexpr std::int64_t kMillisPerDay = 86'400'000;

// A parsed RFC 3339 instant, keeping the writer's UTC offset for display.
struct ParsedTime {
  Timestamp at;
  int offset_minutes = 0;
};

// Parses "2026-09-18T10:02:00+08:00" (fraction and 'Z' allowed; the offset is required).
// Returns std::nullopt with *why set to the reason on failure.
std::optional<ParsedTime> parse_rfc3339(std::string_view text, std::string* why);

// Formats an instant at a fixed UTC offset, whole seconds: "2026-10-22T23:59:59+08:00".
std::string format_rfc3339(Timestamp at, int offset_minutes);

// Parses "2026-10-01" into a Date.
std::optional<Date> parse_date(std::string_view text);
std::string format_date(Date d);

// Date <-> civil fields (proleptic Gregorian).
Date date_from_civil(int year, unsigned month, unsigned day);
struct Civil {
  int year;
  unsigned month;
  unsigned day;
};
Civil civil_from_date(Date d);
// 0 = Monday ... 6 = Sunday.
int weekday_of(Date d);

// The local date of an instant at a fixed offset, and the first instant of a local date.
Date local_date(Timestamp at, int offset_minutes);
Timestamp start_of_local_date(Date d, int offset_minutes);

}  // namespace rules
