// The ordering rules of one turn of the main loop, on fakes with a manual clock: what is
// committed before what is read, what a failing or damaged store stops, and the intervals of
// the group offsets, checkpoints and gauges, which run on real time.
#include "loop/loop.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "daemon/commit/fake_txn_sink.h"
#include "loop/store_retry.h"
#include "loop_fakes.h"
#include "support/fixtures.h"

using approvald::loop::Loop;
using approvald::loop::LoopOptions;
using approvald::loop::TurnEnd;
using approvald::pipeline::Record;
using testing::Ev;

namespace {

std::int64_t ms(const std::string& rfc3339) {
  return testing::at(rfc3339).time_since_epoch().count();
}

// Case `id` accepted on Fri 2026-09-18, as a record of partition 0 keyed by its case.
Record accepted(std::int64_t offset, const std::string& id = "C1") {
  return Record{0, offset, id,
                Ev{.case_id = id, .type = "accepted", .when = "2026-09-18T10:02:00+08:00"}.json(),
                0};
}

// Everything a loop needs, wired as `approvald run` wires it, on fakes.
struct Rig {
  explicit Rig(LoopOptions options = {}, std::size_t outbox_depth = 0,
               std::string changelog_topic = "", bool transactional = false)
      : pipe(std::make_shared<const rules::Engine>(testing::statutory_rules(),
                                                   testing::cn_calendar()),
             cache, pipeline_options(std::move(changelog_topic))) {
    clock.supervision_ms = ms("2026-09-18T10:05:00+08:00");
    clock.real_ms = 1000;
    pipe.assign(0, std::nullopt);
    loop = std::make_unique<Loop>(
        approvald::loop::LoopPorts{
            .pipeline = pipe,
            .retry = retry,
            .store = store,
            .timers = store,
            .gauges = store,
            .cases = store,
            .relay = relay,
            .relay_partitions = relay_partitions,
            .health = health,
            .metrics = metrics,
            .clocks = clock.clocks(),
            .consumer = make(),
            .make_consumer =
                [this]() -> approvald::Result<std::unique_ptr<approvald::loop::ConsumerPort>> {
              if (factory_fails) return approvald::Error{"injected: cannot create"};
              return make();
            },
            .assignment_failed = [this] { return assignment_failed; },
            .published = {},
            .resident_bytes = {},
            .transactions = transactional ? &point : nullptr},
        options, outbox_depth);
  }

  static approvald::pipeline::Options pipeline_options(std::string changelog_topic) {
    approvald::pipeline::Options o;
    o.changelog_topic = std::move(changelog_topic);
    return o;
  }
  std::unique_ptr<approvald::loop::ConsumerPort> make() {
    auto c = std::make_unique<testing::FakeConsumer>(static_cast<int>(consumers.size()) + 1,
                                                     consumer_events);
    consumer_events.push_back("make " + std::to_string(consumers.size() + 1));
    consumers.push_back(c.get());
    return c;
  }
  // The consumer the loop uses now.
  testing::FakeConsumer& consumer() { return *consumers.back(); }
  std::size_t commits() const { return store.ops.size() - timer_reads(); }
  std::size_t timer_reads() const {
    return static_cast<std::size_t>(std::count(store.ops.begin(), store.ops.end(), "due_timers"));
  }

  testing::ManualClock clock;
  testing::FakeLoopStore store;
  approvald::state::CaseCache cache{store, 0};
  approvald::pipeline::Pipeline pipe;
  approvald::control::Health health;
  approvald::metrics::Metrics metrics{"test", "rules", "calendar"};
  std::atomic<bool> stop{false};
  std::vector<std::chrono::milliseconds> sleeps;
  std::function<void()> on_sleep;  // runs in place of each wait between retries
  approvald::loop::StoreRetry retry{health,
                                    metrics,
                                    stop,
                                    cache,
                                    [this](std::chrono::milliseconds d) {
                                      sleeps.push_back(d);
                                      if (on_sleep) on_sleep();
                                    },
                                    [this] { return clock.real_ms; }};
  testing::FakeRelay relay;
  std::set<std::int32_t> relay_partitions{0};
  std::vector<std::string> consumer_events;
  std::vector<testing::FakeConsumer*> consumers;  // owned by the loop; only the last one lives
  bool factory_fails = false;
  bool assignment_failed = false;
  // With transactions (ADR 0013): the broker's side, and the commit point writing the store
  // through the same retry as the loop.
  std::vector<std::string> txn_log;
  approvald::testing::FakeTxnSink sink{txn_log};
  approvald::commit::CommitPoint point{sink,
                                       [this](const approvald::ports::WriteSet& w) {
                                         txn_log.push_back("store");
                                         return retry.commit(store, w);
                                       },
                                       [](std::chrono::milliseconds) {},
                                       stop,
                                       {.dead_letter_topic = "dlq"}};
  std::unique_ptr<Loop> loop;
};

}  // namespace

TEST_CASE("a batch is committed before the due timers are read, so they see its writes") {
  Rig rig;
  rig.consumer().batches.push_back({accepted(0)});
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  REQUIRE(rig.store.ops.size() >= 2);
  CHECK(rig.store.ops[0] == "commit");
  CHECK(rig.store.ops[1] == "due_timers");
  // The accepted case armed its deadline timer in that commit, and the read found it there.
  CHECK(rig.store.timers_seen.at(0) == 1);
}

TEST_CASE("a failed read retries the same records and commits nothing until it succeeds") {
  Rig rig;
  rig.consumer().batches.push_back({accepted(0)});
  rig.store.fail_reads = true;
  std::size_t commits_while_failing = 99;
  std::size_t group_commits_while_failing = 99;
  rig.on_sleep = [&] {
    commits_while_failing = rig.commits();
    group_commits_while_failing = rig.consumer().group_commits.size();
    CHECK(rig.store.data.marks.empty());                       // no offset moved
    if (rig.sleeps.size() == 2) rig.store.fail_reads = false;  // the disk heals
  };
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(rig.sleeps == std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(100),
                                                             std::chrono::milliseconds(200)});
  CHECK(commits_while_failing == 0);
  CHECK(group_commits_while_failing == 0);
  CHECK(rig.consumer().polls == 1);  // the same records, not a new poll
  REQUIRE(!rig.store.committed.empty());
  CHECK(rig.store.committed[0].marks.at(0).next_offset == 1);
  CHECK(rig.consumer().group_commits ==
        std::vector<std::map<std::int32_t, std::int64_t>>{{{0, 1}}});
  CHECK_FALSE(rig.health.store_reads_failing);
}

TEST_CASE("stopping while the store fails moves no offset, in the store or the group") {
  Rig rig;
  rig.consumer().batches.push_back({accepted(0)});
  rig.stop = true;
  SECTION("a failing read") {
    rig.store.fail_reads = true;
    CHECK(rig.loop->turn() == TurnEnd::kStopped);
    CHECK(rig.commits() == 0);
    CHECK(rig.health.store_reads_failing);
  }
  SECTION("a failing write") {
    rig.store.fail_writes = true;
    CHECK(rig.loop->turn() == TurnEnd::kStopped);
    CHECK(rig.store.committed.empty());
    CHECK(rig.health.store_writes_failing);
  }
  CHECK(rig.sleeps.empty());
  CHECK(rig.consumer().group_commits.empty());
  CHECK(rig.store.data.marks.empty());
}

TEST_CASE("a damaged store stops the loop without any further write") {
  Rig rig(LoopOptions{.changelog = true}, 0, "approval.changelog");
  rig.consumer().batches.push_back({accepted(0)});
  SECTION("a case that reads as damaged: nothing is committed, nothing retried") {
    rig.store.fail_reads = true;
    rig.store.corrupt = true;
    CHECK(rig.loop->turn() == TurnEnd::kStoreDamaged);
    CHECK(rig.commits() == 0);
    CHECK(rig.sleeps.empty());
    CHECK(rig.retry.damaged());
  }
  SECTION("a damaged timer index: the batch before it stays, no checkpoint or relay after it") {
    rig.store.corrupt_timers = true;
    CHECK(rig.loop->turn() == TurnEnd::kStoreDamaged);
    CHECK(rig.store.ops == std::vector<std::string>{"commit", "due_timers"});
    CHECK(rig.relay.pumps == 0);
    CHECK(rig.consumer().group_commits.empty());
  }
  SECTION("a damaged outbox entry met by the relay") {
    rig.relay.read_error = approvald::Error{"injected checksum mismatch", true};
    CHECK(rig.loop->turn() == TurnEnd::kStoreDamaged);
    CHECK(rig.consumer().probes == 0);  // stopped before the gauges
  }
}

TEST_CASE("a relay read that failed without damage is tried again next turn") {
  Rig rig;
  rig.relay.read_error = approvald::Error{"injected I/O error"};
  CHECK(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(rig.relay.pumps == 2);
}

TEST_CASE("backpressure pauses the consumer at outbox.max_pending and resumes below it") {
  Rig rig(LoopOptions{.max_pending = 10}, 9);
  // An invalid record becomes a dead letter: one outbox entry, counted into the depth.
  rig.consumer().batches.push_back({Record{0, 0, "X", "not json", 0}});
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(rig.loop->outbox_depth() == 10);
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  rig.relay.acks = 1;  // acknowledged in this turn's pump
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(rig.consumer().paused == std::vector<bool>{false, true, true, false});
}

TEST_CASE("group offsets go at most once a second of real time, for committed records only") {
  Rig rig;
  auto& c = rig.consumer();
  c.batches = {{accepted(0, "C1")}, {accepted(1, "C2")}, {}, {}, {}};
  rig.loop->turn();  // real 1000: offset 1 committed at once
  rig.clock.real_ms = 1500;
  rig.clock.supervision_ms += 3'600'000;  // supervision time does not count
  rig.loop->turn();                       // offset 2 waits
  rig.clock.real_ms = 1999;
  rig.loop->turn();
  CHECK(c.group_commits == std::vector<std::map<std::int32_t, std::int64_t>>{{{0, 1}}});
  rig.clock.real_ms = 2000;
  rig.loop->turn();
  rig.clock.real_ms = 5000;
  rig.loop->turn();  // nothing new: nothing sent
  CHECK(c.group_commits == std::vector<std::map<std::int32_t, std::int64_t>>{{{0, 1}}, {{0, 2}}});
}

TEST_CASE("checkpoints of changed partitions are committed at most every 50 ms") {
  Rig rig(LoopOptions{.changelog = true}, 0, "approval.changelog");
  auto& c = rig.consumer();
  c.batches = {{accepted(0, "C1")}, {accepted(1, "C2")}};
  rig.loop->turn();  // real 1000: the batch, then its checkpoint
  CHECK(rig.commits() == 2);
  rig.clock.real_ms = 1010;
  rig.loop->turn();  // the batch only
  CHECK(rig.commits() == 3);
  rig.clock.real_ms = 1049;
  rig.loop->turn();
  CHECK(rig.commits() == 3);
  rig.clock.real_ms = 1050;
  rig.loop->turn();  // the second batch's checkpoint
  CHECK(rig.commits() == 4);
  CHECK(rig.store.committed.back().marks.at(0).next_offset == 2);
  rig.clock.real_ms = 1100;
  rig.loop->turn();  // nothing changed since
  CHECK(rig.commits() == 4);
}

TEST_CASE("the gauges are refreshed every 2 s of real time") {
  Rig rig;
  rig.clock.real_ms = 0;
  rig.loop->turn();
  rig.clock.real_ms = 1999;
  rig.loop->turn();
  CHECK(rig.consumer().probes == 1);
  CHECK(rig.health.assigned == 1);
  rig.clock.real_ms = 2000;
  rig.consumer().assignment = {0, 1};
  rig.loop->turn();
  CHECK(rig.consumer().probes == 2);
  CHECK(rig.health.assigned == 2);
}

TEST_CASE("a consumer that failed fatally is replaced through the factory") {
  Rig rig;
  rig.consumers[0]->fatal = "fenced";
  SECTION("the old one is given up before the new one is made") {
    REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
    REQUIRE(rig.consumers.size() == 2);
    CHECK(rig.loop->consumer() == rig.consumers[1]);
    // The replacement takes the same static identity: the old one is gone before it is made.
    CHECK(rig.consumer_events ==
          std::vector<std::string>{"make 1", "abandon 1", "destroy 1", "make 2"});
    rig.consumer().batches.push_back({accepted(0)});
    rig.loop->turn();
    CHECK(rig.consumer().polls == 1);
    CHECK(rig.store.committed.at(0).marks.at(0).next_offset == 1);
  }
  SECTION("no replacement could be made: the loop stops") {
    rig.factory_fails = true;
    CHECK(rig.loop->turn() == TurnEnd::kNoConsumer);
    CHECK(rig.loop->consumer() == nullptr);
  }
}

TEST_CASE("a consumer left without partitions while the broker answers is replaced, backed off") {
  Rig rig;
  rig.loop->turn();  // it holds partition 0
  rig.consumer().assignment.clear();
  rig.clock.real_ms = 3000;
  rig.loop->turn();  // unassigned since 3000
  rig.clock.real_ms = 3000 + Loop::kRejoinAfterMs - 1;
  rig.loop->turn();
  CHECK(rig.consumers.size() == 1);
  rig.clock.real_ms = 3000 + Loop::kRejoinAfterMs + Loop::kGaugesEveryMs;
  rig.loop->turn();
  CHECK(rig.consumers.size() == 2);
}

TEST_CASE("a partition that could not be taken over stops the loop before its records") {
  Rig rig;
  rig.consumer().batches.push_back({accepted(0)});
  rig.assignment_failed = true;
  CHECK(rig.loop->turn() == TurnEnd::kAssignmentFailed);
  CHECK(rig.store.ops.empty());
}

TEST_CASE("rule versions switch between batches: before the poll") {
  Rig rig;
  int polls_before = -1;
  rig.loop->turn([&] { polls_before = rig.consumer().polls; });
  CHECK(polls_before == 0);
}

namespace {

// A rig with five open cases C1..C5 in partition 0, re-evaluated two cases a turn.
// A rule version under which every accepted case has another due date, so re-judging writes it.
std::shared_ptr<const rules::Engine> decision_limit(int working_days) {
  return std::make_shared<const rules::Engine>(
      testing::statutory_rules_with_decision_limit(working_days), testing::cn_calendar());
}

struct RejudgeRig : Rig {
  RejudgeRig()
      : Rig(LoopOptions{.max_pending = 100, .reevaluate_slice = 2, .reevaluate_turn_ms = 0}) {
    std::vector<Record> batch;
    for (int i = 1; i <= 5; ++i) batch.push_back(accepted(i - 1, "C" + std::to_string(i)));
    consumer().batches.push_back(batch);
    REQUIRE(loop->turn() == TurnEnd::kGoOn);
    REQUIRE(store.data.cases.size() == 5);
    store.committed.clear();
    store.ops.clear();
  }
  // The cases each commit of the turns since the last call wrote.
  std::vector<std::vector<std::string>> take_commits() {
    auto out = store.committed_cases();
    store.committed.clear();
    return out;
  }
  using Commits = std::vector<std::vector<std::string>>;
  // A new rule version with another decision limit, switched and re-evaluated as run.cc does.
  void new_version(std::uint64_t version, int working_days) {
    pipe.set_engine(decision_limit(working_days));
    loop->reevaluate(version);
  }
};

}  // namespace

TEST_CASE("a re-evaluation goes a slice per turn, and events are processed between its slices") {
  RejudgeRig rig;
  rig.new_version(2, 25);
  CHECK(rig.loop->reevaluating());
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(rig.take_commits() == RejudgeRig::Commits{{"C1", "C2"}});
  // A new event in the next turn is committed first, then the next slice.
  rig.consumer().batches.push_back({accepted(5, "C6")});
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(rig.take_commits() == RejudgeRig::Commits{{"C6"}, {"C3", "C4"}});
  CHECK(rig.store.reevaluated_versions.empty());
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  // C6 came under the new rules already: re-judged again, it changes nothing and is not written.
  CHECK(rig.take_commits() == RejudgeRig::Commits{{"C5"}});
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(rig.store.reevaluated_versions == std::vector<std::uint64_t>{2});
  CHECK_FALSE(rig.loop->reevaluating());
  CHECK(rig.take_commits().empty());
  // While cases were left the loop did not wait for events; after, it waits as usual.
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(rig.take_commits().empty());
  const auto& timeouts = rig.consumer().poll_timeouts;
  REQUIRE(timeouts.size() == 6);
  CHECK(timeouts[1] == 0);
  CHECK(timeouts[5] == LoopOptions{}.poll_timeout_ms);
}

TEST_CASE("a re-evaluation takes slices for its real-time budget per turn") {
  Rig rig(LoopOptions{.reevaluate_slice = 1, .reevaluate_turn_ms = 30});
  std::vector<Record> batch;
  for (int i = 1; i <= 5; ++i) batch.push_back(accepted(i - 1, "C" + std::to_string(i)));
  rig.consumer().batches.push_back(batch);
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  rig.store.committed.clear();
  rig.store.on_commit = [&] { rig.clock.real_ms += 10; };  // each slice takes 10 ms
  rig.pipe.set_engine(decision_limit(25));
  rig.loop->reevaluate(2);
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(rig.store.committed_cases() ==
        std::vector<std::vector<std::string>>{{"C1"}, {"C2"}, {"C3"}});
}

TEST_CASE("a re-evaluation that changes no case writes nothing, and is still recorded") {
  RejudgeRig rig;
  rig.loop->reevaluate(2);  // the same rules under a new version number (a title edited, say)
  for (int i = 0; i < 4; ++i) REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(std::count(rig.store.ops.begin(), rig.store.ops.end(), "case_ids") == 3);
  CHECK(rig.take_commits().empty());
  CHECK(rig.store.reevaluated_versions == std::vector<std::uint64_t>{2});
}

TEST_CASE("a newer rule version starts the re-evaluation over, and only it is recorded") {
  RejudgeRig rig;
  rig.new_version(2, 25);
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  rig.new_version(3, 30);
  for (int i = 0; i < 4; ++i) REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(rig.take_commits() ==
        RejudgeRig::Commits{{"C1", "C2"}, {"C1", "C2"}, {"C3", "C4"}, {"C5"}});
  CHECK(rig.store.reevaluated_versions == std::vector<std::uint64_t>{3});
}

TEST_CASE("a case listing that fails is retried: no case is skipped") {
  RejudgeRig rig;
  rig.store.scan_failures = 2;
  rig.new_version(2, 25);
  for (int i = 0; i < 3; ++i) REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(rig.sleeps.size() == 2);
  CHECK(rig.take_commits() == RejudgeRig::Commits{{"C1", "C2"}, {"C3", "C4"}, {"C5"}});
  CHECK(rig.store.reevaluated_versions == std::vector<std::uint64_t>{2});
}

TEST_CASE("a damaged case listing stops the loop without a write") {
  RejudgeRig rig;
  rig.store.scan_failures = 1;
  rig.store.corrupt_scan = true;
  rig.new_version(2, 25);
  CHECK(rig.loop->turn() == TurnEnd::kStoreDamaged);
  CHECK(rig.take_commits().empty());
  CHECK(rig.store.reevaluated_versions.empty());
}

TEST_CASE("backpressure holds the re-evaluation too: its alerts go to the outbox") {
  RejudgeRig rig;
  rig.new_version(2, 25);
  rig.relay.acks = 0;
  // Fill the outbox to outbox.max_pending with dead letters.
  std::vector<Record> junk;
  for (int i = 0; i < 100; ++i) junk.push_back(Record{0, 5 + i, "X", "not json", 0});
  rig.consumer().batches.push_back(junk);
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  REQUIRE(rig.loop->outbox_depth() >= 100);
  rig.take_commits();
  rig.store.ops.clear();
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(std::count(rig.store.ops.begin(), rig.store.ops.end(), "case_ids") == 0);
  rig.relay.acks = 100;  // the broker takes them
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(std::count(rig.store.ops.begin(), rig.store.ops.end(), "case_ids") == 1);
}

TEST_CASE("with no partition owned, a re-evaluation waits without spinning and is not recorded") {
  RejudgeRig rig;
  rig.new_version(2, 25);
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  rig.pipe.revoke(0);  // a rebalance took the partition
  for (int i = 0; i < 3; ++i) REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(rig.loop->reevaluating());
  CHECK(rig.store.reevaluated_versions.empty());
  CHECK(rig.consumer().poll_timeouts.back() == LoopOptions{}.poll_timeout_ms);
  // Given back, it goes on where it was.
  rig.pipe.assign(0, rig.store.data.marks.at(0));
  rig.take_commits();
  for (int i = 0; i < 2; ++i) REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(rig.take_commits() == RejudgeRig::Commits{{"C3", "C4"}, {"C5"}});
  CHECK(rig.store.reevaluated_versions == std::vector<std::uint64_t>{2});
}

TEST_CASE(
    "with transactions, a batch, the checkpoint of its partition and its offsets commit "
    "together, then the store learns it, and only then are the timers read") {
  Rig rig(LoopOptions{.changelog = true}, 0, "approval.changelog", true);
  rig.consumer().batches.push_back({accepted(0, "C1")});
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  // The case's changelog record, then the checkpoint; its alert topic stays quiet.
  REQUIRE(rig.sink.visible.size() == 2);
  CHECK(rig.sink.visible[0].key == "cC1");
  CHECK(rig.sink.visible[1].key.front() == 'm');
  CHECK(rig.sink.offsets == approvald::ports::NextOffsets{{0, 1}});
  CHECK(rig.txn_log ==
        std::vector<std::string>{"begin", "send approval.changelog " + rig.sink.visible[0].value,
                                 "send approval.changelog " + rig.sink.visible[1].value, "commit",
                                 "committed", "store"});
  REQUIRE(rig.store.ops.size() >= 2);
  CHECK(rig.store.ops[0] == "commit");
  CHECK(rig.store.ops[1] == "due_timers");
  CHECK(rig.store.committed.at(0).outbox.empty());  // the broker's, not the store's
  CHECK(rig.store.committed.at(0).marks.at(0).next_offset == 1);
  // Nothing for the relay, no separate group commit, no periodic checkpoint.
  rig.clock.real_ms += 5000;
  REQUIRE(rig.loop->turn() == TurnEnd::kGoOn);
  CHECK(rig.relay.pumps == 0);
  CHECK(rig.consumer().group_commits.empty());
  CHECK(rig.store.committed.size() == 1);
  CHECK(rig.loop->outbox_depth() == 0);
}

TEST_CASE("with transactions, one given up stops the loop with nothing of it in the store") {
  Rig rig(LoopOptions{.changelog = true}, 0, "approval.changelog", true);
  using approvald::ports::TxnOutcome;
  rig.sink.script["commit"] = {TxnOutcome::kAbort, TxnOutcome::kAbort, TxnOutcome::kAbort,
                               TxnOutcome::kAbort};
  rig.consumer().batches.push_back({accepted(0, "C1")});
  CHECK(rig.loop->turn() == TurnEnd::kTransactionFailed);
  CHECK(rig.store.committed.empty());
  CHECK(rig.sink.visible.empty());
  CHECK(rig.sink.offsets.empty());

  Rig fenced(LoopOptions{.changelog = true}, 0, "approval.changelog", true);
  fenced.sink.script["begin"] = {TxnOutcome::kFatal};
  fenced.consumer().batches.push_back({accepted(0, "C1")});
  CHECK(fenced.loop->turn() == TurnEnd::kTransactionFailed);
  CHECK(fenced.store.committed.empty());
}
