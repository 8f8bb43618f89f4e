// The hand-over's rules (docs/adr/0007, outbox/handover.h) on fakes: when a partition is rebuilt
// from the changelog, that an unreadable changelog or mark stops the take-over, and what revoke
// and disown leave behind.
#include "outbox/handover.h"

#include <catch2/catch.hpp>

#include "outbox_fakes.h"
#include "pipeline/changelog.h"
#include "ports/codec.h"
#include "support/fake_store.h"
#include "support/fixtures.h"

using approvald::outbox::Handover;
using approvald::outbox::Relay;
using approvald::outbox::RelayOptions;
using approvald::pipeline::ChangelogRecord;
using approvald::pipeline::Pipeline;
using approvald::ports::OutboxEntry;
using approvald::ports::PartitionMark;

namespace {

approvald::pipeline::Options options() {
  approvald::pipeline::Options o;
  o.changelog_topic = "changelog";
  return o;
}

std::shared_ptr<const rules::Engine> engine() {
  return std::make_shared<const rules::Engine>(testing::statutory_rules(), testing::cn_calendar());
}

OutboxEntry alert(std::uint64_t seq, const std::string& id) {
  return {0, seq, "alerts", -1, id, "{}", {}};
}

struct Rig {
  testing::FakeStore cases;  // the pipeline's case reads
  testing::FakeOutboxStore store;
  testing::FakeSink sink;
  testing::FakeChangelogReader reader;
  Pipeline pipe{engine(), cases, options()};
  Relay relay{store, sink, RelayOptions{.changelog_topic = "changelog", .dlq_topic = "dlq"}};
  Handover handover{store, pipe, relay, reader, "changelog"};

  // The changelog as an owner of epoch `epoch` left it: its checkpoint says where to go on from.
  void changelog_checkpoint(std::uint64_t epoch, std::int64_t next_offset,
                            std::uint64_t next_outbox_seq = 0) {
    testing::FakeStore none;
    Pipeline owner(engine(), none, options());
    owner.assign(0, PartitionMark{.next_offset = next_offset, .next_outbox_seq = next_outbox_seq},
                 epoch - 1);
    const auto b = owner.checkpoint(0);
    REQUIRE(b.writes.outbox.size() == 1);
    reader.records.push_back({b.writes.outbox[0].key, b.writes.outbox[0].value});
  }
};

}  // namespace

TEST_CASE(
    "assignment rebuilds from the changelog's last checkpoint only when another owner wrote "
    "since",
    "[outbox][handover]") {
  Rig r;
  SECTION("this store is as new as the changelog: its own mark, no full read, nothing dropped") {
    r.changelog_checkpoint(3, 500);
    r.store.marks[0] = PartitionMark{.next_offset = 700, .next_outbox_seq = 9, .epoch = 3};
    r.store.put(alert(8, "A1"));  // undelivered, and still to go
    const auto m = r.handover.assign(0);
    REQUIRE(m);
    REQUIRE(m.value());
    CHECK(m.value()->next_offset == 700);
    CHECK(r.reader.calls == std::vector<std::int64_t>{2000});  // the tail only
    CHECK(r.store.ops.empty());
    CHECK(r.store.entries.size() == 1);
    CHECK(r.pipe.mark(0)->epoch == 4);  // a new epoch, above both
  }
  SECTION("an empty changelog: the local mark") {
    r.store.marks[0] = PartitionMark{.next_offset = 700, .epoch = 1};
    const auto m = r.handover.assign(0);
    REQUIRE(m);
    CHECK(m.value()->next_offset == 700);
    CHECK(r.reader.calls.size() == 1);
  }
  SECTION("another owner wrote since: dropped, rebuilt from its last checkpoint") {
    r.changelog_checkpoint(5, 420);  // written before this store's entries 1 and 2
    r.store.marks[0] = PartitionMark{.next_offset = 300, .next_outbox_seq = 2, .epoch = 2};
    r.store.put(alert(1, "OLD"));  // from before the other owner: must not reach the topic now
    r.store.put(alert(2, "OLDER"));
    r.relay.pump({0});  // the relay had read this store's outbox up to sequence 3
    REQUIRE(r.relay.cursor(0) == 3);
    const auto m = r.handover.assign(0);
    REQUIRE(m);
    REQUIRE(m.value());
    CHECK(m.value()->next_offset == 420);
    CHECK(m.value()->epoch == 6);
    CHECK(r.reader.calls == std::vector<std::int64_t>{2000, -1});  // then the whole changelog
    REQUIRE(r.store.ops.size() >= 2);
    CHECK(r.store.ops[0] == "drop 0");
    CHECK(r.store.ops[1] == "commit");
    CHECK(r.store.entries.empty());
    // The outbox sequence does not repeat within the process, and the relay reads anew.
    CHECK(m.value()->next_outbox_seq == 3);
    CHECK(r.relay.cursor(0) == 0);
  }
  SECTION(
      "this store is behind a checkpoint of its own epoch (restored from an older backup; "
      "with transactions, a store write lost after a commit): rebuilt") {
    r.changelog_checkpoint(3, 900);
    r.store.marks[0] = PartitionMark{.next_offset = 700, .epoch = 3};
    const auto m = r.handover.assign(0);
    REQUIRE(m);
    REQUIRE(m.value());
    CHECK(m.value()->next_offset == 900);
    CHECK(r.reader.calls == std::vector<std::int64_t>{2000, -1});
    REQUIRE_FALSE(r.store.ops.empty());
    CHECK(r.store.ops[0] == "drop 0");
  }
  SECTION("behind by a commit of timers alone, which moved no input offset: rebuilt") {
    r.changelog_checkpoint(3, 700, 12);
    r.store.marks[0] = PartitionMark{.next_offset = 700, .next_outbox_seq = 9, .epoch = 3};
    const auto m = r.handover.assign(0);
    REQUIRE(m);
    CHECK(r.reader.calls == std::vector<std::int64_t>{2000, -1});
    REQUIRE_FALSE(r.store.ops.empty());
    CHECK(r.store.ops[0] == "drop 0");
  }
  SECTION("no complete checkpoint in the changelog: from the start") {
    r.reader.records.push_back(
        {approvald::pipeline::changelog_key(approvald::pipeline::ChangelogKind::kCase, "C1"),
         approvald::pipeline::changelog_value(7, "not a state")});
    const auto m = r.handover.assign(0);
    REQUIRE(m);
    CHECK_FALSE(m.value());
    CHECK(r.reader.calls == std::vector<std::int64_t>{2000, -1});
    CHECK(r.pipe.mark(0)->epoch == 8);
  }
}

TEST_CASE("a changelog or mark that cannot be read is an error, and nothing is consumed or dropped",
          "[outbox][handover]") {
  Rig r;
  r.store.marks[0] = PartitionMark{.next_offset = 700, .epoch = 1};
  SECTION("the changelog's tail") {
    r.reader.fail = true;
    const auto m = r.handover.assign(0);
    REQUIRE_FALSE(m);
    CHECK_THAT(m.error().message, Catch::Contains("unreachable"));
  }
  SECTION("the whole changelog, after its tail said another owner wrote") {
    r.changelog_checkpoint(5, 420);
    struct FailsFull final : approvald::outbox::ChangelogReader {
      testing::FakeChangelogReader& tail;
      explicit FailsFull(testing::FakeChangelogReader& t) : tail(t) {}
      approvald::Result<std::vector<ChangelogRecord>> read(const std::string& topic, std::int32_t p,
                                                           std::int64_t n, int timeout) override {
        if (n < 0) return approvald::Error{"injected: timed out"};
        return tail.read(topic, p, n, timeout);
      }
    } reader(r.reader);
    Handover handover(r.store, r.pipe, r.relay, reader, "changelog");
    REQUIRE_FALSE(handover.assign(0));
  }
  SECTION("the local mark: never taken for no local state") {
    r.store.fail_marks = true;
    REQUIRE_FALSE(r.handover.assign(0));
    CHECK(r.reader.calls.empty());
  }
  CHECK(r.store.ops.empty());
  CHECK_FALSE(r.pipe.mark(0));  // not assigned: nothing to consume from
}

TEST_CASE("revoke writes a last checkpoint, then delivers within the bound or drops the partition",
          "[outbox][handover]") {
  Rig r;
  r.pipe.assign(0, PartitionMark{.next_offset = 50, .next_outbox_seq = 1, .epoch = 1});
  r.store.put(alert(0, "A1"));
  SECTION("delivered in time: the local state stays") {
    r.sink.auto_ack = true;
    r.handover.revoke(0, 1000);
    CHECK(r.store.ops == std::vector<std::string>{"commit"});
    CHECK(r.store.entries.empty());  // the alert and the checkpoint that released it
    REQUIRE(r.sink.produced.size() == 2);
    CHECK(r.sink.produced[0].topic == "changelog");
    CHECK(r.sink.produced[1].key == "A1");
  }
  SECTION("not delivered in time: dropped with the local state, and forgotten by the relay") {
    r.handover.revoke(0, 0);
    CHECK(r.store.ops == std::vector<std::string>{"commit", "drop 0"});
    CHECK(r.store.entries.empty());
    CHECK(r.store.marks.count(0) == 0);
    CHECK(r.relay.cursor(0) == 0);
  }
  SECTION("an outbox that cannot be read is not delivered: dropped") {
    r.store.fail_reads = true;
    r.handover.revoke(0, 0);
    CHECK(r.store.dropped(0));
  }
}

TEST_CASE(
    "with transactions, a rebuilt partition sends no alert again and a revoked one writes "
    "nothing",
    "[outbox][handover]") {
  Rig r;
  Handover handover{r.store, r.pipe, r.relay, r.reader, "changelog", true};
  // The other owner's last commit: an alert, then its checkpoint.
  approvald::ports::AlertIndexEntry a{.partition = 0, .alert_id = "A9", .json = "{}"};
  r.reader.records.push_back(
      {approvald::pipeline::changelog_key(approvald::pipeline::ChangelogKind::kAlert, "A9"),
       approvald::pipeline::changelog_value(5, approvald::ports::encode_alert(a))});
  r.changelog_checkpoint(5, 420);
  r.store.marks[0] = PartitionMark{.next_offset = 300, .epoch = 2};
  const auto m = handover.assign(0);
  REQUIRE(m);
  REQUIRE(m.value());
  CHECK(m.value()->next_offset == 420);
  CHECK(r.store.entries.empty());  // the alert is not sent again
  // Without transactions the same changelog sends it again.
  Rig outbox;
  outbox.reader.records = r.reader.records;
  outbox.store.marks[0] = PartitionMark{.next_offset = 300, .epoch = 2};
  REQUIRE(outbox.handover.assign(0));
  CHECK(outbox.store.entries.size() == 1);

  r.store.ops.clear();
  handover.revoke(0, 0);
  CHECK(r.store.ops.empty());
}

TEST_CASE("disown drops a partition with undelivered entries, and one whose outbox is unknown",
          "[outbox][handover]") {
  Rig r;
  r.store.marks[0] = PartitionMark{.next_offset = 5};
  r.store.marks[1] = PartitionMark{.next_offset = 6};
  r.store.put({1, 0, "alerts", -1, "A1", "{}", {}});
  r.handover.disown(0);
  CHECK(r.store.ops.empty());  // nothing undelivered: its state may serve if it comes back
  r.handover.disown(1);
  CHECK(r.store.ops == std::vector<std::string>{"drop 1"});
  r.store.fail_reads = true;
  r.handover.disown(0);
  CHECK(r.store.dropped(0));
}
