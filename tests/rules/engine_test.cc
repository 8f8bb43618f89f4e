#include "rules/engine.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "rules/replay.h"
#include "support/fixtures.h"

using testing::at;
using testing::Ev;

namespace {

std::string dump(const std::vector<rules::Alert>& alerts) {
  std::string s;
  for (const auto& a : alerts) s += a.to_json(480) + "\n";
  return s;
}

// A case that exercises most rules: late decision after a hearing and an extension, two notices.
std::vector<rules::Event> busy_case(const std::string& id) {
  struct Row {
    const char* type;
    const char* when;
    const char* data;
  };
  static constexpr Row kRows[] = {
      {"received", "2026-03-02T09:00:00+08:00", "{}"},
      {"correction_requested", "2026-03-03T09:00:00+08:00", "{}"},
      {"correction_received", "2026-03-04T09:00:00+08:00", "{}"},
      {"correction_requested", "2026-03-05T09:00:00+08:00", "{}"},
      {"correction_received", "2026-03-09T09:00:00+08:00", "{}"},
      {"accepted", "2026-03-10T09:00:00+08:00", R"({"promised":{"working_days":10}})"},
      {"procedure_started", "2026-03-16T09:00:00+08:00", R"({"procedure":"hearing"})"},
      {"procedure_ended", "2026-03-20T09:00:00+08:00", R"({"procedure":"hearing"})"},
      {"procedure_started", "2026-03-25T09:00:00+08:00",
       R"({"procedure":"extension","approver":"L1","reason":"r","declared":{"working_days":5}})"},
      {"decided", "2026-04-30T09:00:00+08:00", R"({"outcome":"approved"})"},
      {"certificate_issued", "2026-05-08T09:00:00+08:00", "{}"},
  };
  std::vector<rules::Event> out;
  for (const Row& r : kRows) {
    out.push_back(Ev{.case_id = id,
                     .type = r.type,
                     .when = r.when,
                     .data = r.data,
                     .id = id + "-" + std::to_string(out.size() + 1)}
                      .event());
  }
  return out;
}

std::set<std::string> firing_ids(const rules::Replayer& rp) {
  std::set<std::string> out;
  for (const auto& s : rp.cases()) {
    for (const auto& a : s.alerts) {
      if (a.firing()) out.insert(rules::alert_id(s.case_id, a.rule_id, a.level, a.cycle));
    }
  }
  return out;
}

std::set<std::string> ever_fired(const std::vector<rules::Alert>& alerts) {
  std::set<std::string> out;
  for (const auto& a : alerts) {
    if (a.firing) out.insert(a.alert_id);
  }
  return out;
}

}  // namespace

TEST_CASE("the same inputs give the same alerts, byte for byte", "[engine]") {
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  const auto events = busy_case("B1");
  const auto a = dump(testing::run(engine, events, at("2026-06-01T00:00:00+08:00")));
  const auto b = dump(testing::run(engine, events, at("2026-06-01T00:00:00+08:00")));
  CHECK(a == b);
  CHECK_THAT(a, Catch::Contains("B1/alp-32-one-time-notice/yellow/1"));
  CHECK_THAT(a, Catch::Contains("B1/promise-deadline/yellow/1"));
  CHECK_THAT(a, Catch::Contains("\"rule_pack\":\"cn-admin-licensing@2026.1\""));
  CHECK_THAT(a, Catch::Contains("\"calendar\":\"cn-mainland@2026\""));
}

TEST_CASE("a repeated event id changes nothing", "[engine]") {
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  const auto e =
      Ev{.type = "correction_requested", .when = "2026-03-03T09:00:00+08:00", .id = "same"}.event();
  auto d1 = engine.apply({}, e, e.occurred_at);
  const std::string before = d1.state.encode();
  auto d2 = engine.apply(std::move(d1.state), e, e.occurred_at);
  CHECK(d2.duplicate);
  CHECK(d2.alerts.empty());
  CHECK_FALSE(d2.set_timer);
  CHECK(d2.state.encode() == before);
}

TEST_CASE("a case with no further event gets its deadline from its timer", "[engine]") {
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  const auto e = Ev{.type = "accepted", .when = "2026-09-18T10:02:00+08:00"}.event();
  auto d = engine.apply({}, e, e.occurred_at);
  CHECK(d.alerts.empty());
  REQUIRE(d.set_timer);
  // The earliest transition: the alp-42 reminder at the end of 10-21.
  CHECK(rules::format_rfc3339(d.set_timer->at, 480) == "2026-10-22T00:00:00+08:00");
  auto t1 = engine.on_timer(std::move(d.state), *d.set_timer, d.set_timer->at);
  REQUIRE(t1.alerts.size() == 1);
  CHECK(t1.alerts[0].alert_id == "C1/alp-42-decision/reminder/1");
  REQUIRE(t1.set_timer);
  REQUIRE(t1.clear_timer);
  CHECK(rules::format_rfc3339(t1.set_timer->at, 480) == "2026-10-23T00:00:00+08:00");
  auto t2 = engine.on_timer(std::move(t1.state), *t1.set_timer, t1.set_timer->at);
  REQUIRE(t2.alerts.size() == 2);
  CHECK(t2.alerts[0].alert_id == "C1/alp-42-decision/reminder/1");
  CHECK_FALSE(t2.alerts[0].firing);
  CHECK(t2.alerts[0].resolution == "escalated");
  CHECK(t2.alerts[1].alert_id == "C1/alp-42-decision/red/1");
  CHECK(t2.alerts[1].firing);
  CHECK(rules::format_rfc3339(t2.alerts[1].fired_at, 480) == "2026-10-23T00:00:00+08:00");
  CHECK_FALSE(t2.set_timer);  // nothing more can happen without an event
}

TEST_CASE("an evaluation that finds a breach already over emits it firing then resolved",
          "[engine]") {
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  rules::CaseState s;
  // Both events applied with a supervision clock that was stuck before the deadline...
  const auto early = at("2026-09-18T10:02:00+08:00");
  s = engine
          .apply(std::move(s), Ev{.type = "accepted", .when = "2026-09-18T10:02:00+08:00"}.event(),
                 early)
          .state;
  s = engine
          .apply(std::move(s),
                 Ev{.type = "decided",
                    .when = "2026-10-26T10:00:00+08:00",
                    .data = R"({"outcome":"denied","reason":"r"})"}
                     .event(),
                 early)
          .state;
  // ...and then the clock jumps past everything.
  auto d = engine.reevaluate(std::move(s), at("2026-12-01T00:00:00+08:00"));
  std::vector<std::string> got;
  for (const auto& a : d.alerts) got.push_back(a.alert_id + (a.firing ? " firing" : " resolved"));
  // In firing order: at 10-23T00:00 the reminder gives way as the red card fires.
  CHECK(got == std::vector<std::string>{
                   "C1/alp-42-decision/reminder/1 firing",
                   "C1/alp-42-decision/reminder/1 resolved",
                   "C1/alp-42-decision/red/1 firing",
                   "C1/alp-42-decision/red/1 resolved",
               });
  CHECK(rules::format_rfc3339(d.alerts[2].fired_at, 480) == "2026-10-23T00:00:00+08:00");
  CHECK(rules::format_rfc3339(*d.alerts[3].resolved_at, 480) == "2026-10-26T10:00:00+08:00");
  CHECK(d.alerts[3].resolution == "clock_stopped");
}

TEST_CASE("arrival order does not change what ends up firing", "[engine][property]") {
  // Every rotation and reversal of a case's events, fed as a log, ends in the same firing set,
  // the same event history, and no alert that the in-order run would never have raised except
  // those later retracted.
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  const auto events = busy_case("P");
  const auto until = at("2026-07-01T00:00:00+08:00");
  rules::Replayer ref(engine);
  std::vector<rules::Alert> ref_out;
  for (const auto& e : events) ref.feed(e, ref_out);
  ref.advance(until, ref_out);
  const auto want = firing_ids(ref);
  REQUIRE_FALSE(want.empty());
  std::vector<std::vector<rules::Event>> orders;
  for (std::size_t r = 1; r < events.size(); ++r) {
    auto o = events;
    std::rotate(o.begin(), o.begin() + static_cast<std::ptrdiff_t>(r), o.end());
    orders.push_back(o);
  }
  orders.emplace_back(events.rbegin(), events.rend());
  for (const auto& o : orders) {
    rules::Replayer rp(engine);
    std::vector<rules::Alert> out;
    // Arrival = the time the log is read; the supervision clock only moves forward.
    for (const auto& e : o) rp.feed(e, out);
    rp.advance(until, out);
    INFO("first event " << o.front().event_id);
    CHECK(firing_ids(rp) == want);
    CHECK(rp.find("P")->encode().size() > 0);
    std::vector<std::string> ids;
    for (const auto& e : rp.find("P")->events) ids.push_back(e.event_id);
    std::vector<std::string> ref_ids;
    for (const auto& e : ref.find("P")->events) ref_ids.push_back(e.event_id);
    CHECK(ids == ref_ids);
    // Every alert the in-order run raised was raised here too.
    const auto fired = ever_fired(out);
    for (const auto& id : ever_fired(ref_out)) CHECK(fired.count(id) == 1);
  }
}

TEST_CASE("a rule that disappears in a new rule set retracts its firing alerts", "[engine]") {
  const auto cal = testing::cn_calendar();
  const rules::Engine old_engine(testing::statutory_rules(), cal);
  auto s = old_engine.apply({},
                            Ev{.type = "decided",
                               .when = "2026-03-03T09:00:00+08:00",
                               .data = R"({"outcome":"approved"})"}
                                .event(),
                            at("2026-03-03T09:00:00+08:00"));
  REQUIRE(s.alerts.size() == 1);
  CHECK(s.alerts[0].rule_id == "proc-decision-without-acceptance");
  const rules::Engine new_engine(testing::rules_from(R"(pack: other
version: "2"
rules:
  - {id: notice, title: N, kind: check, level: yellow, on: correction_requested, max_count: 1}
)"),
                                 cal);
  auto d = new_engine.reevaluate(std::move(s.state), at("2026-03-04T00:00:00+08:00"));
  REQUIRE(d.alerts.size() == 1);
  CHECK_FALSE(d.alerts[0].firing);
  CHECK(d.alerts[0].resolution == "retracted");
  CHECK(d.alerts[0].alert_id == "C1/proc-decision-without-acceptance/red/1");
}

TEST_CASE("findings carry the clock facts a supervisor needs", "[engine]") {
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  auto d = engine.apply({}, Ev{.type = "accepted", .when = "2026-03-02T09:00:00+08:00"}.event(),
                        at("2026-03-02T09:00:00+08:00"));
  d = engine.apply(std::move(d.state),
                   testing::procedure("procedure_started", "2026-03-10T09:00:00+08:00", "hearing"),
                   at("2026-03-10T09:00:00+08:00"));
  d = engine.apply(std::move(d.state),
                   testing::procedure("procedure_ended", "2026-03-17T09:00:00+08:00", "hearing"),
                   at("2026-03-17T09:00:00+08:00"));
  const auto fs = engine.findings(d.state);
  const auto red = std::find_if(fs.begin(), fs.end(), [](const rules::Finding& f) {
    return f.rule->id == "alp-42-decision" && f.level == rules::Level::kRed;
  });
  REQUIRE(red != fs.end());
  REQUIRE(red->clock);
  CHECK(red->clock->limit == 20);
  CHECK(red->clock->paused == 5);
  CHECK(rules::format_rfc3339(*red->due_at, 480) == "2026-04-07T23:59:59+08:00");
}

TEST_CASE("a case's history is capped, events past the cap are refused, not applied", "[engine]") {
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar(),
                             rules::EngineOptions{3});
  rules::CaseState s;
  for (int i = 0; i < 3; ++i) {
    auto d = engine.apply(std::move(s),
                          Ev{.type = "step_completed", .when = "2026-03-02T09:00:00+08:00"}.event(),
                          at("2026-03-02T09:00:00+08:00"));
    CHECK(d.refused.empty());
    s = std::move(d.state);
  }
  auto d = engine.apply(std::move(s),
                        Ev{.type = "decided",
                           .when = "2026-03-03T09:00:00+08:00",
                           .data = R"({"outcome":"approved"})"}
                            .event(),
                        at("2026-03-03T09:00:00+08:00"));
  CHECK(d.refused == "case has reached the limit of 3 events");
  CHECK(d.alerts.empty());  // the off-system decision was not applied
  CHECK(d.state.events.size() == 3);
}

TEST_CASE("a batch of related late events settles once, without a transient retraction",
          "[engine]") {
  // The D11 situation of the pack tests, but the hearing's start and end arrive together.
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  rules::CaseState s;
  s = engine
          .apply(std::move(s), Ev{.type = "accepted", .when = "2026-03-02T09:00:00+08:00"}.event(),
                 at("2026-03-02T09:00:00+08:00"))
          .state;
  // Nothing known of the hearing yet: the red card fires at 03-31T00:00 (due 03-30).
  auto d = engine.reevaluate(std::move(s), at("2026-03-31T12:00:00+08:00"));
  REQUIRE_FALSE(d.alerts.empty());
  std::vector<rules::Event> late = {
      testing::procedure("procedure_started", "2026-03-10T09:00:00+08:00", "hearing"),
      testing::procedure("procedure_ended", "2026-03-17T18:00:00+08:00", "hearing"),
      Ev{.type = "accepted", .when = "2026-03-02T09:00:00+08:00", .id = "dup"}.event(),
  };
  late.back().event_id = d.state.events.front().event_id;  // a re-delivery
  std::vector<rules::Admission> admissions;
  auto b = engine.apply_batch(std::move(d.state), std::move(late), at("2026-04-01T09:00:00+08:00"),
                              &admissions);
  CHECK(admissions == std::vector<rules::Admission>{rules::Admission::kApplied,
                                                    rules::Admission::kApplied,
                                                    rules::Admission::kDuplicate});
  // Due moves to 04-07: reminder and red card are each retracted once; nothing re-fires in
  // between, and the next wake-up is the new reminder when 04-03 ends (Qingming follows).
  std::vector<std::string> got;
  for (const auto& a : b.alerts) {
    got.push_back(a.alert_id + " " + (a.firing ? "firing" : a.resolution));
  }
  CHECK(got == std::vector<std::string>{"C1/alp-42-decision/reminder/1 retracted",
                                        "C1/alp-42-decision/red/1 retracted"});
  REQUIRE(b.set_timer);
  CHECK(rules::format_rfc3339(b.set_timer->at, 480) == "2026-04-04T00:00:00+08:00");
}

TEST_CASE("a case's status follows its clocks: open, overdue, paused, closed", "[engine]") {
  // No stage at the due point: the engine must still wake up when the case becomes overdue.
  const rules::Engine engine(testing::rules_from(R"(
pack: t
version: "1"
rules:
  - id: t-decision
    title: decide in 3 working days
    kind: clock
    start: accepted
    stop: [decided]
    pause: {start: procedure_started, end: procedure_ended, pair_by: data.procedure}
    limit: {working_days: 3}
    stages:
      - {level: reminder, before: {working_days: 1}}
)"),
                             testing::cn_calendar());
  auto accepted = Ev{.type = "accepted", .when = "2026-03-10T09:00:00+08:00", .id = "a"}.event();
  auto d = engine.apply({}, accepted, at("2026-03-10T10:00:00+08:00"));
  CHECK(d.state.status == rules::kCaseOpen);
  const auto fs = engine.findings(d.state);
  REQUIRE(fs.size() == 1);
  REQUIRE(fs[0].due_at);
  const auto overdue_at = *fs[0].due_at + std::chrono::seconds{1};

  // The reminder's timer, then one at the due point although no stage fires there.
  REQUIRE(d.state.wakeup);
  REQUIRE(*d.state.wakeup < overdue_at);
  d = engine.on_timer(std::move(d.state), {"C1", *d.state.wakeup}, *d.state.wakeup);
  CHECK(d.state.status == rules::kCaseOpen);
  REQUIRE(d.state.wakeup == overdue_at);
  d = engine.on_timer(std::move(d.state), {"C1", overdue_at}, overdue_at);
  CHECK(d.state.status == (rules::kCaseOpen | rules::kCaseOverdue));

  // A hearing reported late pauses the clock: no longer overdue, paused.
  d = engine.apply(std::move(d.state),
                   testing::procedure("procedure_started", "2026-03-11T09:00:00+08:00", "hearing"),
                   overdue_at);
  CHECK(d.state.status == (rules::kCaseOpen | rules::kCasePaused));

  // Decided: nothing runs any more.
  d = engine.apply(std::move(d.state),
                   Ev{.type = "decided",
                      .when = "2026-03-12T09:00:00+08:00",
                      .data = R"({"outcome":"approved"})",
                      .id = "d"}
                       .event(),
                   overdue_at);
  CHECK(d.state.status == 0);

  // The status survives the store's encoding.
  d.state.status = rules::kCaseOpen | rules::kCaseOverdue;
  std::string why;
  const auto back = rules::CaseState::decode(d.state.encode(), &why);
  REQUIRE(back);
  CHECK(back->status == d.state.status);
}

TEST_CASE("a late pause that moves a fired alert's start re-announces it with the new start",
          "[engine]") {
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  // Accepted Fri 2026-09-18: the statutory reminder fires 2026-10-22 (ADR worked example).
  auto d = engine.apply(
      {}, Ev{.type = "accepted", .when = "2026-09-18T10:02:00+08:00", .id = "a"}.event(),
      at("2026-09-18T10:05:00+08:00"));
  d = engine.on_timer(std::move(d.state), {"C1", *d.state.wakeup}, at("2026-10-22T00:00:01+08:00"));
  REQUIRE(d.alerts.size() == 1);
  CHECK(d.alerts[0].alert_id == "C1/alp-42-decision/reminder/1");
  const auto first = d.alerts[0].fired_at;

  // A hearing from 09-21 to 09-25 reported only now: the due point moves by its working days,
  // the reminder is still due (it began later, but before now): same status, new start.
  d = engine.apply_batch(
      std::move(d.state),
      {testing::procedure("procedure_started", "2026-09-21T09:00:00+08:00", "hearing"),
       testing::procedure("procedure_ended", "2026-09-25T18:00:00+08:00", "hearing")},
      at("2026-11-20T00:00:00+08:00"));
  const auto it = std::find_if(d.state.alerts.begin(), d.state.alerts.end(),
                               [](const auto& r) { return r.level == rules::Level::kReminder; });
  REQUIRE(it != d.state.alerts.end());
  CHECK(it->fired_at > first);  // the ledger follows the history
  // And it was said: the reminder (resolved by the red card by now) carries the new start.
  bool announced = false;
  for (const auto& a : d.alerts) {
    if (a.alert_id == "C1/alp-42-decision/reminder/1") {
      announced = true;
      CHECK(a.fired_at == it->fired_at);
    }
  }
  CHECK(announced);
}

namespace {

// Every transition as "alert_id firing" or "alert_id <resolution>", in output order.
std::vector<std::string> transitions(const std::vector<rules::Alert>& alerts) {
  std::vector<std::string> out;
  for (const auto& a : alerts)
    out.push_back(a.alert_id + " " + (a.firing ? "firing" : a.resolution));
  return out;
}

}  // namespace

TEST_CASE("settled point 1: a breach stands against an extension or pause that begins after it",
          "[engine][settled]") {
  // Accepted Mon 2026-03-02: due 03-30, the red card fires 03-31T00:00.
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  const auto accepted = Ev{.type = "accepted", .when = "2026-03-02T09:00:00+08:00"}.event();
  const std::vector<rules::Event> extension = {Ev{
      .type = "procedure_started",
      .when = "2026-03-31T09:00:00+08:00",
      .data =
          R"({"procedure":"extension","approver":"L1","reason":"r","declared":{"working_days":10}})"}
                                                   .event()};
  const std::vector<rules::Event> hearing = {
      testing::procedure("procedure_started", "2026-03-31T09:00:00+08:00", "hearing"),
      testing::procedure("procedure_ended", "2026-04-10T09:00:00+08:00", "hearing")};
  for (const auto& later : {extension, hearing}) {
    INFO(later.front().data.front().value.text);
    auto d = engine.apply({}, accepted, accepted.occurred_at);
    d = engine.reevaluate(std::move(d.state), at("2026-03-31T00:00:00+08:00"));
    CHECK(transitions(d.alerts) == std::vector<std::string>{
                                       "C1/alp-42-decision/reminder/1 firing",
                                       "C1/alp-42-decision/reminder/1 escalated",
                                       "C1/alp-42-decision/red/1 firing",
                                   });
    d = engine.apply_batch(std::move(d.state), later, at("2026-04-10T09:00:00+08:00"));
    CHECK(d.alerts.empty());  // nothing retracted, nothing re-announced
    const auto fs = engine.findings(d.state);
    const auto red = std::find_if(fs.begin(), fs.end(), [](const rules::Finding& f) {
      return f.rule->id == "alp-42-decision" && f.level == rules::Level::kRed;
    });
    REQUIRE(red != fs.end());
    CHECK(rules::format_rfc3339(*red->due_at, 480) == "2026-03-30T23:59:59+08:00");
    CHECK(red->clock->extension == 0);
    CHECK(red->clock->paused == 0);
    CHECK((d.state.status & rules::kCaseOverdue) != 0);
  }
}

TEST_CASE("settled point 1: an extension declared on the due date itself still counts",
          "[engine][settled]") {
  // D = 03-30 still counts: 10 more working days end 04-14.
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  auto d = engine.apply_batch(
      {},
      {Ev{.type = "accepted", .when = "2026-03-02T09:00:00+08:00"}.event(),
       Ev{.type = "procedure_started",
          .when = "2026-03-30T23:00:00+08:00",
          .data =
              R"({"procedure":"extension","approver":"L1","reason":"r","declared":{"working_days":10}})"}
           .event()},
      at("2026-03-30T23:00:00+08:00"));
  const auto fs = engine.findings(d.state);
  REQUIRE_FALSE(fs.empty());
  CHECK(rules::format_rfc3339(*fs.front().due_at, 480) == "2026-04-14T23:59:59+08:00");
}

TEST_CASE("settled point 5: de-duplication is per case, a conflicting duplicate is counted",
          "[engine][settled]") {
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  const auto now = at("2026-09-18T12:00:00+08:00");
  const auto first = Ev{.type = "accepted",
                        .when = "2026-09-18T10:00:00+08:00",
                        .data = R"({"promised":{"working_days":5}})",
                        .id = "acc"}
                         .event();
  auto d = engine.apply({}, first, now);
  REQUIRE_FALSE(d.duplicate);
  CHECK(d.duplicate_conflicts == 0);
  const std::string before = d.state.encode();

  SECTION("an identical re-delivery is a plain duplicate") {
    auto again = engine.apply(std::move(d.state), first, now);
    CHECK(again.duplicate);
    CHECK(again.duplicate_conflicts == 0);
    CHECK(again.state.encode() == before);
  }
  SECTION("the same id with other content: the first wins, the second is counted") {
    auto other = first;
    other.data.front().value = rules::Value{rules::Value::Kind::kInt, 10, 10, "10"};
    auto officer = first;
    officer.officer = "E2";
    auto when = first;
    when.occurred_at += std::chrono::hours{1};
    std::vector<rules::Admission> admissions;
    auto b =
        engine.apply_batch(std::move(d.state), {other, officer, when, first}, now, &admissions);
    CHECK(b.duplicate);
    CHECK(b.duplicate_conflicts == 3);
    CHECK(admissions == std::vector<rules::Admission>(4, rules::Admission::kDuplicate));
    CHECK(b.state.encode() == before);
  }
  SECTION("a stored state compares equal to its re-delivered event") {
    std::string why;
    auto stored = rules::CaseState::decode(before, &why);
    REQUIRE(stored);
    auto again = engine.apply(std::move(*stored), first, now);
    CHECK(again.duplicate);
    CHECK(again.duplicate_conflicts == 0);
  }
  SECTION("the same id in another case is another event") {
    auto elsewhere = first;
    elsewhere.case_id = "C2";
    auto e = engine.apply({}, elsewhere, now);
    CHECK_FALSE(e.duplicate);
    CHECK(e.state.events.size() == 1);
    rules::Replayer rp(engine);
    std::vector<rules::Alert> out;
    CHECK(rp.feed(first, out) == rules::Replayer::Fed::kApplied);
    CHECK(rp.feed(elsewhere, out) == rules::Replayer::Fed::kApplied);
  }
}

TEST_CASE("settled point 2: a procedure_ended with no open procedure of its value is kept",
          "[engine][settled]") {
  // Accepted Mon 03-02; a hearing (03-10, 03-17] excludes 5 working days: due 04-07. The
  // testing end on 03-12 and the hearing end on 03-05 have no open procedure of their value.
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  const std::vector<rules::Event> events = {
      Ev{.type = "accepted", .when = "2026-03-02T09:00:00+08:00"}.event(),
      testing::procedure("procedure_ended", "2026-03-05T09:00:00+08:00", "hearing"),
      testing::procedure("procedure_started", "2026-03-10T09:00:00+08:00", "hearing"),
      testing::procedure("procedure_ended", "2026-03-12T09:00:00+08:00", "testing"),
      testing::procedure("procedure_ended", "2026-03-17T09:00:00+08:00", "hearing"),
  };
  auto d = engine.apply_batch({}, events, at("2026-03-17T10:00:00+08:00"));
  CHECK(d.state.events.size() == events.size());  // kept as evidence
  const auto fs = engine.findings(d.state);
  REQUIRE_FALSE(fs.empty());
  CHECK(rules::format_rfc3339(*fs.front().due_at, 480) == "2026-04-07T23:59:59+08:00");
  CHECK(fs.front().clock->paused == 5);
}
