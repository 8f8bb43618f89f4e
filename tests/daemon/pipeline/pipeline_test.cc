#include "pipeline/pipeline.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "rules/replay.h"
#include "support/fake_store.h"
#include "support/fixtures.h"
#include "support/outbox_header.h"
#include "support/sample_log.h"

using approvald::pipeline::Pipeline;
using approvald::pipeline::Record;
using testing::at;
using testing::Ev;
using testing::FakeStore;
using testing::header;
using testing::ok;

namespace {

std::shared_ptr<const rules::Engine> engine() {
  return std::make_shared<const rules::Engine>(testing::statutory_rules(), testing::cn_calendar());
}

std::int64_t ms(const std::string& rfc3339) { return at(rfc3339).time_since_epoch().count(); }

// The case_id of an event's JSON, as its producer would key it ("" when there is none).
std::string case_key(const std::string& json) {
  const std::string tag = R"("case_id":")";
  const auto at = json.find(tag);
  if (at == std::string::npos) return "";
  const auto from = at + tag.size();
  return json.substr(from, json.find('"', from) - from);
}

// A record keyed as the contract wants (by case_id) unless `key` says otherwise.
Record rec(std::int64_t offset, const std::string& json, std::optional<std::string> key = {},
           std::int32_t partition = 0) {
  return Record{partition, offset, key ? std::move(key) : case_key(json), json, 0};
}
Record unkeyed(std::int64_t offset, const std::string& json, std::int32_t partition = 0) {
  return Record{partition, offset, std::nullopt, json, 0};
}

const auto kCaughtUp = [](std::int32_t) { return true; };

// A cluster that lets huge records through, with the event limit raised to match: the bounds a
// test checks must then hold on their own.
approvald::pipeline::Options large_records() {
  approvald::pipeline::Options o;
  o.max_event_bytes = 16u << 20;
  return o;
}

// Case C1 accepted on Fri 2026-09-18 (statutory due date 10-22), applied and committed.
void accept_c1(Pipeline& p, FakeStore& store) {
  p.assign(0, std::nullopt);
  store.commit(
      ok(p.process({rec(0, Ev{.type = "accepted", .when = "2026-09-18T10:02:00+08:00"}.json())},
                   ms("2026-09-18T10:05:00+08:00"), kCaughtUp))
          .writes);
}
const auto kBacklog = [](std::int32_t) { return false; };

}  // namespace

TEST_CASE("an event becomes a case state, a timer and a partition mark in one write set",
          "[pipeline]") {
  FakeStore store;
  Pipeline p(engine(), store);
  p.assign(0, std::nullopt);
  const auto b = ok(
      p.process({rec(41, Ev{.type = "accepted", .when = "2026-09-18T10:02:00+08:00"}.json(), "C1")},
                ms("2026-09-18T10:05:00+08:00"), kCaughtUp));
  REQUIRE(b.writes.cases.size() == 1);
  CHECK(b.writes.cases[0].case_id == "C1");
  REQUIRE(b.writes.timers_set.size() == 1);
  CHECK(b.writes.timers_set[0].due_ms == ms("2026-10-22T00:00:00+08:00"));  // the reminder
  CHECK(b.writes.outbox.empty());
  CHECK(b.writes.marks.at(0).next_offset == 42);
  CHECK(b.writes.marks.at(0).watermark_ms == ms("2026-09-18T10:02:00+08:00"));
  CHECK(b.stats.applied[static_cast<std::size_t>(rules::EventType::kAccepted)] == 1);
}

TEST_CASE("bad records go to the dead-letter outbox with their reason, good ones are processed",
          "[pipeline]") {
  FakeStore store;
  Pipeline p(engine(), store);
  p.assign(3, std::nullopt);
  const std::int64_t wall = ms("2026-03-10T12:00:00+08:00");
  const std::vector<Record> records = {
      rec(10, "{not json", "C1", 3),
      rec(11, Ev{.case_id = "C2", .type = "received", .when = "2026-03-10T09:00:00+08:00"}.json(),
          "C9", 3),
      rec(12, Ev{.case_id = "C3", .type = "received", .when = "2026-03-11T09:00:00+08:00"}.json(),
          "C3", 3),
      rec(13,
          R"({"schema":"approval.event/v1","event_id":"x","case_id":"C4","type":"received","occurred_at":"2026-03-10T09:00:00","agency":"A","item":"I"})",
          "C4", 3),
      rec(14, Ev{.case_id = "C5", .type = "received", .when = "2026-03-10T09:00:00+08:00"}.json(),
          "C5", 3),
      unkeyed(15,
              Ev{.case_id = "C6", .type = "received", .when = "2026-03-10T09:00:00+08:00"}.json(),
              3),
      rec(16, Ev{.case_id = "C7", .type = "received", .when = "2026-03-10T09:00:00+08:00"}.json(),
          "", 3),
  };
  store.commit(ok(p.process(records, wall, kCaughtUp)).writes);
  const auto dlq = store.on_topic("approval.events.dlq");
  REQUIRE(dlq.size() == 6);
  CHECK(header(dlq[0], "approvald.reason") == "not valid JSON: syntax error");
  CHECK(header(dlq[0], "approvald.reason.class") == "invalid");
  CHECK(header(dlq[0], "approvald.source.topic") == "approval.events");
  CHECK(header(dlq[0], "approvald.source.partition") == "3");
  CHECK(header(dlq[0], "approvald.source.offset") == "10");
  CHECK(dlq[0].value == "{not json");  // unchanged
  CHECK(dlq[0].key == "C1");
  CHECK(header(dlq[1], "approvald.reason") == "the message key 'C9' differs from case_id 'C2'");
  CHECK(header(dlq[2], "approvald.reason.class") == "future");
  CHECK_THAT(header(dlq[3], "approvald.reason"),
             Catch::StartsWith("occurred_at: missing UTC offset"));
  // No key and an empty key are both a missing key (contract, settled point 7): a case must not
  // split across partitions.
  CHECK(header(dlq[4], "approvald.reason.class") == "key_missing");
  CHECK(header(dlq[4], "approvald.reason") ==
        "the message has no key; events are keyed by their case_id 'C6'");
  CHECK(dlq[4].key.empty());
  CHECK(header(dlq[5], "approvald.reason.class") == "key_missing");
  CHECK(header(dlq[5], "approvald.reason") ==
        "the message key is empty; events are keyed by their case_id 'C7'");
  // The good record was applied, and the offset moved past all.
  CHECK(store.cases.count({3, "C5"}) == 1);
  CHECK(store.cases.size() == 1);
  CHECK(store.marks.at(3).next_offset == 17);
}

namespace {

// An event whose `type` is `n` bytes long: refused, and its reason quotes the type.
std::string huge_type_event(std::size_t n) {
  return R"({"schema":"approval.event/v1","event_id":"e1","case_id":"C1","type":")" +
         std::string(n, 'x') +
         R"(","occurred_at":"2026-03-10T09:00:00+08:00","agency":"A","item":"I"})";
}

std::size_t header_bytes(const approvald::ports::OutboxEntry& o) {
  std::size_t n = 0;
  for (const auto& [k, v] : o.headers) n += k.size() + v.size();
  return n;
}

}  // namespace

TEST_CASE("sha256_hex is SHA-256", "[pipeline][dead-letter]") {
  CHECK(approvald::pipeline::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("an oversized dead letter is replaced by a bounded one: reason, first bytes, digest",
          "[pipeline][dead-letter]") {
  FakeStore store;
  Pipeline p(engine(), store, large_records());
  p.assign(1, std::nullopt);
  const std::string big = huge_type_event(500 * 1024);
  const std::string small = huge_type_event(1000);
  store.commit(ok(p.process({rec(7, big, {}, 1), rec(8, small, {}, 1)},
                            ms("2026-03-10T12:00:00+08:00"), kCaughtUp))
                   .writes);
  const auto dlq = store.on_topic("approval.events.dlq");
  REQUIRE(dlq.size() == 2);
  const auto& letter = dlq[0];
  // The reason quotes the 500 KB type: cut at 200 bytes and marked as cut.
  const std::string reason = header(letter, "approvald.reason");
  CHECK_THAT(reason, Catch::StartsWith("type: unknown event type 'xxx"));
  CHECK_THAT(reason, Catch::Contains("…[cut: "));
  CHECK(reason.size() <= approvald::pipeline::kMaxReasonBytes + 32);
  // The payload: its first KiB, its size and its digest; every header bounded.
  CHECK(letter.value == big.substr(0, approvald::pipeline::kDeadLetterHeadBytes));
  CHECK(header(letter, "approvald.payload.truncated") == "true");
  CHECK(header(letter, "approvald.payload.size") == std::to_string(big.size()));
  CHECK(header(letter, "approvald.payload.sha256") == approvald::pipeline::sha256_hex(big));
  CHECK(header(letter, "approvald.source.offset") == "7");
  CHECK(header(letter, "approvald.source.partition") == "1");
  CHECK(letter.key == "C1");
  CHECK(header_bytes(letter) + letter.key.size() + letter.value.size() < 4096);
  // A small one stays as it was, its reason still bounded.
  CHECK(dlq[1].value == small);
  CHECK(header(dlq[1], "approvald.payload.truncated") == "<missing>");
  CHECK(header(dlq[1], "approvald.reason").size() <= approvald::pipeline::kMaxReasonBytes + 32);
}

TEST_CASE("dead-letter reasons escape control characters and invalid UTF-8, long keys are cut",
          "[pipeline][dead-letter]") {
  FakeStore store;
  Pipeline p(engine(), store);
  p.assign(0, std::nullopt);
  const std::string sneaky =
      R"({"schema":"approval.event/v1","event_id":"e1","case_id":"C1","type":"x\u009b2J","occurred_at":"2026-03-10T09:00:00+08:00","agency":"A","item":"I"})";
  const std::string long_key(5000, 'k');
  const std::string bad_utf8 = "{\"schema\":\"approval.event/v1\xff\xfe\",\"x\":1}";
  // The key is raw bytes from Kafka: the key-mismatch reason quotes it.
  const std::string evil_key = "K\r\nX-Evil: 1\x1b[31m";
  store.commit(
      ok(p.process(
             {rec(0, sneaky), rec(1, "{not json", long_key), rec(2, bad_utf8, "K"),
              rec(3, Ev{.type = "received", .when = "2026-03-10T09:00:00+08:00"}.json(), evil_key)},
             ms("2026-03-10T12:00:00+08:00"), kCaughtUp))
          .writes);
  const auto dlq = store.on_topic("approval.events.dlq");
  REQUIRE(dlq.size() == 4);
  // A C1 control character (a CSI) passes the decoder, which refuses C0 ones; escaped here.
  CHECK(header(dlq[0], "approvald.reason") == R"(type: unknown event type 'x\u009b2J')");
  CHECK(header(dlq[3], "approvald.reason") ==
        R"(the message key 'K\r\nX-Evil: 1\x1b[31m' differs from case_id 'C1')");
  for (const auto& d : dlq) {
    for (const auto& [k, v] : d.headers) {
      INFO(k << ": " << v);
      for (char c : v) CHECK(static_cast<unsigned char>(c) >= 0x20);
    }
  }
  CHECK(dlq[1].key == std::string(256, 'k'));
  CHECK(header(dlq[1], "approvald.source.key_size") == "5000");
}

TEST_CASE("an alert stays small whatever an event carries: its reason is bounded",
          "[pipeline][dead-letter]") {
  FakeStore store;
  Pipeline p(engine(), store, large_records());
  p.assign(0, std::nullopt);
  // A fee item the catalogue does not list: the alert's reason quotes it.
  const std::string fee_item(500 * 1024, 'f');
  const std::string data = R"({"amount_fen":500,"fee_item":")" + fee_item + R"("})";
  store.commit(ok(p.process({rec(0, Ev{.type = "fee_charged",
                                       .when = "2026-03-03T09:00:00+08:00",
                                       .data = data,
                                       .item = "11440300MB2C93311X-SPECIAL-EQUIP-002"}
                                        .json())},
                            ms("2026-03-03T12:00:00+08:00"), kCaughtUp))
                   .writes);
  const auto alerts = store.on_topic("approval.alerts");
  REQUIRE(alerts.size() == 1);
  CHECK_THAT(alerts[0].value, Catch::Contains("fee item 'fff") && Catch::Contains("f…"));
  CHECK(alerts[0].value.size() < 4096);
}

TEST_CASE("a deadline fires from the timer index with no further event", "[pipeline]") {
  FakeStore store;
  Pipeline p(engine(), store);
  accept_c1(p, store);
  // The daemon asks for timers due by the supervision clock and fires them.
  const std::int64_t now = ms("2026-10-23T00:00:05+08:00");
  for (int round = 0; round < 3; ++round)
    store.commit(ok(p.fire(0, store.due(0, now), now)).writes);
  const auto alerts = store.on_topic("approval.alerts");
  REQUIRE(alerts.size() == 3);
  CHECK(alerts[0].key == "C1/alp-42-decision/reminder/1");
  CHECK(alerts[2].key == "C1/alp-42-decision/red/1");
  CHECK_THAT(alerts[2].value, Catch::Contains(R"("status":"firing")") &&
                                  Catch::Contains(R"("fired_at":"2026-10-23T00:00:00+08:00")"));
  CHECK(store.timers.empty());  // nothing more can happen without an event
  // Outbox sequences are unique and increasing within the partition.
  CHECK(alerts[0].seq < alerts[1].seq);
  CHECK(alerts[1].seq < alerts[2].seq);
}

TEST_CASE("while catching up, the supervision clock is event time: no false red card",
          "[pipeline]") {
  FakeStore store;
  Pipeline p(engine(), store);
  p.assign(0, std::nullopt);
  const std::int64_t months_later = ms("2027-02-01T00:00:00+08:00");
  // A backlog read long after the fact: accepted, then (next poll) decided in time.
  auto b1 =
      ok(p.process({rec(0, Ev{.type = "accepted", .when = "2026-09-18T10:02:00+08:00"}.json())},
                   months_later, kBacklog));
  CHECK(p.supervision_ms(0, months_later, false) == ms("2026-09-18T10:02:00+08:00"));
  store.commit(b1.writes);
  CHECK(store.due(0, p.supervision_ms(0, months_later, false)).empty());
  store.commit(ok(p.process({rec(1, Ev{.type = "decided",
                                       .when = "2026-10-20T10:00:00+08:00",
                                       .data = R"({"outcome":"approved"})"}
                                        .json())},
                            months_later, kBacklog))
                   .writes);
  CHECK(store.on_topic("approval.alerts").empty());
  // Caught up, the same clock is wall time, and the certificate deadline (10 WD after 10-20)
  // fires on its own.
  const std::int64_t sup = p.supervision_ms(0, months_later, true);
  CHECK(sup == months_later);
  store.commit(ok(p.fire(0, store.due(0, sup), sup)).writes);
  const auto alerts = store.on_topic("approval.alerts");
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].key == "C1/alp-44-certificate/red/1");
}

TEST_CASE("a re-delivered batch changes nothing but the counts", "[pipeline]") {
  FakeStore store;
  Pipeline p(engine(), store);
  p.assign(0, std::nullopt);
  const std::vector<Record> batch = {
      rec(0, Ev{.type = "received", .when = "2026-03-02T09:00:00+08:00", .id = "a"}.json()),
      rec(1, Ev{.type = "correction_requested", .when = "2026-03-03T09:00:00+08:00", .id = "b"}
                 .json()),
      rec(2, Ev{.type = "correction_requested", .when = "2026-03-04T09:00:00+08:00", .id = "c"}
                 .json()),
  };
  store.commit(ok(p.process(batch, ms("2026-03-04T10:00:00+08:00"), kCaughtUp)).writes);
  const auto before = store.cases;
  const auto outbox = store.outbox.size();
  const auto again = ok(p.process(batch, ms("2026-03-04T10:00:00+08:00"), kCaughtUp));
  CHECK(again.stats.duplicates == 3);
  CHECK(again.writes.outbox.empty());
  store.commit(again.writes);
  CHECK(store.cases == before);
  CHECK(store.outbox.size() == outbox);
}

TEST_CASE("batches of one event reproduce approvald replay exactly on the sample log",
          "[pipeline]") {
  // The live path (pipeline + timer index + supervision clock in event time) and the offline
  // replay must agree alert for alert.
  REQUIRE(testing::sample_lines().size() > 50);
  const auto eng = engine();
  FakeStore store;
  Pipeline p(eng, store);
  const auto got = testing::feed_sample_log(
      p, store, [&](const approvald::ports::WriteSet& w) { store.commit(w); });
  CHECK(got == testing::sample_replay_alerts(*eng));
}

TEST_CASE("after a calendar correction, re-evaluation moves an open case's deadline",
          "[pipeline]") {
  FakeStore store;
  Pipeline p(engine(), store);
  accept_c1(p, store);
  CHECK(store.timers.begin() != store.timers.end());
  CHECK(std::get<1>(*store.timers.begin()) == ms("2026-10-22T00:00:00+08:00"));
  // An ad-hoc notice: 10-19 becomes a holiday. The due date moves one working day, to 10-23.
  std::string text = testing::read_source("config/calendars/cn-mainland.yaml");
  const std::string anchor = "      - {name: 国庆节, from: 2026-10-01, to: 2026-10-07}\n";
  REQUIRE(text.find(anchor) != std::string::npos);
  text.replace(text.find(anchor), anchor.size(),
               anchor + "      - {name: 临时调整, from: 2026-10-19, to: 2026-10-19}\n");
  const std::string version = "version: \"2026\"";
  text.replace(text.find(version), version.size(), "version: \"2026b\"");
  auto cal = rules::Calendar::load(text, "corrected.yaml");
  REQUIRE(std::holds_alternative<std::shared_ptr<const rules::Calendar>>(cal));
  p.set_engine(std::make_shared<const rules::Engine>(testing::statutory_rules(), std::get<0>(cal)));
  const auto b = ok(p.reevaluate(0, {"C1"}, ms("2026-10-20T12:00:00+08:00")));
  store.commit(b.writes);
  REQUIRE(store.timers.size() == 1);
  CHECK(std::get<1>(*store.timers.begin()) == ms("2026-10-23T00:00:00+08:00"));
  // No alert yet at 10-20, and the next one will name the corrected calendar.
  CHECK(store.on_topic("approval.alerts").empty());
  store.commit(
      ok(p.fire(0, store.due(0, ms("2026-10-24T00:00:01+08:00")), ms("2026-10-24T00:00:01+08:00")))
          .writes);
  const auto alerts = store.on_topic("approval.alerts");
  REQUIRE_FALSE(alerts.empty());
  CHECK_THAT(alerts.front().value, Catch::Contains(R"("calendar":"cn-mainland@2026b")") &&
                                       Catch::Contains(R"("due_at":"2026-10-23T23:59:59+08:00")"));
}

TEST_CASE(
    "re-evaluating a case the new rules judge alike writes nothing: no state, no changelog "
    "record, no mark",
    "[pipeline]") {
  FakeStore store;
  approvald::pipeline::Options o;
  o.changelog_topic = "approval.changelog";
  Pipeline p(engine(), store, o);
  accept_c1(p, store);
  store.commit(
      ok(p.process(
             {rec(1, Ev{.case_id = "C2", .type = "accepted", .when = "2026-09-18T10:02:00+08:00"}
                         .json())},
             ms("2026-09-18T10:05:00+08:00"), kCaughtUp))
          .writes);
  const auto now = ms("2026-09-21T12:00:00+08:00");
  // The same rules under a new version (a title edited): nothing to write.
  p.set_engine(engine());
  const auto same = ok(p.reevaluate(0, {"C1", "C2"}, now));
  CHECK(same.writes.empty());
  // A limit changed: C1, re-judged, is written with its new due date and changelog record.
  p.set_engine(std::make_shared<const rules::Engine>(
      testing::statutory_rules_with_decision_limit(25), testing::cn_calendar()));
  const auto changed = ok(p.reevaluate(0, {"C1"}, now));
  REQUIRE(changed.writes.cases.size() == 1);
  CHECK(changed.writes.cases[0].case_id == "C1");
  CHECK(changed.writes.timers_set.size() == 1);
  CHECK(changed.writes.marks.count(0) == 1);
  REQUIRE_FALSE(changed.writes.outbox.empty());
  CHECK(changed.writes.outbox[0].topic == "approval.changelog");
}

TEST_CASE(
    "per-agency counts follow a case from open to overdue to decided, the alert index "
    "keeps each alert's latest state",
    "[pipeline]") {
  using approvald::ports::AlertIndexEntry;
  using approvald::ports::CaseTally;
  FakeStore store;
  Pipeline p(engine(), store);
  accept_c1(p, store);
  const auto key = approvald::ports::TallyKey{0, "AG1"};
  CHECK(store.tallies.at(key) == CaseTally{1, 0, 0, 0, 0});

  const std::int64_t late = ms("2026-10-23T00:00:05+08:00");
  for (int round = 0; round < 3; ++round)
    store.commit(ok(p.fire(0, store.due(0, late), late)).writes);
  CHECK(store.tallies.at(key) == CaseTally{1, 0, 1, 1, 0});  // overdue, with a red card
  const auto& red = store.alert_index.at({0, "C1/alp-42-decision/red/1"});
  CHECK(red.status == AlertIndexEntry::Status::kFiring);
  CHECK(red.agency == "AG1");
  CHECK(red.rule_id == "alp-42-decision");
  CHECK(red.level == static_cast<std::uint8_t>(rules::Level::kRed));

  // A hearing reported late: paused, no longer overdue; the red card is retracted.
  store.commit(ok(p.process({rec(1, Ev{.type = "procedure_started",
                                       .when = "2026-10-20T09:00:00+08:00",
                                       .data = R"({"procedure":"hearing"})",
                                       .id = "h1"}
                                        .json())},
                            late, kCaughtUp))
                   .writes);
  CHECK(store.tallies.at(key) == CaseTally{1, 1, 0, 0, 0});
  CHECK(store.alert_index.at({0, "C1/alp-42-decision/red/1"}).status ==
        AlertIndexEntry::Status::kRetracted);

  // Denied: no certificate is due, the case leaves every count.
  store.commit(ok(p.process({rec(2, Ev{.type = "decided",
                                       .when = "2026-10-26T09:00:00+08:00",
                                       .data = R"({"outcome":"denied","reason":"r"})",
                                       .id = "d1"}
                                        .json())},
                            ms("2026-10-26T10:00:00+08:00"), kCaughtUp))
                   .writes);
  const auto t = store.tallies.at(key);
  INFO(t.open << " " << t.paused << " " << t.overdue);
  CHECK(t == CaseTally{0, 0, 0, 0, 0});
  // The decision enters the performance table on its day: within the statute once the hearing
  // is excluded, one alert left standing in the ledger (the reminder; the red card was
  // retracted).
  REQUIRE(store.perf.size() == 1);
  const auto& [perf_key, counts] = *store.perf.begin();
  CHECK(rules::format_date(std::get<1>(perf_key)) == "2026-10-26");
  CHECK(std::get<2>(perf_key) == "AG1");
  CHECK(counts.decided == 1);
  CHECK(counts.statute_cases == 1);
  CHECK(counts.statute_on_time == 1);

  // A certificate afterwards changes the row by difference: still one decided case.
  store.commit(ok(p.process({rec(3, Ev{.type = "certificate_issued",
                                       .when = "2026-10-27T09:00:00+08:00",
                                       .id = "c1"}
                                        .json())},
                            ms("2026-10-27T10:00:00+08:00"), kCaughtUp))
                   .writes);
  REQUIRE(store.perf.size() == 1);
  CHECK(store.perf.begin()->second.decided == 1);
}

TEST_CASE("a case that cannot be read fails the batch and moves nothing, a retry applies it",
          "[pipeline][faults]") {
  FakeStore store;
  Pipeline p(engine(), store);
  accept_c1(p, store);
  const auto mark_before = p.mark(0);
  const std::vector<Record> batch{
      rec(1, Ev{.type = "procedure_started",
                .when = "2026-09-21T09:00:00+08:00",
                .data = R"({"procedure":"hearing"})"}
                 .json()),
      rec(2, Ev{.case_id = "C2", .type = "accepted", .when = "2026-09-21T09:30:00+08:00"}.json())};
  const std::int64_t wall = ms("2026-09-21T10:00:00+08:00");

  store.failing_cases = {"C1"};
  const auto failed = p.process(batch, wall, kCaughtUp);
  REQUIRE_FALSE(failed.ok());
  CHECK_THAT(failed.error().message, Catch::Contains("C1") && Catch::Contains("injected"));
  // Not a new case, not a half batch: the mark (offset, outbox sequence) stands where it was.
  CHECK(p.mark(0) == mark_before);

  store.failing_cases.clear();
  const auto again = ok(p.process(batch, wall, kCaughtUp));
  store.commit(again.writes);
  CHECK(again.writes.marks.at(0).next_offset == 3);
  std::string why;
  const auto c1 = rules::CaseState::decode(store.cases.at({0, "C1"}), &why);
  REQUIRE(c1);
  CHECK(c1->events.size() == 2);  // the acceptance kept, the pause added: nothing overwritten
  CHECK(store.cases.count({0, "C2"}) == 1);
}

TEST_CASE("a due timer whose case cannot be read stays armed and fires once the read succeeds",
          "[pipeline][faults]") {
  FakeStore store;
  Pipeline p(engine(), store);
  accept_c1(p, store);
  const std::int64_t now = ms("2026-10-23T00:00:05+08:00");
  const auto due = store.due(0, now);
  REQUIRE(due.size() == 1);
  store.fail_all_reads = true;
  const auto failed = p.fire(0, due, now);
  REQUIRE_FALSE(failed.ok());
  CHECK(store.timers.size() == 1);  // nothing cleared it
  store.fail_all_reads = false;
  for (int round = 0; round < 3; ++round)
    store.commit(ok(p.fire(0, store.due(0, now), now)).writes);
  const auto alerts = store.on_topic("approval.alerts");
  REQUIRE(alerts.size() == 3);
  CHECK(alerts[2].key == "C1/alp-42-decision/red/1");
}

TEST_CASE("a due timer whose stored state does not decode is dropped and counted",
          "[pipeline][faults]") {
  FakeStore store;
  Pipeline p(engine(), store);
  accept_c1(p, store);
  store.cases[{0, "C1"}] = "not a case state";
  const std::int64_t now = ms("2026-10-23T00:00:05+08:00");
  const auto b = ok(p.fire(0, store.due(0, now), now));
  CHECK(b.stats.unreadable_timer_cases == 1);
  CHECK(b.writes.timers_cleared.size() == 1);
  CHECK(b.writes.cases.empty());  // the damaged bytes are left as they are, never overwritten
}

TEST_CASE("a repeated event id with other content is counted as a conflict, the first wins",
          "[pipeline]") {
  FakeStore store;
  Pipeline p(engine(), store);
  accept_c1(p, store);
  const auto before = store.cases;
  // The same event id as accept_c1's event, re-sent with a promise it did not carry, and once
  // more unchanged.
  const std::string id =
      rules::CaseState::decode(store.cases.begin()->second, nullptr)->events.front().event_id;
  const auto b = ok(p.process(
      {rec(1, Ev{.type = "accepted",
                 .when = "2026-09-18T10:02:00+08:00",
                 .data = R"({"promised":{"working_days":5}})",
                 .id = id}
                  .json()),
       rec(2, Ev{.type = "accepted", .when = "2026-09-18T10:02:00+08:00", .id = id}.json())},
      ms("2026-09-18T11:00:00+08:00"), kCaughtUp));
  CHECK(b.stats.duplicates == 2);
  CHECK(b.stats.duplicate_conflicts == 1);
  CHECK(b.writes.outbox.empty());
  store.commit(b.writes);
  CHECK(store.cases == before);
}

TEST_CASE("a record over engine.max_event_bytes is a dead letter before it is decoded",
          "[pipeline]") {
  FakeStore store;
  approvald::pipeline::Options o;
  o.max_event_bytes = 4096;
  Pipeline p(engine(), store, o);
  p.assign(0, std::nullopt);
  // A valid event carrying a 10 KB field: kept, it would grow the case state without bound.
  const std::string big = Ev{.type = "received",
                             .when = "2026-09-18T10:02:00+08:00",
                             .data = R"({"reason":")" + std::string(10000, 'x') + R"("})"}
                              .json();
  store.commit(
      ok(p.process({rec(0, big, "C1")}, ms("2026-09-18T10:05:00+08:00"), kCaughtUp)).writes);
  CHECK(store.cases.empty());
  const auto dlq = store.on_topic("approval.events.dlq");
  REQUIRE(dlq.size() == 1);
  CHECK_THAT(header(dlq[0], "approvald.reason"), Catch::Contains("more than 4096"));
}
