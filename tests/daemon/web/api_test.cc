#include "web/api.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "support/fixtures.h"

using testing::at;
using testing::Ev;

TEST_CASE("the case view shows each clock's arithmetic and the alerts", "[api]") {
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  auto d = engine.apply(
      {}, Ev{.type = "accepted", .when = "2026-03-02T09:00:00+08:00", .id = "a1"}.event(),
      at("2026-03-02T09:00:00+08:00"));
  d = engine.apply(std::move(d.state),
                   testing::procedure("procedure_started", "2026-03-10T09:00:00+08:00", "hearing"),
                   at("2026-03-10T09:00:00+08:00"));
  d = engine.apply(std::move(d.state),
                   testing::procedure("procedure_ended", "2026-03-17T18:00:00+08:00", "hearing"),
                   at("2026-04-09T00:00:00+08:00"));
  const auto j = boost::json::parse(approvald::web::case_json(
      d.state, engine, at("2026-04-09T00:00:00+08:00").time_since_epoch().count()));
  CHECK(j.at("case_id") == "C1");
  CHECK(j.at("calendar") == "cn-mainland@2026");
  CHECK(j.at("events").as_array().size() == 3);
  const auto& clocks = j.at("clocks").as_array();
  REQUIRE(clocks.size() == 1);  // only alp-42 starts on acceptance without a promise
  const auto& c = clocks[0];
  CHECK(c.at("rule_id") == "alp-42-decision");
  CHECK(c.at("limit") == 20);
  CHECK(c.at("paused") == 5);
  CHECK(c.at("due_at") == "2026-04-07T23:59:59+08:00");
  CHECK(c.at("status") == "overdue");
  // By hand: 21 working days in (2 March, 31 March], then 1–3 and 7–9 April (Qingming is 4–6
  // April): 27, less the 5 the hearing excluded.
  CHECK(c.at("counted") == 22);
  // start + (limit + extension + paused) working days = due date.
  const auto& a = c.at("due_arithmetic");
  CHECK(a.at("from") == "2026-03-02");
  CHECK(a.at("working_days") == 25);
  CHECK(a.at("paused") == 5);
  CHECK(a.at("due_date") == "2026-04-07");
  CHECK(a.at("due_date_is") == "working day");
  const auto cal = testing::cn_calendar();
  CHECK(cal->add_working_days(*rules::parse_date("2026-03-02"), 25) ==
        *rules::parse_date("2026-04-07"));
  CHECK(c.at("pauses").as_array()[0].at("procedure") == "hearing");
  CHECK(c.at("stages").as_array()[1].at("fires_at") == "2026-04-08T00:00:00+08:00");
  const auto& alerts = j.at("alerts").as_array();
  REQUIRE(alerts.size() == 2);
  CHECK(alerts[1].at("alert_id") == "C1/alp-42-decision/red/1");
  CHECK(alerts[1].at("status") == "firing");
  CHECK(alerts[1].at("title") == "许可决定超过法定期限 (Art. 42)");
}
