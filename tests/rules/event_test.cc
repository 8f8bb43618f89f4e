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

TEST_CASE("every data field's type is checked exactly: an object is not a string", "[event]") {
  auto ev = [](const std::string& type, const std::string& data) {
    return R"({"schema":"approval.event/v1","event_id":"e","case_id":"c","type":")" + type +
           R"(","occurred_at":"2026-03-02T09:00:00+08:00","agency":"a","item":"i","data":)" + data +
           "}";
  };
  struct Case {
    std::string type, data, field, reason;
  };
  const std::vector<Case> bad = {
      // Objects where the contract wants a string or a number were flattened away and accepted.
      {"decided", R"({"outcome":"denied","reason":{"text":"x"}})", "data.reason",
       "must be a string, got an object"},
      {"decided", R"({"outcome":{"v":"approved"}})", "data.outcome", "an object is not one of"},
      {"acceptance_refused", R"({"reason":{}})", "data.reason", "must be a string"},
      {"fee_charged", R"({"amount_fen":{"v":1}})", "data.amount_fen", "got an object"},
      {"fee_charged", R"({"amount_fen":1,"fee_item":{"a":"b"}})", "data.fee_item",
       "must be a string"},
      {"penalty_decided", R"({"amount_fen":1,"benchmark":{"id":"b"}})", "data.benchmark",
       "must be a string"},
      {"procedure_started", R"({"procedure":"extension","approver":{"id":"A"}})", "data.approver",
       "must be a string"},
      {"procedure_started", R"({"procedure":{"x":1}})", "data.procedure",
       "an object is not one of"},
      {"procedure_started", R"({"procedure":"extension","declared":5})", "data.declared",
       "must be an object"},
      {"accepted", R"({"promised":"5"})", "data.promised", "must be an object"},
      {"accepted", R"({"promised":{"working_days":{"n":5}}})", "data.promised.working_days",
       "got an object"},
      {"certificate_issued", R"({"certificate":{"no":"1"}})", "data.certificate",
       "must be a string"},
      // materials: [string]
      {"correction_requested", R"({"materials":"all of them"})", "data.materials",
       "must be a list of strings, got a string"},
      {"correction_requested", R"({"materials":["a",{"b":1}]})", "data.materials[1]",
       "must be a string, got an object"},
      {"correction_requested", R"({"materials":{"a":1}})", "data.materials", "got an object"},
      // NUL anywhere, control characters other than white space in data text.
      {"decided", R"({"outcome":"denied","reason":"a\u0000b"})", "data.reason", "NUL"},
      {"received", R"({"note":{"deep":"x\u001b[31m"}})", "data.note.deep", "control character"},
      {"received", R"({"k\u0000":1})", "data (a key)", "NUL"},
  };
  for (const auto& c : bad) {
    INFO(c.type << " " << c.data);
    const auto err = error_of(ev(c.type, c.data));
    CHECK(err.field == c.field);
    CHECK_THAT(err.reason, Catch::Contains(c.reason));
  }
  for (const auto& [type, data] : std::vector<std::pair<std::string, std::string>>{
           {"correction_requested", R"({"materials":["a","b"]})"},
           {"correction_requested", R"({"materials":[]})"},
           {"correction_requested", "{}"},
           {"decided", R"({"outcome":"denied","reason":"line one\nline two\ttab"})"},
           {"certificate_issued", R"({"certificate":"No. 1"})"}}) {
    INFO(type << " " << data);
    CHECK(std::holds_alternative<rules::Event>(rules::decode_event(ev(type, data))));
  }
}

TEST_CASE("the schema is v1 or a numbered minor version of it", "[event]") {
  for (const char* s : {"approval.event/v1.garbage", "approval.event/v1.", "approval.event/v1.1x",
                        "approval.event/v10", "approval.event/v2", "approval.event/v1.-1"}) {
    INFO(s);
    const auto err = error_of(with("approval.event/v1", s));
    CHECK(err.field == "schema");
    CHECK_THAT(err.reason, Catch::Contains("unsupported schema"));
  }
  for (const char* s : {"approval.event/v1.1", "approval.event/v1.12"}) {
    INFO(s);
    CHECK(std::holds_alternative<rules::Event>(rules::decode_event(with("approval.event/v1", s))));
  }
}

TEST_CASE("an echoed value is bounded, marked as cut and has its control characters escaped",
          "[event]") {
  const std::string huge(500 * 1024, 'x');
  const auto err = error_of(with("\"accepted\"", "\"" + huge + "\""));
  CHECK(err.field == "type");
  CHECK(err.reason.size() < 400);
  CHECK_THAT(err.reason, Catch::Contains("[cut: 512000 bytes]"));
  // A header break in a value never reaches a message as is (the envelope refuses control
  // characters outright; data text may hold line breaks, echoed escaped).
  const std::string dec =
      R"({"schema":"approval.event/v1","event_id":"e","case_id":"c","type":"decided",)"
      R"("occurred_at":"2026-03-02T09:00:00+08:00","agency":"a","item":"i",)"
      R"("data":{"outcome":"den\r\nX-Injected: 1"}})";
  const auto esc = error_of(dec);
  CHECK(esc.field == "data.outcome");
  CHECK(esc.reason.find('\r') == std::string::npos);
  CHECK(esc.reason.find('\n') == std::string::npos);
  CHECK_THAT(esc.reason, Catch::StartsWith("'den\\r\\nX-Injected: 1' is not one of"));
  // Control characters and NUL in an envelope string are refused by name.
  CHECK(error_of(with("\"E1023\"", R"("E1\n023")")).str() ==
        "officer: contains a control character");
  CHECK(error_of(with("\"440300-2026-000123\"", R"("440300\u0000")")).str() ==
        "case_id: contains a NUL character");
  // Invalid UTF-8 is refused before anything is read.
  const auto bad_utf8 = error_of(with("\"E1023\"", "\"E\xff\xfe\""));
  CHECK_THAT(bad_utf8.reason, Catch::Contains("UTF-8"));
}
