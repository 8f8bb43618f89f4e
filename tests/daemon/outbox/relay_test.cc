// The relay's ordering rules (docs/adr/0007, outbox/relay.h), one TEST_CASE each, stepped
// through on fakes: the test decides when the broker acknowledges what.
#include "outbox/relay.h"

#include <catch2/catch.hpp>

#include "outbox_fakes.h"
#include "pipeline/changelog.h"
#include "pipeline/dead_letter.h"
#include "support/outbox_header.h"

using approvald::outbox::Relay;
using approvald::outbox::RelayOptions;
using approvald::pipeline::changelog_key;
using approvald::pipeline::ChangelogKind;
using approvald::ports::Failure;
using approvald::ports::OutboxEntry;
using Names = std::vector<std::string>;
using testing::header;

namespace {

OutboxEntry alert(std::uint64_t seq, const std::string& id) {
  return {0, seq, "alerts", -1, id, R"({"alert_id":")" + id + R"("})", {}};
}
OutboxEntry dead_letter(std::uint64_t seq, const std::string& key, std::string value = "{}") {
  return {0, seq, "dlq", -1, key, std::move(value), {}};
}
OutboxEntry checkpoint(std::uint64_t seq, const std::string& epoch) {
  return {0, seq, "changelog", 0, changelog_key(ChangelogKind::kCheckpoint, epoch), "m", {}};
}
OutboxEntry case_record(std::uint64_t seq, const std::string& id) {
  return {0, seq, "changelog", 0, changelog_key(ChangelogKind::kCase, id), "state", {}};
}
struct Rig {
  testing::FakeOutboxStore store;
  testing::FakeSink sink;
  std::vector<std::pair<std::string, std::string>> permanent;  // topic, reason
  std::int64_t now = 1'000'000;

  RelayOptions options(std::string changelog, std::size_t max_in_flight = 100) {
    return RelayOptions{
        .max_in_flight = max_in_flight,
        .changelog_topic = std::move(changelog),
        .dlq_topic = "dlq",
        .stall_after_ms = 60000,
        .now_ms = [this] { return now; },
        .on_permanent = [this](const std::string& t,
                               const std::string& r) { permanent.emplace_back(t, r); }};
  }
  void write(const std::vector<OutboxEntry>& entries) {
    for (const auto& e : entries) store.put(e);
  }
};

const std::string kCp1 = "changelog:" + changelog_key(ChangelogKind::kCheckpoint, "e1");
const std::string kCp2 = "changelog:" + changelog_key(ChangelogKind::kCheckpoint, "e2");

}  // namespace

TEST_CASE("an alert or dead letter is held back until the next checkpoint after it is acknowledged",
          "[outbox][relay]") {
  Rig r;
  Relay relay(r.store, r.sink, r.options("changelog"));
  r.write({alert(0, "A1"), dead_letter(1, "D1"), checkpoint(2, "e1"), alert(3, "A2")});
  relay.pump({0});
  CHECK(r.sink.names() == Names{kCp1});  // the checkpoint first, the alerts wait
  relay.pump({0});
  CHECK(r.sink.names() == Names{kCp1});  // not before its acknowledgement
  r.sink.ack({0, 2});
  relay.pump({0});
  // What the checkpoint covers goes, in order; A2 waits for a checkpoint after it.
  CHECK(r.sink.names() == Names{kCp1, "alerts:A1", "dlq:D1"});
  r.sink.ack_all();
  for (int i = 0; i < 3; ++i) relay.pump({0});
  CHECK(r.sink.names().size() == 3);
  r.write({checkpoint(4, "e2")});
  relay.pump({0});
  r.sink.ack_all();
  relay.pump({0});
  CHECK(r.sink.names() == Names{kCp1, "alerts:A1", "dlq:D1", kCp2, "alerts:A2"});
}

TEST_CASE("a checkpoint goes only once the changelog records before it are acknowledged",
          "[outbox][relay]") {
  Rig r;
  Relay relay(r.store, r.sink, r.options("changelog"));
  r.write({case_record(0, "C1"), case_record(1, "C2"), checkpoint(2, "e1")});
  relay.pump({0});
  CHECK(r.sink.names() == Names{"changelog:" + changelog_key(ChangelogKind::kCase, "C1"),
                                "changelog:" + changelog_key(ChangelogKind::kCase, "C2")});
  r.sink.ack({0, 0});
  relay.pump({0});
  CHECK(r.sink.names().size() == 2);  // C2 is still in flight
  r.sink.ack({0, 1});
  relay.pump({0});
  REQUIRE(r.sink.names().size() == 3);
  CHECK(r.sink.names()[2] == kCp1);
}

TEST_CASE("a checkpoint waits for the alerts released by the previous one to be acknowledged",
          "[outbox][relay]") {
  Rig r;
  Relay relay(r.store, r.sink, r.options("changelog"));
  r.write({alert(0, "A1"), checkpoint(1, "e1"), alert(2, "A2"), checkpoint(3, "e2")});
  relay.pump({0});
  r.sink.ack({0, 1});
  // e1 is acknowledged, but A1 cannot go yet (the local queue is full) and nothing is in flight:
  // e2 must still wait, or A1 would reach the topic after a checkpoint that does not cover it.
  r.sink.queue_full_for = 1;
  relay.pump({0});
  CHECK(r.sink.names() == Names{kCp1});
  relay.pump({0});
  CHECK(r.sink.names() == Names{kCp1, "alerts:A1"});  // A1 in flight: e2 waits still
  r.sink.ack({0, 0});
  relay.pump({0});
  CHECK(r.sink.names() == Names{kCp1, "alerts:A1", kCp2});
  r.sink.ack({0, 3});
  relay.pump({0});
  CHECK(r.sink.names() == Names{kCp1, "alerts:A1", kCp2, "alerts:A2"});
}

TEST_CASE("an entry is deleted from the outbox only after its acknowledgement", "[outbox][relay]") {
  Rig r;
  Relay relay(r.store, r.sink, r.options(""));
  r.write({alert(0, "A1"), alert(1, "A2")});
  CHECK(relay.pump({0}) == 0);
  CHECK(r.sink.names() == Names{"alerts:A1", "alerts:A2"});
  CHECK(r.store.deleted.empty());
  CHECK(r.store.entries.size() == 2);
  r.sink.fail({0, 0}, Failure::kRetriable);  // a failed report deletes nothing either
  r.sink.ack({0, 1});
  CHECK(relay.pump({0}) == 1);
  CHECK(r.store.deleted == std::vector<testing::OutboxId>{{0, 1}});
  r.sink.ack({0, 0});
  CHECK(relay.pump({0}) == 1);
  CHECK(r.store.deleted == std::vector<testing::OutboxId>{{0, 1}, {0, 0}});
  CHECK(r.store.entries.empty());
  CHECK(relay.in_flight() == 0);
}

TEST_CASE("delivered entries whose delete failed are deleted once the store takes writes again",
          "[outbox][relay]") {
  // A full disk: the broker has the entries, the store cannot delete them. Without a retry they
  // stayed until a restart sent them again, and the outbox's head aged as if stalled.
  Rig r;
  Relay relay(r.store, r.sink, r.options(""));
  r.write({alert(0, "A1"), alert(1, "A2")});
  relay.pump({0});
  r.store.fail_deletes = true;
  r.sink.ack({0, 0});
  CHECK(relay.pump({0}) == 1);  // delivered: counted as gone from the loop's depth
  r.sink.ack({0, 1});
  CHECK(relay.pump({0}) == 1);
  CHECK(r.store.entries.size() == 2);
  r.store.fail_deletes = false;
  CHECK(relay.pump({0}) == 0);  // nothing new delivered; the two are deleted now
  CHECK(r.store.entries.empty());
  CHECK(r.store.deleted == std::vector<testing::OutboxId>{{0, 0}, {0, 1}});
  CHECK(r.sink.names() == Names{"alerts:A1", "alerts:A2"});  // and nothing went twice
  CHECK(relay.heads({0}, r.now)[0].age_ms == 0);
}

TEST_CASE("a retriable error keeps the entry for later, in order", "[outbox][relay]") {
  Rig r;
  Relay relay(r.store, r.sink, r.options(""));
  r.write({alert(0, "A1"), alert(1, "A2"), alert(2, "A3")});
  // Refused by a full local queue: nothing after it goes before it.
  r.sink.queue_full_for = 1;
  relay.pump({0});
  CHECK(r.sink.names().empty());
  relay.pump({0});
  CHECK(r.sink.names() == Names{"alerts:A1", "alerts:A2", "alerts:A3"});
  // Failed in the delivery report (the broker is away): sent again, in the same order.
  r.sink.fail_all(Failure::kRetriable);
  relay.pump({0});
  CHECK(r.sink.names(3) == Names{"alerts:A1", "alerts:A2", "alerts:A3"});
  CHECK(r.store.deleted.empty());
  CHECK(r.permanent.empty());
  r.sink.ack_all();
  relay.pump({0});
  CHECK(r.store.entries.empty());
}

TEST_CASE(
    "a permanent error replaces the entry with a bounded dead-letter stand-in and does not "
    "block the ones behind",
    "[outbox][relay]") {
  Rig r;
  Relay relay(r.store, r.sink, r.options(""));
  const std::string payload(2 * 1024 * 1024, 'x');
  r.write({dead_letter(0, "BIG", payload), alert(1, "A1"), alert(2, "A2")});  // BIG: too large
  relay.pump({0});
  REQUIRE(r.sink.names() == Names{"dlq:BIG", "alerts:A1", "alerts:A2"});
  const OutboxEntry& stand_in = r.sink.produced[0];
  CHECK(header(stand_in, "approvald.reason.class") == "undeliverable");
  CHECK(header(stand_in, "approvald.payload.size") == std::to_string(payload.size()));
  CHECK(header(stand_in, "approvald.outbox.seq") == "0");
  CHECK(stand_in.value.size() <= approvald::pipeline::kDeadLetterHeadBytes);
  REQUIRE(r.permanent.size() == 1);
  CHECK(r.permanent[0] == std::make_pair(std::string("dlq"), std::string("msg_size_too_large")));
  // Refused for good in a delivery report: the stand-in goes in its place, then it is deleted.
  r.sink.fail({0, 1}, Failure::kPermanent, "topic_authorization_failed");
  r.sink.ack({0, 0});
  r.sink.ack({0, 2});
  relay.pump({0});
  REQUIRE(r.sink.names().size() == 4);
  CHECK(r.sink.produced[3].topic == "dlq");
  CHECK(header(r.sink.produced[3], "approvald.undeliverable.topic") == "alerts");
  r.sink.ack_all();
  relay.pump({0});
  CHECK(r.store.entries.empty());
  CHECK(r.permanent.size() == 2);
}

TEST_CASE("a stand-in refused for good too is dropped from the outbox, loudly", "[outbox][relay]") {
  Rig r;
  Relay relay(r.store, r.sink, r.options(""));
  r.sink.refused_topics["alerts"] = "topic_authorization_failed";
  r.sink.refused_topics["dlq"] = "topic_authorization_failed";
  r.write({alert(0, "A1"), alert(1, "A2")});
  CHECK(relay.pump({0}) == 2);  // gone, and counted as such
  CHECK(r.sink.produced.empty());
  CHECK(r.store.entries.empty());
  CHECK(r.permanent.size() == 4);  // each alert, then each stand-in
}

TEST_CASE("a replaced checkpoint releases what it covers", "[outbox][relay]") {
  SECTION("its stand-in acknowledged") {
    Rig r;
    Relay relay(r.store, r.sink, r.options("changelog"));
    r.sink.refused_topics["changelog"] = "msg_size_too_large";
    r.write({alert(0, "A1"), checkpoint(1, "e1")});
    relay.pump({0});
    REQUIRE(r.sink.names().size() == 1);
    CHECK(header(r.sink.produced[0], "approvald.undeliverable.topic") == "changelog");
    relay.pump({0});
    CHECK(r.sink.names().size() == 1);  // covered: waits for the stand-in's acknowledgement
    r.sink.ack({0, 1});
    relay.pump({0});
    REQUIRE(r.sink.names().size() == 2);
    CHECK(r.sink.names()[1] == "alerts:A1");
  }
  SECTION("its stand-in refused as well, and the checkpoint dropped") {
    Rig r;
    Relay relay(r.store, r.sink, r.options("changelog"));
    r.sink.refused_topics["changelog"] = "msg_size_too_large";
    r.sink.refused_topics["dlq"] = "topic_authorization_failed";
    r.write({alert(0, "A1"), checkpoint(1, "e1")});
    relay.pump({0});
    relay.pump({0});
    CHECK(r.sink.names() == Names{"alerts:A1"});
  }
}

TEST_CASE("a covered alert that fails goes again without waiting for another checkpoint",
          "[outbox][relay]") {
  Rig r;
  Relay relay(r.store, r.sink, r.options("changelog"));
  r.write({alert(0, "A1"), checkpoint(1, "e1")});  // an idle partition: nothing after them
  relay.pump({0});
  r.sink.ack({0, 1});
  relay.pump({0});
  REQUIRE(r.sink.names() == Names{kCp1, "alerts:A1"});
  r.sink.fail({0, 0}, Failure::kRetriable);
  relay.pump({0});
  CHECK(r.sink.names() == Names{kCp1, "alerts:A1", "alerts:A1"});
  r.sink.ack_all();
  relay.pump({0});
  CHECK(r.store.entries.empty());
}

TEST_CASE("max_in_flight bounds what is outstanding", "[outbox][relay]") {
  Rig r;
  Relay relay(r.store, r.sink, r.options("", 2));
  r.write({alert(0, "A1"), alert(1, "A2"), alert(2, "A3"), alert(3, "A4"), alert(4, "A5")});
  relay.pump({0});
  CHECK(r.sink.names() == Names{"alerts:A1", "alerts:A2"});
  CHECK(relay.in_flight() == 2);
  relay.pump({0});
  CHECK(r.sink.names().size() == 2);
  r.sink.ack({0, 0});
  relay.pump({0});
  CHECK(r.sink.names() == Names{"alerts:A1", "alerts:A2", "alerts:A3"});
  CHECK(relay.in_flight() == 2);
  r.sink.ack_all();
  relay.pump({0});
  CHECK(relay.in_flight() == 2);
  CHECK(r.sink.names().size() == 5);
}

TEST_CASE("a failed outbox read is an error, never an empty outbox", "[outbox][relay]") {
  Rig r;
  Relay relay(r.store, r.sink, r.options(""));
  r.write({alert(0, "A1")});
  relay.heads({0}, r.now);  // seen once while the store answers
  r.store.fail_reads = true;
  // A hand-over drains before it lets a partition go: read as empty, the outbox was "delivered"
  // and its alerts were left behind.
  CHECK_FALSE(relay.drain(0, {0}));
  auto error = relay.take_read_error();
  REQUIRE(error);
  CHECK(error->message == "injected read error");
  CHECK_FALSE(relay.take_read_error());  // taken
  CHECK(r.sink.produced.empty());
  // Nor is a failing store progress: the head keeps its age, and turns stalled.
  r.now += 120000;
  const auto heads = relay.heads({0}, r.now);
  REQUIRE(heads.size() == 1);
  CHECK(heads[0].stalled);
  // A corrupt read is the one reported, whatever failed before it in the turn.
  r.store.corrupt_reads = true;
  relay.heads({0}, r.now);
  error = relay.take_read_error();
  REQUIRE(error);
  CHECK(error->corrupt);
  r.store.fail_reads = false;
  r.sink.auto_ack = true;
  CHECK(relay.drain(1000, {0}));
  CHECK(r.sink.names() == Names{"alerts:A1"});
}
