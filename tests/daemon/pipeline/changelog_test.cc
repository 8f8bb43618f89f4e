#include "pipeline/changelog.h"

#include <catch2/catch.hpp>

#include "pipeline/pipeline.h"
#include "ports/codec.h"
#include "support/fake_store.h"
#include "support/fixtures.h"

using approvald::pipeline::changelog_key;
using approvald::pipeline::changelog_value;
using approvald::pipeline::ChangelogKind;
using approvald::pipeline::ChangelogRecord;
using approvald::pipeline::recover;
using approvald::ports::PartitionMark;
using testing::ok;

namespace {

ChangelogRecord state(std::uint64_t epoch, const std::string& id, const std::string& bytes) {
  return {changelog_key(ChangelogKind::kCase, id), changelog_value(epoch, bytes)};
}

ChangelogRecord checkpoint(std::uint64_t epoch, std::int64_t next_offset) {
  std::string e;
  approvald::ports::put_be64(e, epoch);
  PartitionMark m;
  m.next_offset = next_offset;
  m.epoch = epoch;
  return {changelog_key(ChangelogKind::kCheckpoint, e),
          changelog_value(epoch, approvald::ports::encode_mark(m))};
}

std::vector<approvald::ports::OutboxEntry> on_topic(const approvald::ports::WriteSet& w,
                                                    const std::string& topic) {
  std::vector<approvald::ports::OutboxEntry> out;
  for (const auto& o : w.outbox) {
    if (o.topic == topic) out.push_back(o);
  }
  return out;
}

}  // namespace

TEST_CASE("recovery takes the last checkpoint of the highest epoch and nothing unfinished",
          "[changelog]") {
  const std::vector<ChangelogRecord> log = {
      state(1, "A", "a1"), state(1, "B", "b1"), checkpoint(1, 10),
      state(1, "A", "a2"),                     // owner 1's next commit never got its checkpoint out
      state(2, "B", "b2"), checkpoint(2, 20),  // owner 2 went on from offset 10
      state(1, "C", "c1"),                     // a late record of owner 1: fenced
      state(2, "C", "c2"),                     // owner 2's unfinished commit
  };
  const auto r = recover(3, log);
  REQUIRE(r.mark);
  CHECK(r.mark->next_offset == 20);
  CHECK(r.max_epoch == 2);
  CHECK(r.cases == std::map<std::string, std::string>{{"A", "a1"}, {"B", "b2"}});
  CHECK(r.ignored == 3);
}

TEST_CASE("no checkpoint, no state, garbage is counted, not trusted", "[changelog]") {
  const auto r = recover(0, {state(1, "A", "a1"), {"", "x"}, {"zA", "short"}});
  CHECK_FALSE(r.mark);
  CHECK(r.cases.empty());
  CHECK(r.ignored == 3);
}

TEST_CASE("each batch sends its states and alerts to the changelog, its checkpoint last",
          "[changelog]") {
  testing::FakeStore store;
  approvald::pipeline::Options o;
  o.changelog_topic = "cl";
  approvald::pipeline::Pipeline p(
      std::make_shared<const rules::Engine>(testing::statutory_rules(), testing::cn_calendar()),
      store, o);
  p.assign(2, std::nullopt, 6);  // the changelog had seen epoch 6
  auto b = ok(p.process(
      {approvald::pipeline::Record{2, 0, "C1",
                                   testing::Ev{.type = "decided",
                                               .when = "2026-03-03T09:00:00+08:00",
                                               .data = R"({"outcome":"denied","reason":"r"})"}
                                       .json(),
                                   0}},
      testing::at("2026-03-03T10:00:00+08:00").time_since_epoch().count(),
      [](std::int32_t) { return true; }));
  CHECK(on_topic(b.writes, "cl").size() == 2);  // the case and its one alert; no checkpoint yet
  // The shell asks for checkpoints every few milliseconds; one follows the batch.
  b.writes.merge(p.checkpoint(2).writes);
  CHECK(p.checkpoint(2).writes.empty());  // nothing new since
  const auto cl = on_topic(b.writes, "cl");
  REQUIRE(cl.size() == 3);
  for (const auto& e : cl) CHECK(e.topic_partition == 2);
  CHECK(cl[0].key == "cC1");
  CHECK(cl[1].key == "aC1/proc-decision-without-acceptance/red/1");
  CHECK(approvald::pipeline::is_checkpoint(cl[2].key));
  CHECK(b.writes.marks.at(2).epoch == 7);
  const auto alerts = on_topic(b.writes, "approval.alerts");
  REQUIRE(alerts.size() == 1);
  CHECK(cl[1].seq < alerts[0].seq);  // the relay holds the alert until the checkpoint is acked
  CHECK(alerts[0].seq < cl[2].seq);
  CHECK(b.writes.marks.at(2).next_outbox_seq == cl[2].seq + 1);

  // What another instance recovers from these records is this batch's state.
  std::vector<ChangelogRecord> log;
  for (const auto& e : cl) log.push_back({e.key, e.value});
  const auto r = recover(2, log);
  REQUIRE(r.mark);
  CHECK(*r.mark == b.writes.marks.at(2));
  CHECK(r.mark->epoch == 7);
  CHECK(r.cases.at("C1") == b.writes.cases.at(0).bytes);
  REQUIRE(r.alerts.size() == 1);
  CHECK(r.last_segment_alerts ==
        std::vector<std::string>{"C1/proc-decision-without-acceptance/red/1"});

  // Restored elsewhere: the state, its timer, its counts and its alert index come back.
  testing::FakeStore other;
  approvald::pipeline::Pipeline q(
      std::make_shared<const rules::Engine>(testing::statutory_rules(), testing::cn_calendar()),
      other, o);
  q.assign(2, std::nullopt, r.max_epoch);
  const auto restored = q.restore(2, r);
  CHECK(restored.writes.resets == std::vector<std::int32_t>{2});
  CHECK(restored.writes.cases.size() == 1);
  CHECK(restored.writes.alerts.size() == 1);
  // The last checkpoint's alert is sent again: the former owner may have died before it did.
  const auto again = on_topic(restored.writes, "approval.alerts");
  REQUIRE(again.size() == 1);
  CHECK(again[0].key == "C1/proc-decision-without-acceptance/red/1");
  CHECK(again[0].value == alerts[0].value);
  CHECK(q.mark(2)->next_offset == 1);
  CHECK(q.mark(2)->epoch == 8);
}
