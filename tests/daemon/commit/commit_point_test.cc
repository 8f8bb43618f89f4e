// The commit point's ordering rules (ADR 0013) on a fake transaction sink and a fake store.
#include "commit/commit_point.h"

#include <catch2/catch.hpp>

#include "daemon/commit/fake_txn_sink.h"

namespace {

using approvald::commit::CommitEnd;
using approvald::commit::CommitPoint;
using approvald::ports::OutboxEntry;
using approvald::ports::TxnOutcome;
using approvald::ports::WriteSet;

struct Bench {
  std::vector<std::string> log;
  approvald::testing::FakeTxnSink sink{log};
  std::vector<WriteSet> stored;
  bool store_gives_up = false;
  std::vector<int> sleeps;
  std::atomic<bool> stop{false};
  CommitPoint point{
      sink,
      [this](const WriteSet& w) {
        log.push_back("store");
        if (store_gives_up) return false;
        stored.push_back(w);
        return true;
      },
      [this](std::chrono::milliseconds ms) { sleeps.push_back(static_cast<int>(ms.count())); },
      stop,
      {.dead_letter_topic = "dlq", .real_ms = [] { return 0; }}};
};

OutboxEntry rec(std::uint64_t seq, std::string value, std::string topic = "alerts") {
  return {.partition = 3,
          .seq = seq,
          .topic = std::move(topic),
          .key = "case-1",
          .value = std::move(value)};
}

// An interval: one case state, its changelog record and an alert.
WriteSet interval() {
  WriteSet w;
  w.cases.push_back({3, "case-1", "state-bytes"});
  w.outbox = {rec(1, "changelog c/case-1", "changelog"), rec(2, "alert a-1")};
  return w;
}

std::vector<std::string> values(const std::vector<OutboxEntry>& records) {
  std::vector<std::string> v;
  for (const auto& r : records) v.push_back(r.topic + " " + r.value);
  return v;
}

}  // namespace

TEST_CASE(
    "records and offsets commit in one transaction, and only then does the store learn the "
    "rest",
    "[commit]") {
  Bench b;
  const auto r = b.point.commit(interval(), {{3, 101}});
  CHECK(r.end == CommitEnd::kCommitted);
  CHECK(r.transactions == 1);
  CHECK(b.log == std::vector<std::string>{"begin", "send changelog changelog c/case-1",
                                          "send alerts alert a-1", "commit", "committed", "store"});
  CHECK(values(b.sink.visible) ==
        std::vector<std::string>{"changelog changelog c/case-1", "alerts alert a-1"});
  CHECK(b.sink.offsets == approvald::ports::NextOffsets{{3, 101}});
  REQUIRE(b.stored.size() == 1);
  CHECK(b.stored[0].cases.size() == 1);
  CHECK(b.stored[0].outbox.empty());  // the broker's now, not the store's
}

TEST_CASE("a commit that times out is called again, backing off, nothing is sent twice",
          "[commit]") {
  Bench b;
  b.sink.script["commit"] = {TxnOutcome::kRetry, TxnOutcome::kRetry};
  const auto r = b.point.commit(interval(), {{3, 101}});
  CHECK(r.end == CommitEnd::kCommitted);
  CHECK(b.sleeps == std::vector<int>{100, 200});
  CHECK(b.sink.visible.size() == 2);
  CHECK(r.transactions == 1);
}

TEST_CASE("a fatal producer leaves the store untouched", "[commit]") {
  for (const char* call : {"begin", "commit"}) {
    INFO(call);
    Bench b;
    b.sink.script[call] = {TxnOutcome::kFatal};
    const auto r = b.point.commit(interval(), {{3, 101}});
    CHECK(r.end == CommitEnd::kFatal);
    CHECK(b.stored.empty());
    CHECK(b.sink.visible.empty());
    CHECK(b.sink.offsets.empty());
  }
}

TEST_CASE(
    "an abort nobody is blamed for is retried a bounded number of times, then the interval "
    "is given up with nothing anywhere",
    "[commit]") {
  Bench b;
  b.sink.script["commit"] = {TxnOutcome::kAbort, TxnOutcome::kAbort, TxnOutcome::kAbort,
                             TxnOutcome::kAbort};
  const auto r = b.point.commit(interval(), {{3, 101}});
  CHECK(r.end == CommitEnd::kRewind);
  CHECK(r.transactions == 4);  // the first and max_unblamed_aborts (3) more
  CHECK(b.stored.empty());
  CHECK(b.sink.visible.empty());
  CHECK(b.sink.offsets.empty());

  Bench once;
  once.sink.script["commit"] = {TxnOutcome::kAbort};
  CHECK(once.point.commit(interval(), {{3, 101}}).end == CommitEnd::kCommitted);
  CHECK(once.sink.visible.size() == 2);
}

TEST_CASE(
    "a record the broker refuses is found by sending its batch one by one and goes as a "
    "dead letter, its batch-mates go as they are",
    "[commit]") {
  Bench b;
  b.sink.broker_refuses = {"alerts alert a-1"};
  auto w = interval();
  w.outbox.push_back(rec(3, "alert a-2"));
  const auto r = b.point.commit(w, {{3, 101}});
  CHECK(r.end == CommitEnd::kCommitted);
  CHECK(r.stand_ins == 1);
  CHECK(r.dropped == 0);
  // 1: all three refused as one batch; 2: one by one, the culprit alone refused; 3: librdkafka's
  // extra failure after such an abort; 4: the culprit's stand-in goes.
  CHECK(r.transactions == 4);
  REQUIRE(b.sink.visible.size() == 3);
  CHECK(b.sink.visible[0].value == "changelog c/case-1");
  CHECK(b.sink.visible[1].topic == "dlq");
  CHECK(b.sink.visible[2].value == "alert a-2");
  // The stand-in names the refused record's topic and the broker's reason.
  bool names_topic = false, names_reason = false;
  for (const auto& [k, v] : b.sink.visible[1].headers) {
    names_topic = names_topic || v == "alerts";
    names_reason = names_reason || v.find("refused") != std::string::npos;
  }
  CHECK(names_topic);
  CHECK(names_reason);
  CHECK(b.sink.offsets == approvald::ports::NextOffsets{{3, 101}});
  CHECK(b.stored.size() == 1);
}

TEST_CASE("a record refused before it is sent goes as a dead letter in the same transaction",
          "[commit]") {
  Bench b;
  b.sink.client_refuses = {"alerts alert a-1"};
  const auto r = b.point.commit(interval(), {{3, 101}});
  CHECK(r.end == CommitEnd::kCommitted);
  CHECK(r.transactions == 1);
  CHECK(r.stand_ins == 1);
  REQUIRE(b.sink.visible.size() == 2);
  CHECK(b.sink.visible[1].topic == "dlq");
}

TEST_CASE("a stand-in refused too is dropped and counted, the rest of the interval commits",
          "[commit]") {
  Bench b;
  b.sink.client_refuses = {"alerts alert a-1"};
  b.sink.refused_topics = {"dlq"};
  const auto r = b.point.commit(interval(), {{3, 101}});
  CHECK(r.end == CommitEnd::kCommitted);
  CHECK(r.dropped == 1);
  CHECK(r.stand_ins == 0);
  CHECK(values(b.sink.visible) == std::vector<std::string>{"changelog changelog c/case-1"});
  CHECK(b.sink.offsets == approvald::ports::NextOffsets{{3, 101}});
}

TEST_CASE("a full local queue is served until the record goes, nothing is lost or reordered",
          "[commit]") {
  Bench b;
  b.sink.queue_full_for = 3;
  CHECK(b.point.commit(interval(), {{3, 101}}).end == CommitEnd::kCommitted);
  CHECK(b.sink.polls == 3);
  CHECK(values(b.sink.visible) ==
        std::vector<std::string>{"changelog changelog c/case-1", "alerts alert a-1"});
}

TEST_CASE("stopping while the broker stays away ends without a store write", "[commit]") {
  Bench b;
  b.sink.script["commit"] = {TxnOutcome::kRetry, TxnOutcome::kRetry, TxnOutcome::kRetry};
  CommitPoint stopping{b.sink,
                       [&](const WriteSet&) {
                         b.log.push_back("store");
                         return true;
                       },
                       [&](std::chrono::milliseconds) { b.stop = true; },
                       b.stop,
                       {.dead_letter_topic = "dlq"}};
  const auto r = stopping.commit(interval(), {{3, 101}});
  CHECK(r.end == CommitEnd::kStopped);
  CHECK(std::count(b.log.begin(), b.log.end(), "store") == 0);
  CHECK(b.sink.visible.empty());
}

TEST_CASE("a store that gives up after the commit is reported as such", "[commit]") {
  Bench b;
  b.store_gives_up = true;
  const auto r = b.point.commit(interval(), {{3, 101}});
  CHECK(r.end == CommitEnd::kStoreFailed);
  CHECK(b.sink.visible.size() == 2);  // the broker has it: the store catches up from it
}
