#include "support/fixtures.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "rules/replay.h"

namespace testing {

std::string source_path(const std::string& relative) {
  return std::string(APPROVALD_SOURCE_DIR) + "/" + relative;
}

std::string read_source(const std::string& relative) {
  std::ifstream in(source_path(relative));
  REQUIRE(in.good());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::shared_ptr<const rules::Calendar> cn_calendar() {
  static const auto cal = [] {
    auto r =
        rules::Calendar::load(read_source("config/calendars/cn-mainland.yaml"), "cn-mainland.yaml");
    REQUIRE(std::holds_alternative<std::shared_ptr<const rules::Calendar>>(r));
    return std::get<0>(r);
  }();
  return cal;
}

std::shared_ptr<const rules::RuleSet> statutory_rules() {
  auto r =
      rules::RulePack::load(read_source("rules/packs/cn-admin-licensing/pack.yaml"), "pack.yaml");
  REQUIRE(std::holds_alternative<std::shared_ptr<const rules::RulePack>>(r));
  auto s = rules::RuleSet::combine({std::get<0>(r)});
  REQUIRE(std::holds_alternative<std::shared_ptr<const rules::RuleSet>>(s));
  return std::get<0>(s);
}

std::shared_ptr<const rules::RuleSet> statutory_rules_with_decision_limit(int working_days) {
  std::string pack = read_source("rules/packs/cn-admin-licensing/pack.yaml");
  const std::string limit = "limit: {working_days: 20}";
  const auto at = pack.find(limit);
  REQUIRE(at != std::string::npos);
  pack.replace(at, limit.size(), "limit: {working_days: " + std::to_string(working_days) + "}");
  return rules_from(pack);
}

std::shared_ptr<const rules::RuleSet> rules_from(const std::string& pack_yaml) {
  auto r = rules::RulePack::load(pack_yaml, "inline.yaml");
  if (auto* d = std::get_if<rules::Diagnostics>(&r)) {
    for (const auto& x : *d) UNSCOPED_INFO(x.str());
    FAIL("inline pack is invalid");
  }
  auto s = rules::RuleSet::combine({std::get<0>(r)});
  REQUIRE(std::holds_alternative<std::shared_ptr<const rules::RuleSet>>(s));
  return std::get<0>(s);
}

rules::Timestamp at(const std::string& s) {
  std::string why;
  const auto t = rules::parse_rfc3339(s, &why);
  INFO(s << ": " << why);
  REQUIRE(t.has_value());
  return t->at;
}

rules::Date date(const std::string& ymd) {
  const auto d = rules::parse_date(ymd);
  INFO(ymd);
  REQUIRE(d.has_value());
  return *d;
}

std::string Ev::json() const {
  static int counter = 0;
  const std::string eid = id.empty() ? "ev-" + std::to_string(++counter) : id;
  return R"({"schema":"approval.event/v1","event_id":")" + eid + R"(","case_id":")" + case_id +
         R"(","type":")" + type + R"(","occurred_at":")" + when + R"(","agency":"AG1","item":")" +
         item + R"(","officer":")" + officer + R"(","data":)" + data + "}";
}

rules::Event Ev::event() const {
  auto d = rules::decode_event(json());
  if (auto* e = std::get_if<rules::DecodeError>(&d)) FAIL(e->str());
  return std::get<rules::Event>(std::move(d));
}

rules::Event procedure(const std::string& type, const std::string& when,
                       const std::string& procedure) {
  return Ev{.type = type, .when = when, .data = R"({"procedure":")" + procedure + R"("})"}.event();
}

std::vector<rules::Alert> run(const rules::Engine& engine, const std::vector<rules::Event>& events,
                              rules::Timestamp until) {
  rules::Replayer rp(engine);
  std::vector<rules::Alert> out;
  for (const auto& e : events) rp.feed(e, out);
  rp.advance(until, out);
  return out;
}

}  // namespace testing
