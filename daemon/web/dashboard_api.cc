#include "web/dashboard_api.h"

#include <boost/json.hpp>
#include <cmath>

namespace approvald::web {
namespace {

namespace json = boost::json;

// A share as a fraction with four decimals, or null when there is nothing to divide by.
json::value rate(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return nullptr;
  // Rounded down to four decimals on purpose: a rate never reads higher than it is.
  return std::floor(static_cast<double>(part) * 10000.0 / static_cast<double>(whole)) / 10000.0;
}

json::value average(std::int64_t sum, std::int64_t n) {
  if (n <= 0) return nullptr;
  return std::floor(static_cast<double>(sum) * 100.0 / static_cast<double>(n)) / 100.0;
}

void put_counts(json::object& o, const ports::PerfCounts& c) {
  o["decided"] = c.decided;
  o["promise_on_time_rate"] = rate(c.promise_on_time, c.promise_cases);
  o["statute_on_time_rate"] = rate(c.statute_on_time, c.statute_cases);
  o["avg_working_days"] = average(c.working_days, c.decided);
  o["alerts_per_100_cases"] = average(c.alerts * 100, c.decided);
}

json::object rules_json(const ServiceInfo& info) {
  json::object o;
  if (!info.rules) return o;
  o["version"] = info.rules->number;
  o["rule_packs"] = info.rules->rules_id;
  o["calendar"] = info.rules->calendar_id;
  o["applied_ms"] = info.rules->applied_ms;
  return o;
}

int severity(const std::string& status) { return status == "red" ? 0 : status == "yellow" ? 1 : 2; }

}  // namespace

std::string board_status(const ports::CaseTally& t) {
  if (t.red > 0) return "red";
  if (t.yellow > 0 || t.overdue > 0) return "yellow";
  return "green";
}

std::string overview_json(const std::map<ports::TallyKey, ports::CaseTally>& tallies,
                          const std::vector<store::PerfRow>& performance,
                          const std::vector<HourCount>& hours, const ServiceInfo& info,
                          std::int64_t now_ms, int offset_minutes) {
  std::map<std::string, ports::CaseTally> by_agency;
  ports::CaseTally total;
  for (const auto& [key, t] : tallies) {
    by_agency[key.second] += t;
    total += t;
  }
  std::map<std::string, ports::PerfCounts> perf;
  for (const auto& r : performance) perf[r.agency] += r.counts;
  for (const auto& [agency, c] : perf) by_agency.try_emplace(agency);

  json::object o;
  o["now"] = rules::format_rfc3339(rules::Timestamp{rules::Millis{now_ms}}, offset_minutes);
  o["now_ms"] = now_ms;
  json::object service;
  service["version"] = info.version;
  service["mode"] = info.mode;
  service["speed"] = info.speed;
  service["rules"] = rules_json(info);
  o["service"] = std::move(service);
  json::object cases;
  cases["open"] = total.open;
  cases["paused"] = total.paused;
  cases["overdue"] = total.overdue;
  cases["red"] = total.red;
  cases["yellow"] = total.yellow;
  o["cases"] = std::move(cases);

  json::array hourly;
  std::int64_t day[3] = {0, 0, 0};
  static constexpr const char* kLevels[] = {"reminder", "yellow", "red"};
  for (const auto& h : hours) {
    json::object j;
    j["hour"] = rules::format_rfc3339(rules::Timestamp{rules::Millis{h.hour_ms}}, offset_minutes);
    for (int l = 0; l < 3; ++l) {
      j[kLevels[l]] = h.by_level[l];
      day[l] += h.by_level[l];
    }
    hourly.push_back(std::move(j));
  }
  o["alerts_by_hour"] = std::move(hourly);
  json::object last_day;
  for (int l = 0; l < 3; ++l) last_day[kLevels[l]] = day[l];
  o["alerts_last_day"] = std::move(last_day);

  std::vector<std::pair<std::string, json::object>> board;
  for (const auto& [agency, t] : by_agency) {
    json::object j;
    j["agency"] = agency;
    j["open"] = t.open;
    j["paused"] = t.paused;
    j["overdue"] = t.overdue;
    j["red"] = t.red;
    j["yellow"] = t.yellow;
    const auto p = perf.find(agency);
    const ports::PerfCounts c = p == perf.end() ? ports::PerfCounts{} : p->second;
    j["decided_30d"] = c.decided;
    j["on_time_rate"] = rate(c.promise_on_time, c.promise_cases);
    j["statute_on_time_rate"] = rate(c.statute_on_time, c.statute_cases);
    const std::string status = board_status(t);
    j["status"] = status;
    board.emplace_back(status, std::move(j));
  }
  // Worst first: red before yellow before green, then by standing red and yellow cards.
  std::stable_sort(board.begin(), board.end(), [](const auto& a, const auto& b) {
    if (severity(a.first) != severity(b.first)) return severity(a.first) < severity(b.first);
    const auto key = [](const json::object& j) {
      return std::make_pair(j.at("red").as_int64(), j.at("yellow").as_int64());
    };
    return key(a.second) > key(b.second);
  });
  json::array agencies;
  for (auto& [status, j] : board) agencies.push_back(std::move(j));
  o["agencies"] = std::move(agencies);
  return json::serialize(o);
}

std::string performance_json(const std::vector<store::PerfRow>& rows, bool by_item,
                             const std::string& agency, rules::Date from, rules::Date to) {
  std::map<std::pair<std::string, std::string>, ports::PerfCounts> sum;
  ports::PerfCounts total;
  for (const auto& r : rows) {
    if (!agency.empty() && r.agency != agency) continue;
    sum[{r.agency, by_item ? r.item : std::string()}] += r.counts;
    total += r.counts;
  }
  json::object o;
  o["from"] = rules::format_date(from);
  o["to"] = rules::format_date(to);
  o["by"] = by_item ? "item" : "agency";
  json::array out;
  for (const auto& [key, c] : sum) {
    json::object j;
    j["agency"] = key.first;
    if (by_item) j["item"] = key.second;
    put_counts(j, c);
    out.push_back(std::move(j));
  }
  o["rows"] = std::move(out);
  json::object t;
  put_counts(t, total);
  o["total"] = std::move(t);
  return json::serialize(o);
}

}  // namespace approvald::web
