// The transactional producer against the real broker (scripts/kafka start): what a commit point
// over Kafka transactions rests on. Each test uses topics and transactional ids of its own.
#include "kafka/transactional_producer.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <set>

#include "daemon/kafka/broker_client.h"

extern char** environ;

namespace {

using approvald::kafka::GroupMetadata;
using approvald::kafka::TransactionalProducer;
using approvald::ports::Failure;
using approvald::ports::OutboxEntry;
using approvald::ports::TxnOutcome;
using approvald::testing::bootstrap;
using approvald::testing::committed;
using approvald::testing::create_topic;
using approvald::testing::read_values;
using approvald::testing::unique_name;
using Values = std::vector<std::string>;

std::unique_ptr<TransactionalProducer> producer(const std::string& id, const std::string& input,
                                                const std::string& group,
                                                approvald::kafka::Properties props = {}) {
  auto made = TransactionalProducer::create({.bootstrap_servers = bootstrap(),
                                             .transactional_id = id,
                                             .input_topic = input,
                                             .properties = std::move(props)},
                                            [group] { return GroupMetadata::for_group(group); });
  if (!made) FAIL(made.error().message);
  return made.take();
}

// Topics and a group of a test's own: records go to `out`, offsets are of `input`.
struct Topics {
  explicit Topics(const std::map<std::string, std::string>& out_config = {}) {
    create_topic(out, out_config);
    create_topic(input);
  }
  const std::string out = unique_name("out"), input = unique_name("in"), group = unique_name("g");
};

OutboxEntry record(const std::string& topic, std::uint64_t seq, std::string value) {
  return {.partition = 0,
          .seq = seq,
          .topic = topic,
          .topic_partition = 0,
          .key = "case",
          .value = std::move(value)};
}

}  // namespace

TEST_CASE(
    "a committed transaction's records and input offsets appear together, an aborted "
    "one's never do",
    "[kafka][broker]") {
  const Topics t;
  const auto &out = t.out, &input = t.input, &group = t.group;
  auto p = producer(unique_name("id"), input, group);

  REQUIRE(p->begin());
  for (std::uint64_t i = 0; i < 3; ++i)
    REQUIRE(p->send(record(out, i, "kept-" + std::to_string(i))));
  REQUIRE(p->commit({{0, 42}}, 30000));
  CHECK(read_values(out, "read_committed") == Values{"kept-0", "kept-1", "kept-2"});
  CHECK(committed(group, input, 0) == 42);

  REQUIRE(p->begin());
  REQUIRE(p->send(record(out, 3, "aborted-0")));
  REQUIRE(p->send(record(out, 4, "aborted-1")));
  REQUIRE(p->flush(30000));  // on the broker, not only queued: the abort must hide them
  REQUIRE(p->abort(30000));
  CHECK(read_values(out, "read_uncommitted").size() == 5);
  CHECK(read_values(out, "read_committed") == Values{"kept-0", "kept-1", "kept-2"});
  CHECK(committed(group, input, 0) == 42);

  // The producer goes on after an abort.
  REQUIRE(p->begin());
  REQUIRE(p->send(record(out, 5, "after")));
  REQUIRE(p->commit({{0, 50}}, 30000));
  CHECK(read_values(out, "read_committed") == Values{"kept-0", "kept-1", "kept-2", "after"});
  CHECK(committed(group, input, 0) == 50);
}

TEST_CASE(
    "a newer producer with the same transactional id fences the older one, whose open "
    "transaction never becomes visible",
    "[kafka][broker]") {
  const Topics t;
  const auto &out = t.out, &input = t.input, &group = t.group;
  const std::string id = unique_name("id");
  auto old_owner = producer(id, input, group);
  REQUIRE(old_owner->begin());
  REQUIRE(old_owner->send(record(out, 0, "zombie")));
  REQUIRE(old_owner->flush(30000));

  auto new_owner = producer(id, input, group);
  REQUIRE(new_owner->begin());
  REQUIRE(new_owner->send(record(out, 0, "owner")));
  REQUIRE(new_owner->commit({{0, 7}}, 30000));

  const auto late = old_owner->commit({{0, 99}}, 30000);
  CHECK(late.outcome == TxnOutcome::kFatal);
  INFO(late.message);
  CHECK(read_values(out, "read_committed") == Values{"owner"});
  CHECK(committed(group, input, 0) == 7);
}

TEST_CASE(
    "a member killed mid-transaction: its records never become visible, and its successor "
    "goes on without waiting for the transaction timeout",
    "[kafka][broker]") {
  const Topics t;
  const auto &out = t.out, &input = t.input, &group = t.group;
  const std::string id = unique_name("id");

  int pipe_fds[2], hold[2];  // its stdout to us; its stdin held open by us until the kill
  REQUIRE(pipe(pipe_fds) == 0);
  REQUIRE(pipe(hold) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, hold[0], STDIN_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_addclose(&actions, hold[1]);
  const std::string broker = bootstrap();
  std::vector<std::string> args = {APPROVALD_TXN_ZOMBIE, broker, id, out, "3"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, APPROVALD_TXN_ZOMBIE, &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  close(hold[0]);
  char said[16] = {};
  const ssize_t n = read(pipe_fds[0], said, sizeof said - 1);  // "sent", or EOF if it failed
  close(pipe_fds[0]);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  close(hold[1]);
  CHECK(WIFSIGNALED(status));  // killed while it held its transaction open, not exited
  REQUIRE(n > 0);
  REQUIRE(std::string(said) == "sent\n");

  // Its records are on the broker, in a transaction nobody will commit.
  CHECK(read_values(out, "read_uncommitted").size() == 3);

  // The successor's registration aborts the dead member's transaction at once: its own records
  // are readable committed, which the open transaction would otherwise hold back for a minute.
  auto successor = producer(id, input, group, {{"transaction.timeout.ms", "600000"}});
  REQUIRE(successor->begin());
  REQUIRE(successor->send(record(out, 0, "successor")));
  REQUIRE(successor->commit({{0, 3}}, 30000));
  CHECK(read_values(out, "read_committed") == Values{"successor"});
  CHECK(committed(group, input, 0) == 3);
}

TEST_CASE(
    "a record the broker refuses aborts its transaction and is named with its batch, sent "
    "alone it is named alone, and it blocks nothing behind it",
    "[kafka][broker]") {
  const Topics t(std::map<std::string, std::string>{{"max.message.bytes", "2048"}});
  const auto &out = t.out, &input = t.input, &group = t.group;
  auto p = producer(unique_name("id"), input, group, {{"message.max.bytes", "100000"}});
  using approvald::ports::OutboxId;
  auto ids = [](const std::vector<approvald::ports::Undelivered>& failed) {
    std::set<OutboxId> s;
    for (const auto& f : failed) {
      CHECK(f.why.failure == Failure::kPermanent);
      s.insert(f.id);
    }
    return s;
  };

  // The broker refuses a whole batch for one record too large: its batch-mates are named too.
  REQUIRE(p->begin());
  REQUIRE(p->send(record(out, 1, "small")));
  REQUIRE(p->send(record(out, 2, std::string(8000, 'x'))));
  CHECK(p->commit({{0, 10}}, 30000).outcome == TxnOutcome::kAbort);
  const auto suspects = ids(p->take_failed());
  CHECK(suspects.count(OutboxId{0, 2}) == 1);
  REQUIRE(p->abort(30000));
  CHECK_FALSE(committed(group, input, 0).has_value());
  CHECK(read_values(out, "read_committed").empty());

  // Sent one batch each, only the culprit is refused. (librdkafka 2.0.2 does not reset the
  // partition's sequence numbers after an abort that followed a refused batch: the next
  // transaction fails once on its first record, naming none, and an abort bumps the epoch. A
  // caller retries a transaction that aborted with nobody to blame, a bounded number of times.)
  std::set<OutboxId> culprits;
  int attempts = 0;
  while (culprits.empty() && attempts++ < 3) {
    REQUIRE(p->begin());
    for (std::uint64_t seq : {1, 2}) {
      const auto sent = p->send(record(out, seq, seq == 1 ? "small" : std::string(8000, 'x')));
      if (!sent) {  // the transaction already failed: commit says so
        CHECK(sent.failure == Failure::kTransaction);
        break;
      }
      REQUIRE(p->flush(30000));
    }
    CHECK(p->commit({{0, 10}}, 30000).outcome == TxnOutcome::kAbort);
    culprits = ids(p->take_failed());
    REQUIRE(p->abort(30000));
  }
  CHECK(culprits == std::set<OutboxId>{{0, 2}});
  CHECK(attempts <= 2);

  // With a stand-in in its place the transaction goes (after the same one failure with nobody
  // to blame); a record above the client's own limit is refused at once, without spoiling it.
  bool done = false;
  attempts = 0;
  while (!done && attempts++ < 3) {
    REQUIRE(p->begin());
    REQUIRE(p->send(record(out, 1, "small")));
    const auto too_big = p->send(record(out, 2, std::string(200000, 'x')));
    CHECK(too_big.permanent());
    REQUIRE(p->send(record(out, 2, "dead letter for 2")));
    const auto r = p->commit({{0, 10}}, 30000);
    REQUIRE(r.outcome != TxnOutcome::kFatal);
    done = static_cast<bool>(r);
    CHECK(p->take_failed().empty());
    if (!done) REQUIRE(p->abort(30000));
  }
  CHECK(done);
  CHECK(attempts <= 2);
  CHECK(read_values(out, "read_committed") == Values{"small", "dead letter for 2"});
  CHECK(committed(group, input, 0) == 10);
}
