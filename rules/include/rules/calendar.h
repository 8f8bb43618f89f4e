// An official working-day calendar (工作日历): weekends, published holidays and make-up working
// days per year. Years without a published schedule are provisional: weekends plus the fixed-date
// holidays listed for that purpose, and every deadline that crosses them says so.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rules/diagnostic.h"
#include "rules/time.h"

namespace rules {

class Calendar {
 public:
  // Parses and validates a calendar file's text. On failure returns every problem found.
  static std::variant<std::shared_ptr<const Calendar>, Diagnostics> load(std::string_view yaml,
                                                                         std::string file_name);

  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  std::string id() const { return name_ + '@' + version_; }  // "cn-mainland@2026"
  const std::string& time_zone() const { return time_zone_; }
  int offset_minutes() const { return offset_minutes_; }

  bool is_working_day(Date d) const;
  // True when d lies in a year whose official schedule this calendar does not hold.
  bool is_provisional(Date d) const;
  // True when any date in (from, to] is provisional.
  bool any_provisional(Date from, Date to) const;
  // Why a date is or is not a working day: "working day", "weekend", "holiday: 国庆",
  // "make-up working day for 国庆", with " (provisional)" appended where it applies.
  std::string describe(Date d) const;

  // Working days in (from, to]; 0 when to <= from.
  std::int64_t working_days_between(Date from, Date to) const;
  // The n-th working day after `from` (start day excluded); `from` itself when n == 0.
  Date add_working_days(Date from, std::int64_t n) const;

  // The supported range of dates; instants outside it are refused by the event decoder.
  static constexpr int kFirstYear = 1970;
  static constexpr int kLastYear = 2199;

  struct Holiday {
    std::string name;
    Date from;
    Date to;
  };
  struct MakeUpDay {
    Date date;
    std::string for_holiday;
  };
  struct Year {
    int year = 0;
    std::string notice;
    std::vector<Holiday> holidays;
    std::vector<MakeUpDay> workdays;
  };
  const std::vector<Year>& years() const { return years_; }

 private:
  Calendar() = default;
  void build_tables();
  std::size_t index(Date d) const;

  std::string name_, version_, time_zone_;
  int offset_minutes_ = 0;
  bool weekend_[7] = {false, false, false, false, false, true, true};
  std::vector<std::pair<unsigned, unsigned>> provisional_fixed_;  // (month, day)
  std::vector<Year> years_;
  Date lo_ = 0;
  Date hi_ = 0;                          // exclusive
  std::vector<std::uint8_t> kind_;       // per date: see calendar.cc
  std::vector<std::int32_t> cum_;        // working days in [lo_, d]
  std::vector<std::uint8_t> published_;  // per year since kFirstYear
};

}  // namespace rules
