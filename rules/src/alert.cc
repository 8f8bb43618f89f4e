#include "rules/alert.h"

#include <boost/json.hpp>

namespace rules {

std::string alert_id(std::string_view case_id, std::string_view rule_id, Level level,
                     std::uint32_t cycle) {
  std::string id;
  id.reserve(case_id.size() + rule_id.size() + 16);
  id.append(case_id).append("/").append(rule_id).append("/").append(to_string(level));
  id.append("/").append(std::to_string(cycle));
  return id;
}

std::string Alert::to_json(int offset) const {
  boost::json::object o;
  o["schema"] = "approval.alert/v1";
  o["alert_id"] = alert_id;
  o["status"] = firing ? "firing" : "resolved";
  o["level"] = to_string(level);
  o["rule_id"] = rule_id;
  o["rule_pack"] = rule_pack;
  o["calendar"] = calendar;
  o["case_id"] = case_id;
  o["agency"] = agency;
  o["item"] = item;
  if (!officer.empty()) o["officer"] = officer;
  o["title"] = title;
  if (due_at) o["due_at"] = format_rfc3339(*due_at, offset);
  o["fired_at"] = format_rfc3339(fired_at, offset);
  if (resolved_at) o["resolved_at"] = format_rfc3339(*resolved_at, offset);
  if (!resolution.empty()) o["resolution"] = resolution;
  if (!reason.empty()) o["reason"] = reason;
  boost::json::array ev;
  for (const auto& e : evidence) ev.emplace_back(e);
  o["evidence"] = std::move(ev);
  if (provisional) o["provisional"] = true;
  if (clock) {
    boost::json::object c;
    c["unit"] = to_string(clock->unit);
    c["start"] = format_rfc3339(clock->start, offset);
    c["limit"] = clock->limit;
    c["extension"] = clock->extension;
    c["paused"] = clock->paused;
    o["clock"] = std::move(c);
  }
  return boost::json::serialize(o);
}

}  // namespace rules
