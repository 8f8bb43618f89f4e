#include "rules/calendar.h"

#include <algorithm>
#include <map>

#include "rules/echo.h"
#include "rules/yaml_reader.h"

namespace rules {
namespace {

enum Kind : std::uint8_t { kWorking = 0, kWeekend = 1, kHoliday = 2, kMakeUp = 3 };

// Only zones without daylight saving are accepted: a fixed offset keeps the engine free of a
// time-zone database (see docs/adr/0003-fixed-offset-zones.md).
struct ZoneOffset {
  std::string_view name;
  int minutes;
};
constexpr ZoneOffset kZones[] = {
    {"Asia/Shanghai", 480},  {"Asia/Chongqing", 480}, {"Asia/Harbin", 480}, {"Asia/Urumqi", 360},
    {"Asia/Hong_Kong", 480}, {"Asia/Macau", 480},     {"Asia/Taipei", 480}, {"Asia/Singapore", 480},
    {"Asia/Tokyo", 540},     {"Asia/Seoul", 540},     {"UTC", 0},           {"Etc/UTC", 0},
};

constexpr std::string_view kWeekdays[] = {"monday", "tuesday",  "wednesday", "thursday",
                                          "friday", "saturday", "sunday"};

}  // namespace

std::size_t Calendar::index(Date d) const {
  return static_cast<std::size_t>(std::clamp(d, lo_, static_cast<Date>(hi_ - 1)) - lo_);
}

bool Calendar::is_working_day(Date d) const {
  const auto k = kind_[index(d)];
  return k == kWorking || k == kMakeUp;
}

bool Calendar::is_provisional(Date d) const {
  const int y = civil_from_date(std::clamp(d, lo_, static_cast<Date>(hi_ - 1))).year;
  return published_[static_cast<std::size_t>(y - kFirstYear)] == 0;
}

bool Calendar::any_provisional(Date from, Date to) const {
  if (to <= from) return false;
  const int y0 = civil_from_date(std::clamp(from + 1, lo_, static_cast<Date>(hi_ - 1))).year;
  const int y1 = civil_from_date(std::clamp(to, lo_, static_cast<Date>(hi_ - 1))).year;
  for (int y = y0; y <= y1; ++y) {
    if (published_[static_cast<std::size_t>(y - kFirstYear)] == 0) return true;
  }
  return false;
}

std::string Calendar::describe(Date d) const {
  std::string out;
  switch (kind_[index(d)]) {
    case kWorking:
      out = "working day";
      break;
    case kWeekend:
      out = "weekend";
      break;
    case kHoliday:
      out = "holiday";
      for (const Year& y : years_) {
        for (const Holiday& h : y.holidays) {
          if (d >= h.from && d <= h.to) out = "holiday: " + h.name;
        }
      }
      break;
    case kMakeUp:
      out = "make-up working day";
      for (const Year& y : years_) {
        for (const MakeUpDay& m : y.workdays) {
          if (m.date == d && !m.for_holiday.empty()) out += " for " + m.for_holiday;
        }
      }
      break;
  }
  if (is_provisional(d)) out += " (provisional)";
  return out;
}

std::int64_t Calendar::working_days_between(Date from, Date to) const {
  if (to <= from) return 0;
  return cum_[index(to)] - cum_[index(from)];
}

Date Calendar::add_working_days(Date from, std::int64_t n) const {
  if (n <= 0) return from;
  const std::int64_t target = cum_[index(from)] + n;
  const auto begin = cum_.begin() + static_cast<std::ptrdiff_t>(index(from));
  const auto it = std::lower_bound(begin, cum_.end(), target);
  if (it == cum_.end()) return hi_ - 1;  // saturate at the end of the supported range
  return lo_ + static_cast<Date>(it - cum_.begin());
}

void Calendar::build_tables() {
  lo_ = date_from_civil(kFirstYear, 1, 1);
  hi_ = date_from_civil(kLastYear + 1, 1, 1);
  const auto n = static_cast<std::size_t>(hi_ - lo_);
  kind_.assign(n, kWorking);
  published_.assign(static_cast<std::size_t>(kLastYear) - kFirstYear + 1, 0);
  for (Date d = lo_; d < hi_; ++d) {
    if (weekend_[weekday_of(d)]) kind_[static_cast<std::size_t>(d - lo_)] = kWeekend;
  }
  // Provisional fixed-date holidays apply to every year first; published years overwrite below.
  for (int y = kFirstYear; y <= kLastYear; ++y) {
    for (const auto& [m, day] : provisional_fixed_) {
      const bool leap = date_from_civil(y, 3, 1) - date_from_civil(y, 2, 28) == 2;
      if (m == 2 && day == 29 && !leap) continue;
      kind_[static_cast<std::size_t>(date_from_civil(y, m, day) - lo_)] = kHoliday;
    }
  }
  for (const Year& y : years_) {
    published_[static_cast<std::size_t>(y.year - kFirstYear)] = 1;
    const Date y0 = date_from_civil(y.year, 1, 1);
    const Date y1 = date_from_civil(y.year + 1, 1, 1);
    for (Date d = y0; d < y1; ++d) {
      kind_[static_cast<std::size_t>(d - lo_)] = weekend_[weekday_of(d)] ? kWeekend : kWorking;
    }
    for (const Holiday& h : y.holidays) {
      for (Date d = h.from; d <= h.to; ++d) kind_[static_cast<std::size_t>(d - lo_)] = kHoliday;
    }
    for (const MakeUpDay& m : y.workdays) kind_[static_cast<std::size_t>(m.date - lo_)] = kMakeUp;
  }
  cum_.resize(n);
  std::int32_t c = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (kind_[i] == kWorking || kind_[i] == kMakeUp) ++c;
    cum_[i] = c;
  }
}

std::variant<std::shared_ptr<const Calendar>, Diagnostics> Calendar::load(std::string_view text,
                                                                          std::string file_name) {
  Diagnostics diags;
  detail::YamlReader r(std::move(file_name), &diags);
  auto cal = std::shared_ptr<Calendar>(new Calendar());
  const auto doc = r.parse(text);
  if (!doc) return diags;
  const YAML::Node& root = *doc;
  if (!r.expect_map(root, "calendar file")) return diags;
  r.check_keys(
      root, {"calendar", "version", "time_zone", "weekend", "provisional", "years", "description"},
      "");
  cal->name_ = r.string(root, "calendar", "", true).value_or("");
  cal->version_ = r.string(root, "version", "", true).value_or("");
  if (auto tz = r.string(root, "time_zone", "", true)) {
    cal->time_zone_ = *tz;
    const auto* z = std::find_if(std::begin(kZones), std::end(kZones),
                                 [&](const ZoneOffset& zo) { return zo.name == *tz; });
    if (z == std::end(kZones)) {
      std::string names;
      for (const auto& zo : kZones) names += (names.empty() ? "" : ", ") + std::string(zo.name);
      r.error(root["time_zone"],
              "time_zone: " + quoted(*tz) +
                  " is not supported; zones without daylight saving are: " + names);
    } else {
      cal->offset_minutes_ = z->minutes;
    }
  }
  if (const YAML::Node wk = root["weekend"]; wk.IsDefined()) {
    if (r.expect_sequence(wk, "weekend")) {
      std::fill(std::begin(cal->weekend_), std::end(cal->weekend_), false);
      for (std::size_t i = 0; i < wk.size(); ++i) {
        const std::string s = wk[i].IsScalar() ? wk[i].Scalar() : "";
        const auto* it = std::find(std::begin(kWeekdays), std::end(kWeekdays), s);
        if (it == std::end(kWeekdays)) {
          r.error(wk[i], detail::index_path("weekend", i) + ": " + quoted(s) +
                             " is not a weekday name (monday … sunday)");
        } else {
          cal->weekend_[it - std::begin(kWeekdays)] = true;
        }
      }
    }
  }
  if (const YAML::Node prov = root["provisional"];
      prov.IsDefined() && r.expect_map(prov, "provisional")) {
    r.check_keys(prov, {"fixed_holidays", "note"}, "provisional");
    if (const YAML::Node fh = prov["fixed_holidays"];
        fh.IsDefined() && r.expect_sequence(fh, "provisional.fixed_holidays")) {
      for (std::size_t i = 0; i < fh.size(); ++i) {
        const std::string s = fh[i].IsScalar() ? fh[i].Scalar() : "";
        const auto d = parse_date("2000-" + s);  // 2000 is a leap year, so 02-29 parses
        if (s.size() != 5 || !d) {
          r.error(fh[i], detail::index_path("provisional.fixed_holidays", i) + ": " + quoted(s) +
                             " is not a MM-DD date");
          continue;
        }
        const Civil c = civil_from_date(*d);
        cal->provisional_fixed_.emplace_back(c.month, c.day);
      }
    }
  }
  const YAML::Node years = root["years"];
  if (!years.IsDefined()) {
    r.error(root, "years: required (the published schedules, by year)");
  } else if (r.expect_map(years, "years")) {
    std::map<int, bool> seen;
    for (const auto& kv : years) {
      const std::string where = "years." + echo(kv.first.Scalar());
      const auto year = r.integer(kv.first, "years: key", kFirstYear, kLastYear);
      if (!year) continue;
      if (seen[static_cast<int>(*year)]) {
        r.error(kv.first, where + ": year listed twice");
        continue;
      }
      seen[static_cast<int>(*year)] = true;
      const YAML::Node& yn = kv.second;
      if (!r.expect_map(yn, where)) continue;
      r.check_keys(yn, {"notice", "published", "holidays", "workdays"}, where);
      Year y;
      y.year = static_cast<int>(*year);
      y.notice = r.string(yn, "notice", where, true).value_or("");
      const Date y0 = date_from_civil(y.year, 1, 1);
      const Date y1 = date_from_civil(y.year, 12, 31);
      auto in_year_date = [&](const YAML::Node& n, const std::string& what) -> std::optional<Date> {
        const auto d = n.IsScalar() ? parse_date(n.Scalar()) : std::nullopt;
        if (!d) {
          r.error(n, what + ": not a YYYY-MM-DD date");
          return std::nullopt;
        }
        if (*d < y0 || *d > y1) {
          r.error(n, what + ": " + format_date(*d) + " is not in " + std::to_string(y.year));
          return std::nullopt;
        }
        return d;
      };
      std::vector<YAML::Node> holiday_nodes;  // parallel to y.holidays, for the places of errors
      if (const YAML::Node hs = yn["holidays"];
          hs.IsDefined() && r.expect_sequence(hs, where + ".holidays")) {
        for (std::size_t i = 0; i < hs.size(); ++i) {
          const std::string hw = detail::index_path(where + ".holidays", i);
          if (!r.expect_map(hs[i], hw)) continue;
          r.check_keys(hs[i], {"name", "from", "to"}, hw);
          const auto name = r.string(hs[i], "name", hw, true);
          const auto from =
              hs[i]["from"].IsDefined() ? in_year_date(hs[i]["from"], hw + ".from") : std::nullopt;
          if (!hs[i]["from"].IsDefined()) r.error(hs[i], hw + ".from: required");
          const auto to = hs[i]["to"].IsDefined() ? in_year_date(hs[i]["to"], hw + ".to") : from;
          if (!name || !from || !to) continue;
          if (*to < *from) {
            r.error(hs[i]["to"], hw + ".to: ends before it starts");
            continue;
          }
          y.holidays.push_back(Holiday{*name, *from, *to});
          holiday_nodes.push_back(hs[i]);
        }
      }
      // Overlapping holiday ranges are almost always a typo in a date. Sorted by start, each range
      // is compared with the one reaching furthest before it: one diagnostic per overlapping
      // holiday and n log n work, where comparing every pair gave n²/2 of both.
      std::vector<std::size_t> by_start(y.holidays.size());
      for (std::size_t i = 0; i < by_start.size(); ++i) by_start[i] = i;
      std::stable_sort(by_start.begin(), by_start.end(), [&](std::size_t a, std::size_t b) {
        return y.holidays[a].from < y.holidays[b].from;
      });
      std::vector<std::pair<Date, Date>> off_ranges;  // the union of the holidays, sorted
      std::optional<std::size_t> reach;               // the holiday seen so far that ends last
      for (std::size_t i : by_start) {
        const Holiday& h = y.holidays[i];
        if (reach && h.from <= y.holidays[*reach].to) {
          r.error(holiday_nodes[i], where + ".holidays: " + quoted(h.name) + " overlaps " +
                                        quoted(y.holidays[*reach].name));
        }
        if (!reach || h.to > y.holidays[*reach].to) reach = i;
        if (!off_ranges.empty() && h.from <= off_ranges.back().second + 1) {
          off_ranges.back().second = std::max(off_ranges.back().second, h.to);
        } else {
          off_ranges.emplace_back(h.from, h.to);
        }
      }
      const auto is_holiday = [&](Date d) {
        const auto it =
            std::upper_bound(off_ranges.begin(), off_ranges.end(), d,
                             [](Date x, const std::pair<Date, Date>& rg) { return x < rg.first; });
        return it != off_ranges.begin() && d <= std::prev(it)->second;
      };
      if (const YAML::Node ws = yn["workdays"];
          ws.IsDefined() && r.expect_sequence(ws, where + ".workdays")) {
        for (std::size_t i = 0; i < ws.size(); ++i) {
          const std::string ww = detail::index_path(where + ".workdays", i);
          if (!r.expect_map(ws[i], ww)) continue;
          r.check_keys(ws[i], {"date", "for"}, ww);
          if (!ws[i]["date"].IsDefined()) {
            r.error(ws[i], ww + ".date: required");
            continue;
          }
          const auto d = in_year_date(ws[i]["date"], ww + ".date");
          if (!d) continue;
          if (!cal->weekend_[weekday_of(*d)]) {
            r.error(ws[i]["date"],
                    ww + ".date: " + format_date(*d) +
                        " is a weekday already; a make-up working day must fall on a weekend");
            continue;
          }
          if (is_holiday(*d)) {
            r.error(ws[i]["date"],
                    ww + ".date: " + format_date(*d) + " is also listed as a holiday");
            continue;
          }
          y.workdays.push_back(MakeUpDay{*d, r.string(ws[i], "for", ww, false).value_or("")});
        }
      }
      cal->years_.push_back(std::move(y));
    }
  }
  if (!r.ok()) return diags;
  std::sort(cal->years_.begin(), cal->years_.end(),
            [](const Year& a, const Year& b) { return a.year < b.year; });
  cal->build_tables();
  return std::shared_ptr<const Calendar>(std::move(cal));
}

}  // namespace rules
