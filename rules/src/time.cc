#include "rules/time.h"

#include <array>
#include <cstdio>

namespace rules {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int y, unsigned m) {
  static constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

Date date_from_civil(int year, unsigned month, unsigned day) {
  const std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{month},
                                        std::chrono::day{day}};
  return static_cast<Date>(std::chrono::sys_days{ymd}.time_since_epoch().count());
}

Civil civil_from_date(Date d) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{d}}};
  return Civil{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
               static_cast<unsigned>(ymd.day())};
}

int weekday_of(Date d) {
  // 1970-01-01 was a Thursday (index 3 with Monday = 0).
  return static_cast<int>(((static_cast<std::int64_t>(d) % 7) + 7 + 3) % 7);
}

Date local_date(Timestamp at, int offset_minutes) {
  const std::int64_t local_ms =
      at.time_since_epoch().count() + static_cast<std::int64_t>(offset_minutes) * 60'000;
  return static_cast<Date>(floor_div(local_ms, kMillisPerDay));
}

Timestamp start_of_local_date(Date d, int offset_minutes) {
  const std::int64_t ms = static_cast<std::int64_t>(d) * kMillisPerDay -
                          static_cast<std::int64_t>(offset_minutes) * 60'000;
  return Timestamp{Millis{ms}};
}

std::optional<ParsedTime> parse_rfc3339(std::string_view s, std::string* why) {
  auto fail = [why](const char* reason) -> std::optional<ParsedTime> {
    if (why != nullptr) *why = reason;
    return std::nullopt;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (s.size() < 19 || !digits(s, 0, 4, &y) || s[4] != '-' || !digits(s, 5, 2, &mo) ||
      s[7] != '-' || !digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
      !digits(s, 11, 2, &h) || s[13] != ':' || !digits(s, 14, 2, &mi) || s[16] != ':' ||
      !digits(s, 17, 2, &se)) {
    return fail("not an RFC 3339 date-time (expected YYYY-MM-DDTHH:MM:SS±HH:MM)");
  }
  if (mo < 1 || mo > 12) return fail("month out of range");
  if (d < 1 || static_cast<unsigned>(d) > days_in_month(y, static_cast<unsigned>(mo))) {
    return fail("day out of range for the month");
  }
  if (h > 23 || mi > 59 || se > 59) return fail("time of day out of range");
  std::size_t pos = 19;
  std::int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t begin = pos;
    int scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      millis += static_cast<std::int64_t>(s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == begin) return fail("empty fraction of a second");
  }
  int offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, &om)) {
      return fail("bad UTC offset (expected ±HH:MM)");
    }
    if (oh > 23 || om > 59) return fail("UTC offset out of range");
    offset = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return fail("missing UTC offset (RFC 3339 needs 'Z' or ±HH:MM)");
  }
  if (pos != s.size()) return fail("trailing characters after the date-time");
  const Date date = date_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const std::int64_t local_ms =
      static_cast<std::int64_t>(date) * kMillisPerDay +
      (static_cast<std::int64_t>(h) * 3600 + static_cast<std::int64_t>(mi) * 60 + se) * 1000 +
      millis;
  return ParsedTime{Timestamp{Millis{local_ms - static_cast<std::int64_t>(offset) * 60'000}},
                    offset};
}

std::string format_rfc3339(Timestamp at, int offset_minutes) {
  const std::int64_t local_ms =
      at.time_since_epoch().count() + static_cast<std::int64_t>(offset_minutes) * 60'000;
  const Date d = static_cast<Date>(floor_div(local_ms, kMillisPerDay));
  const std::int64_t sec_of_day =
      floor_div(local_ms - static_cast<std::int64_t>(d) * kMillisPerDay, 1000);
  const Civil c = civil_from_date(d);
  const int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  char buf[40];
  if (offset_minutes == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", c.year, c.month, c.day,
                  static_cast<int>(sec_of_day / 3600), static_cast<int>(sec_of_day / 60 % 60),
                  static_cast<int>(sec_of_day % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", c.year, c.month,
                  c.day, static_cast<int>(sec_of_day / 3600),
                  static_cast<int>(sec_of_day / 60 % 60), static_cast<int>(sec_of_day % 60),
                  offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
  }
  return buf;
}

std::optional<Date> parse_date(std::string_view s) {
  int y = 0, m = 0, d = 0;
  if (s.size() != 10 || !digits(s, 0, 4, &y) || s[4] != '-' || !digits(s, 5, 2, &m) ||
      s[7] != '-' || !digits(s, 8, 2, &d)) {
    return std::nullopt;
  }
  if (m < 1 || m > 12 || d < 1 ||
      static_cast<unsigned>(d) > days_in_month(y, static_cast<unsigned>(m))) {
    return std::nullopt;
  }
  return date_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

std::string format_date(Date d) {
  const Civil c = civil_from_date(d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", c.year, c.month, c.day);
  return buf;
}

}  // namespace rules
