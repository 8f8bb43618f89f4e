#include "rules/replay.h"

#include <catch2/catch.hpp>

#include "support/fixtures.h"

using testing::at;
using testing::Ev;

TEST_CASE("timers due before an event fire before it, in time order", "[replay]") {
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  rules::Replayer rp(engine);
  std::vector<rules::Alert> out;
  rp.feed(Ev{.case_id = "A", .type = "received", .when = "2026-02-12T10:00:00+08:00"}.event(), out);
  rp.feed(Ev{.case_id = "B", .type = "received", .when = "2026-02-13T10:00:00+08:00"}.event(), out);
  CHECK(out.empty());
  CHECK(rp.pending_timers() == 2);
  // An unrelated event long after: both cases' reminders and red cards fire first.
  rp.feed(Ev{.case_id = "Z",
             .type = "fee_charged",
             .when = "2026-03-31T10:00:00+08:00",
             .data = R"({"amount_fen":100,"fee_item":"x"})"}
              .event(),
          out);
  std::vector<std::string> got;
  for (const auto& a : out)
    got.push_back(rules::format_rfc3339(a.firing ? a.fired_at : *a.resolved_at, 480) + " " +
                  a.alert_id + (a.firing ? "" : " resolved"));
  CHECK(got == std::vector<std::string>{
                   "2026-02-26T00:00:00+08:00 A/alp-32-acceptance/reminder/1",
                   "2026-02-27T00:00:00+08:00 A/alp-32-acceptance/reminder/1 resolved",
                   "2026-02-27T00:00:00+08:00 A/alp-32-acceptance/red/1",
                   "2026-02-27T00:00:00+08:00 B/alp-32-acceptance/reminder/1",
                   "2026-02-28T00:00:00+08:00 B/alp-32-acceptance/reminder/1 resolved",
                   "2026-02-28T00:00:00+08:00 B/alp-32-acceptance/red/1",
                   "2026-03-31T10:00:00+08:00 Z/alp-58-fee/red/1",
               });
  // B was received Fri 02-13: 02-14 (Sat, make-up), 02-24, 02-25, 02-26, 02-27.
  CHECK(rules::format_rfc3339(*out[5].due_at, 480) == "2026-02-27T23:59:59+08:00");
}

TEST_CASE("the supervision clock never goes back for a late event", "[replay]") {
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  rules::Replayer rp(engine);
  std::vector<rules::Alert> out;
  rp.feed(Ev{.type = "accepted", .when = "2026-03-10T09:00:00+08:00"}.event(), out);
  const auto t = rp.now();
  rp.feed(Ev{.type = "received", .when = "2026-03-02T09:00:00+08:00"}.event(), out);
  CHECK(rp.now() == t);
  CHECK(rp.find("C1")->events.front().type == rules::EventType::kReceived);
}
