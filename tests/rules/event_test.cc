#include "rules/event.h"

#include <catch2/catch.hpp>

namespace {

const char* kGood = R"({
  "schema": "approval.event/v1",
  "event_id": "3c1f0a9e-7d2b-4c55-9a61-0f5e2b8d1a10",
  "case_id": "440300-2026-000123",
  "type": "accepted",
  "occurred_at": "2026-09-18T10:02:00+08:00",
  "agency": "11440300MB2C93311X",
  "item": "11440300MB2C93311X-FOOD-001",
  "officer": "E1023",
  "applicant": "h:9f86d081884c7d65",
  "data": { "promised": { "working_days": 5 }, "extra": {"kept": [1, "two", true]}, "ratio": 0.5 }
})";

// Replaces the first occurrence of `from` in the good event.
std::string with(const std::string& from, const std::string& to) {
  std::string s = kGood;
  const auto pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  s.replace(pos, from.size(), to);
  return s;
}

rules::DecodeError error_of(const std::string& json) {
  auto r = rules::decode_event(json);
  INFO(json);
  REQUIRE(std::holds_alternative<rules::DecodeError>(r));
  return std::get<rules::DecodeError>(r);
}

}  // namespace

TEST_CASE("the contract's example event decodes with every field", "[event]") {
  auto r = rules::decode_event(kGood);
  REQUIRE(std::holds_alternative<rules::Event>(r));
  const auto& e = std::get<rules::Event>(r);
  CHECK(e.event_id == "3c1f0a9e-7d2b-4c55-9a61-0f5e2b8d1a10");
  CHECK(e.case_id == "440300-2026-000123");
  CHECK(e.type == rules::EventType::kAccepted);
  CHECK(rules::format_rfc3339(e.occurred_at, 0) == "2026-09-18T02:02:00Z");
  CHECK(e.offset_minutes == 480);
  CHECK(e.agency == "11440300MB2C93311X");
  CHECK(e.officer == "E1023");
  CHECK(e.applicant == "h:9f86d081884c7d65");
  const auto* promised = e.data_field("promised.working_days");
  REQUIRE(promised);
  CHECK(promised->kind == rules::Value::Kind::kInt);
  CHECK(promised->integer == 5);
  const auto* kept = e.data_field("extra.kept");  // unknown fields are kept
  REQUIRE(kept);
  CHECK(kept->kind == rules::Value::Kind::kList);
  CHECK(kept->integer == 3);
  CHECK(kept->text == "1\ntwo\ntrue");
  CHECK(e.data_field("ratio")->real == 0.5);
  CHECK(e.data_field("missing") == nullptr);
}

TEST_CASE("every event type of the contract is known", "[event]") {
  for (const char* t :
       {"received", "correction_requested", "correction_received", "accepted", "acceptance_refused",
        "step_completed", "procedure_started", "procedure_ended", "decided", "certificate_issued",
        "fee_charged", "penalty_decided", "withdrawn", "terminated"}) {
    const auto parsed = rules::parse_event_type(t);
    REQUIRE(parsed);
    CHECK(rules::to_string(*parsed) == t);
  }
  CHECK_FALSE(rules::parse_event_type("approved"));
}

TEST_CASE("bad envelopes are refused naming the field and the reason", "[event]") {
  struct Case {
    std::string json;
    std::string field;
    std::string reason;
  };
  const std::string long_id(129, 'x');
  const std::string long_cjk = [] {
    std::string s;
    for (int i = 0; i < 128; ++i) s += "案";
    return s;
  }();
  const std::vector<Case> cases = {
      {"{not json", "", "not valid JSON"},
      {"[1,2]", "", "not a JSON object"},
      {with("\"schema\": \"approval.event/v1\",", ""), "schema", "required"},
      {with("approval.event/v1", "approval.event/v2"), "schema",
       "unsupported schema 'approval.event/v2'"},
      {with("\"event_id\": \"3c1f0a9e-7d2b-4c55-9a61-0f5e2b8d1a10\",", ""), "event_id", "required"},
      {with("3c1f0a9e-7d2b-4c55-9a61-0f5e2b8d1a10", long_id), "event_id", "longer than 128"},
      {with("3c1f0a9e-7d2b-4c55-9a61-0f5e2b8d1a10", ""), "event_id", "must not be empty"},
      {with("\"440300-2026-000123\"", "42"), "case_id", "must be a string"},
      {with("\"type\": \"accepted\"", "\"type\": \"approved\""), "type",
       "unknown event type 'approved'"},
      {with("+08:00\"", "\""), "occurred_at", "missing UTC offset"},
      {with("2026-09-18T", "2026-02-30T"), "occurred_at", "day out of range"},
      {with("2026-09-18T", "2300-09-18T"), "occurred_at", "outside the supported range"},
      {with("\"agency\": \"11440300MB2C93311X\",", ""), "agency", "required"},
      {with("\"officer\": \"E1023\"", "\"officer\": 7"), "officer", "must be a string"},
      {with("\"data\": {", "\"data\": [{"), "", "not valid JSON"},
      {with("\"data\": { \"promised\": { \"working_days\": 5 }, \"extra\": {\"kept\": [1, \"two\", "
            "true]}, \"ratio\": 0.5 }",
            "\"data\": 5"),
       "data", "must be an object"},
      {with("\"working_days\": 5", "\"working_days\": -3"), "data.promised.working_days", "got -3"},
      {with("\"working_days\": 5", "\"working_days\": \"five\""), "data.promised.working_days",
       "must be a whole number"},
  };
  for (const auto& c : cases) {
    const auto err = error_of(c.json);
    CHECK(err.field == c.field);
    CHECK_THAT(err.reason, Catch::Contains(c.reason));
  }
  // 128 characters are allowed even when each takes three bytes.
  CHECK(std::holds_alternative<rules::Event>(
      rules::decode_event(with("440300-2026-000123", long_cjk))));
}

TEST_CASE("type-specific data is checked per the contract", "[event]") {
  auto ev = [](const std::string& type, const std::string& data) {
    return R"({"schema":"approval.event/v1","event_id":"e","case_id":"c","type":")" + type +
           R"(","occurred_at":"2026-03-02T09:00:00+08:00","agency":"a","item":"i","data":)" + data +
           "}";
  };
  struct Case {
    std::string type, data, field, reason;
  };
  const std::vector<Case> bad = {
      {"decided", "{}", "data.outcome", "required (approved, denied)"},
      {"decided", R"({"outcome":"maybe"})", "data.outcome",
       "'maybe' is not one of approved, denied"},
      {"decided", R"({"outcome":"denied","reason":5})", "data.reason", "must be a string"},
      {"procedure_started", "{}", "data.procedure", "required"},
      {"procedure_started", R"({"procedure":"lunch"})", "data.procedure", "'lunch' is not one of"},
      {"procedure_started", R"({"procedure":"extension","declared":{"working_days":1.5}})",
       "data.declared.working_days", "must be a whole number"},
      {"procedure_ended", R"({"procedure":7})", "data.procedure", "is not one of"},
      {"fee_charged", R"({"fee_item":"x"})", "data.amount_fen", "required"},
      {"fee_charged", R"({"amount_fen":"100"})", "data.amount_fen", "must be a whole number"},
      {"penalty_decided", R"({"amount_fen":-1})", "data.amount_fen", "got -1"},
      {"step_completed", R"({"action":"skip"})", "data.action",
       "'skip' is not one of pass, return, other"},
      {"acceptance_refused", R"({"reason":["a"]})", "data.reason", "must be a string"},
  };
  for (const auto& c : bad) {
    const auto err = error_of(ev(c.type, c.data));
    CHECK(err.field == c.field);
    CHECK_THAT(err.reason, Catch::Contains(c.reason));
    CHECK_THAT(err.str(), Catch::StartsWith(c.field + ": "));
  }
  // Legal omissions are the rules' business, not the decoder's.
  for (const auto& [type, data] : std::vector<std::pair<std::string, std::string>>{
           {"acceptance_refused", "{}"},
           {"decided", R"({"outcome":"denied"})"},
           {"procedure_started", R"({"procedure":"extension"})"},
           {"penalty_decided", R"({"amount_fen":100})"},
           {"received", "null"}}) {
    INFO(type << " " << data);
    CHECK(std::holds_alternative<rules::Event>(rules::decode_event(ev(type, data))));
  }
}

TEST_CASE("a decoder survives hostile input without throwing", "[event]") {
  rules::EventDecoder d;
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 100; ++i) deep += "}";
  for (const std::string& s :
       {std::string(""), std::string("\xff\xfe"), std::string("null"), std::string("{\"schema\":"),
        deep, std::string(kGood) + "x",
        std::string("{\"schema\":\"approval.event/v1\",\"event_id\":\"\\ud800\"}")}) {
    CHECK(std::holds_alternative<rules::DecodeError>(d.decode(s)));
  }
  // And the same decoder still works afterwards.
  CHECK(std::holds_alternative<rules::Event>(d.decode(kGood)));
}
