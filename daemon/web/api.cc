#include "web/api.h"

#include <algorithm>
#include <boost/json.hpp>

#include "rules/clock.h"

namespace approvald::web {

std::string case_json(const rules::CaseState& s, const rules::Engine& engine, std::int64_t now_ms) {
  const int off = engine.calendar().offset_minutes();
  auto t = [off](rules::Timestamp x) { return rules::format_rfc3339(x, off); };
  boost::json::object o;
  o["case_id"] = s.case_id;
  o["agency"] = s.agency;
  o["item"] = s.item;
  o["rule_packs"] = engine.rules().id();
  o["calendar"] = engine.calendar().id();
  boost::json::array events;
  for (const auto& e : s.events) {
    boost::json::object j;
    j["event_id"] = e.event_id;
    j["type"] = rules::to_string(e.type);
    j["occurred_at"] = rules::format_rfc3339(e.occurred_at, e.offset_minutes);
    if (!e.officer.empty()) j["officer"] = e.officer;
    // The data leaves as one readable line ("procedure=inspection; reason=现场核查").
    std::string detail;
    for (const auto& f : e.data) {
      std::string text = f.value.text;
      std::replace(text.begin(), text.end(), '\n', ',');
      detail += (detail.empty() ? "" : "; ") + f.path + "=" + text;
    }
    if (!detail.empty()) j["detail"] = detail;
    events.push_back(std::move(j));
  }
  o["events"] = std::move(events);
  boost::json::array clocks;
  const rules::Timestamp now{rules::Millis{now_ms}};
  for (const rules::Rule* r : engine.rules().rules()) {
    const auto* spec = std::get_if<rules::ClockSpec>(&r->spec);
    if (spec == nullptr) continue;
    for (const auto& c : rules::evaluate_clock(*spec, s.events, engine.calendar())) {
      boost::json::object j;
      j["rule_id"] = r->id;
      j["title"] = r->title;
      j["cycle"] = c.number;
      j["unit"] = rules::to_string(spec->limit.unit);
      j["start"] = t(c.start);
      j["limit"] = c.limit;
      j["extension"] = c.extension;
      j["paused"] = c.paused_units;
      boost::json::array pauses;
      for (const auto& p : c.pauses) {
        boost::json::object pj;
        pj["from"] = t(p.from);
        if (p.to) pj["to"] = t(*p.to);
        if (!p.key.empty()) pj["procedure"] = p.key;
        pj["excluded"] = p.excluded;
        pauses.push_back(std::move(pj));
      }
      j["pauses"] = std::move(pauses);
      if (c.due_at) j["due_at"] = t(*c.due_at);
      const auto& cal = engine.calendar();
      if (spec->limit.unit == rules::Unit::kWorkingDays) {
        // The arithmetic a supervisor checks by hand: working days after the start day, up to
        // today (or the stop), less the days the pauses excluded so far.
        const rules::Date start_day = rules::local_date(c.start, off);
        const rules::Timestamp end = c.stop ? std::min(*c.stop, now) : now;
        std::int64_t excluded = 0;
        for (const auto& p : c.pauses) {
          if (p.from <= end) excluded += p.excluded;
        }
        const std::int64_t counted =
            cal.working_days_between(start_day, rules::local_date(end, off)) - excluded;
        j["counted"] = std::max<std::int64_t>(0, counted);
        if (c.due_date) {
          // start + (limit + extension + paused) working days = due date, and why that date.
          boost::json::object a;
          a["from"] = rules::format_date(start_day);
          a["working_days"] = c.limit + c.extension + c.paused_units;
          a["limit"] = c.limit;
          a["extension"] = c.extension;
          a["paused"] = c.paused_units;
          a["due_date"] = rules::format_date(*c.due_date);
          a["due_date_is"] = cal.describe(*c.due_date);
          j["due_arithmetic"] = std::move(a);
        }
      }
      if (c.provisional) j["provisional"] = true;
      boost::json::array stages;
      for (std::size_t i = 0; i < spec->stages.size(); ++i) {
        boost::json::object sj;
        sj["level"] = rules::to_string(spec->stages[i].level);
        if (c.stage_fire[i]) sj["fires_at"] = t(*c.stage_fire[i]);
        stages.push_back(std::move(sj));
      }
      j["stages"] = std::move(stages);
      if (c.stop) {
        j["stopped_at"] = t(*c.stop);
        j["stopped_by"] = c.stop_reason;
        j["status"] = c.due_at && *c.stop > *c.due_at ? "stopped_late" : "stopped_in_time";
      } else if (c.paused_at_end()) {
        j["status"] = "paused";
      } else {
        j["status"] = c.due_at && now > *c.due_at ? "overdue" : "running";
      }
      clocks.push_back(std::move(j));
    }
  }
  o["clocks"] = std::move(clocks);
  boost::json::array alerts;
  for (const auto& a : s.alerts) {
    static constexpr const char* kStatus[] = {"firing", "resolved", "retracted"};
    boost::json::object j;
    j["alert_id"] = rules::alert_id(s.case_id, a.rule_id, a.level, a.cycle);
    j["rule_id"] = a.rule_id;
    const rules::Rule* rule = engine.rules().find(a.rule_id);
    j["title"] = rule != nullptr ? rule->title : a.rule_id;
    j["level"] = rules::to_string(a.level);
    j["status"] = kStatus[static_cast<int>(a.status)];
    j["fired_at"] = t(a.fired_at);
    alerts.push_back(std::move(j));
  }
  o["alerts"] = std::move(alerts);
  return boost::json::serialize(o);
}

}  // namespace approvald::web
