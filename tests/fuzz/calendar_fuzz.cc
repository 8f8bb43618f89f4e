// The calendar loader (rules/include/rules/calendar.h) on arbitrary YAML, then the working-day
// arithmetic over the years the calendar holds: a calendar that loads answers every question.
#include <variant>

#include "check.h"
#include "rules/calendar.h"
#include "rules/time.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto loaded = rules::Calendar::load(approvald::fuzz::as_text(data, size), "calendar.yaml");
  if (auto* diags = std::get_if<rules::Diagnostics>(&loaded)) {
    approvald::fuzz::check(!diags->empty(), "a refused calendar says why");
    return 0;
  }
  const auto& cal = *std::get<std::shared_ptr<const rules::Calendar>>(loaded);
  int asked = 0;
  for (const auto& y : cal.years()) {
    if (++asked > 3) break;  // bounded work per input; the loader is what is under test
    const rules::Date first = rules::date_from_civil(y.year, 1, 1);
    const rules::Date last = rules::date_from_civil(y.year, 12, 31);
    const auto n = cal.working_days_between(first, last);
    approvald::fuzz::check(n >= 0 && n <= 365, "a year has between 0 and 365 working days");
    if (n > 0) {
      approvald::fuzz::check(cal.add_working_days(first, n) <= last,
                             "n working days after 1 Jan stay in the year that has n");
    }
    for (const auto& h : y.holidays) (void)cal.describe(h.from);
    for (const auto& w : y.workdays) {
      approvald::fuzz::check(cal.is_working_day(w.date), "a make-up day is a working day");
    }
  }
  return 0;
}
