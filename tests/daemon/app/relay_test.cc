// The outbox relay over the real store (through app's adapter) and a fake producer that refuses
// what a test wants refused: a permanent refusal never blocks the entries behind it, a retriable
// one waits, and a stalled partition is visible.
#include "outbox/relay.h"

#include <catch2/catch.hpp>
#include <map>

#include "app/outbox_adapters.h"
#include "pipeline/changelog.h"
#include "pipeline/dead_letter.h"
#include "support/faulty_fs.h"
#include "support/outbox_header.h"
#include "support/temp_dir.h"

using approvald::outbox::Relay;
using approvald::outbox::RelayOptions;
using approvald::ports::Failure;
using approvald::ports::OutboxEntry;
using approvald::ports::OutboxId;
using approvald::ports::Produced;
using approvald::ports::Undelivered;
using testing::header;

namespace {

// A producer with librdkafka's local size check, a queue of bounded length, and topics that the
// "broker" refuses in its delivery report.
class FakeSink final : public approvald::ports::OutboxSink {
 public:
  std::size_t max_message_bytes = 1000000;
  std::size_t queue_limit = 1000;
  bool broker_down = false;  // every delivery report: transport failure (retriable)
  std::map<std::string, std::string> refused_topics;  // topic -> error label (permanent)
  // topic -> the broker's max.message.bytes, which applies to a whole batch: every message
  // queued for the topic in one poll is one batch, refused whole when it is too large.
  std::map<std::string, std::size_t> batch_limit;
  std::vector<OutboxEntry> sent;  // acknowledged, in order

  static std::size_t bytes(const OutboxEntry& e) {
    std::size_t size = e.key.size() + e.value.size();
    for (const auto& [k, v] : e.headers) size += k.size() + v.size();
    return size;
  }
  Produced produce(const OutboxEntry& e) override {
    if (bytes(e) > max_message_bytes) {
      return {Failure::kPermanent, "msg_size_too_large", "Broker: Message size too large"};
    }
    if (queued_.size() >= queue_limit) return {Failure::kRetriable, "_queue_full", "Queue full"};
    queued_.push_back(e);
    return {};
  }
  void poll(int) override {
    std::map<std::string, std::size_t> batch;
    for (const auto& e : queued_) batch[e.topic] += bytes(e);
    for (auto& e : queued_) {
      const OutboxId id{e.partition, e.seq};
      if (broker_down) {
        failed_.push_back({id, {Failure::kRetriable, "_transport", "Broker transport failure"}});
      } else if (const auto l = batch_limit.find(e.topic);
                 l != batch_limit.end() && batch[e.topic] > l->second) {
        failed_.push_back({id, {Failure::kPermanent, "msg_size_too_large", "too large"}});
      } else if (const auto r = refused_topics.find(e.topic); r != refused_topics.end()) {
        failed_.push_back({id, {Failure::kPermanent, r->second, "refused"}});
      } else {
        delivered_.push_back(id);
        sent.push_back(std::move(e));
      }
    }
    queued_.clear();
  }
  std::vector<OutboxId> take_delivered() override { return std::exchange(delivered_, {}); }
  std::vector<Undelivered> take_failed() override { return std::exchange(failed_, {}); }

  std::vector<OutboxEntry> on(const std::string& topic) const {
    std::vector<OutboxEntry> out;
    for (const auto& e : sent) {
      if (e.topic == topic) out.push_back(e);
    }
    return out;
  }

 private:
  std::vector<OutboxEntry> queued_;
  std::vector<OutboxId> delivered_;
  std::vector<Undelivered> failed_;
};

struct Fixture {
  testing::TempDir dir;
  // The machine's file system, failing reads on demand.
  std::shared_ptr<testing::FaultyFs> fs = std::make_shared<testing::FaultyFs>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  std::unique_ptr<approvald::store::Store> store;
  std::unique_ptr<approvald::app::StoreOutboxPorts> ports;  // the relay's view of `store`
  FakeSink sink;
  std::vector<std::pair<std::string, std::string>> permanent;  // topic, reason
  std::int64_t now = 1'000'000;

  Fixture() { reopen(); }
  // Opens the store (again): what was written before lies in table files afterwards, where
  // the failing file system reaches it (every read, when there is no block cache).
  void reopen(std::size_t block_cache_bytes = 8u << 20) {
    ports.reset();
    store.reset();
    auto r = approvald::store::Store::open({.dir = (dir.path / "db").string(),
                                            .block_cache_bytes = block_cache_bytes,
                                            .write_buffer_bytes = 4u << 20,
                                            .env = env.get()});
    REQUIRE(r.ok());
    store = r.take();
    ports = std::make_unique<approvald::app::StoreOutboxPorts>(*store);
  }
  RelayOptions options(std::string changelog = {}) {
    return RelayOptions{
        .max_in_flight = 100,
        .changelog_topic = std::move(changelog),
        .dlq_topic = "dlq",
        .stall_after_ms = 60000,
        .now_ms = [this] { return now; },
        .on_permanent = [this](const std::string& t,
                               const std::string& r) { permanent.emplace_back(t, r); }};
  }
  void write(std::vector<OutboxEntry> entries) {
    approvald::ports::WriteSet w;
    w.outbox = std::move(entries);
    REQUIRE(store->commit(w).ok());
  }
  // Pumps until the partition's outbox is empty (or gives up after many turns).
  bool drain(Relay& relay, std::int32_t p = 0) {
    for (int turn = 0; turn < 50; ++turn) {
      relay.pump({p});
      sink.poll(0);
      relay.pump({p});
      if (store->outbox(p, 1).value().empty() && relay.in_flight() == 0) return true;
    }
    return false;
  }
};

OutboxEntry alert(std::uint64_t seq, const std::string& id) {
  return {0, seq, "alerts", -1, id, R"({"alert_id":")" + id + R"("})", {}};
}

}  // namespace

TEST_CASE("a dead letter too large to send is replaced and does not block the entries behind it",
          "[relay]") {
  Fixture f;
  Relay relay(*f.ports, f.sink, f.options());
  const std::string payload(2 * 1024 * 1024, 'x');
  f.write({alert(0, "A1"),
           {0, 1, "dlq", -1, "C9", payload, {{"approvald.reason", "too big"}}},
           alert(2, "A2")});
  REQUIRE(f.drain(relay));
  const auto alerts = f.sink.on("alerts");
  REQUIRE(alerts.size() == 2);
  CHECK(alerts[1].key == "A2");
  const auto dlq = f.sink.on("dlq");
  REQUIRE(dlq.size() == 1);
  CHECK(header(dlq[0], "approvald.reason.class") == "undeliverable");
  CHECK_THAT(header(dlq[0], "approvald.reason"),
             Catch::StartsWith("undeliverable to dlq: msg_size_too_large"));
  CHECK(header(dlq[0], "approvald.payload.size") == std::to_string(payload.size()));
  CHECK(header(dlq[0], "approvald.payload.sha256") == approvald::pipeline::sha256_hex(payload));
  CHECK(header(dlq[0], "approvald.outbox.seq") == "1");
  CHECK(dlq[0].value.size() == approvald::pipeline::kDeadLetterHeadBytes);
  CHECK(dlq[0].key == "C9");
  REQUIRE(f.permanent.size() == 1);
  CHECK(f.permanent[0] == std::make_pair(std::string("dlq"), std::string("msg_size_too_large")));
}

TEST_CASE("a retriable failure keeps the entry, in order, until the broker takes it", "[relay]") {
  Fixture f;
  Relay relay(*f.ports, f.sink, f.options());
  f.write({alert(0, "A1"), alert(1, "A2"), alert(2, "A3")});
  f.sink.broker_down = true;
  for (int i = 0; i < 5; ++i) {
    relay.pump({0});
    f.sink.poll(0);
  }
  CHECK(f.sink.sent.empty());
  CHECK(f.store->outbox_count(0).value() == 3);  // nothing dropped
  f.sink.broker_down = false;
  f.sink.queue_limit = 1;  // and a full local queue only delays
  REQUIRE(f.drain(relay));
  REQUIRE(f.sink.sent.size() == 3);
  CHECK(f.sink.sent[0].key == "A1");
  CHECK(f.sink.sent[2].key == "A3");
  CHECK(f.permanent.empty());
}

TEST_CASE(
    "an alert refused for good in the delivery report is described on the dead-letter "
    "topic and deleted, the next ones go on",
    "[relay]") {
  Fixture f;
  Relay relay(*f.ports, f.sink, f.options());
  f.sink.refused_topics["alerts"] = "topic_authorization_failed";
  f.write({alert(0, "A1"), {0, 1, "dlq", -1, "C1", "{}", {}}});
  REQUIRE(f.drain(relay));
  const auto dlq = f.sink.on("dlq");
  REQUIRE(dlq.size() == 2);
  // The refused alert, by its topic and key (the alert id), its payload kept (it is small).
  const auto& stand_in =
      header(dlq[0], "approvald.undeliverable.topic") == "alerts" ? dlq[0] : dlq[1];
  CHECK(header(stand_in, "approvald.undeliverable.topic") == "alerts");
  CHECK(stand_in.key == "A1");
  CHECK(stand_in.value == R"({"alert_id":"A1"})");
  CHECK_THAT(header(stand_in, "approvald.reason"), Catch::Contains("topic_authorization_failed"));
  REQUIRE(f.permanent.size() == 1);
  CHECK(f.permanent[0].first == "alerts");
}

TEST_CASE(
    "a batch refused as too large replaces only its large entry, the small ones go as they "
    "are",
    "[relay]") {
  Fixture f;
  Relay relay(*f.ports, f.sink, f.options());
  f.sink.batch_limit["dlq"] = 100000;
  const std::string mid(200000, 'm');
  f.write({{0, 0, "dlq", -1, "S1", "small one", {}},
           {0, 1, "dlq", -1, "MID", mid, {}},
           {0, 2, "dlq", -1, "S2", "small two", {}}});
  REQUIRE(f.drain(relay));
  const auto dlq = f.sink.on("dlq");
  REQUIRE(dlq.size() == 3);
  std::map<std::string, OutboxEntry> by_key;
  for (const auto& e : dlq) by_key[e.key] = e;
  CHECK(by_key["S1"].value == "small one");
  CHECK(header(by_key["S1"], "approvald.reason.class") == "<missing>");
  CHECK(by_key["S2"].value == "small two");
  CHECK(header(by_key["MID"], "approvald.reason.class") == "undeliverable");
  CHECK(header(by_key["MID"], "approvald.payload.size") == "200000");
  CHECK(f.permanent.size() == 1);
}

TEST_CASE("when the dead-letter topic refuses the stand-in too, the entry is dropped, loudly",
          "[relay]") {
  Fixture f;
  Relay relay(*f.ports, f.sink, f.options());
  f.sink.refused_topics["alerts"] = "topic_authorization_failed";
  f.sink.refused_topics["dlq"] = "topic_authorization_failed";
  f.write({alert(0, "A1"), alert(1, "A2")});
  REQUIRE(f.drain(relay));  // the partition is not blocked
  CHECK(f.sink.sent.empty());
  CHECK(f.permanent.size() == 4);  // each alert, then each stand-in
}

TEST_CASE(
    "with the changelog, a changelog record refused for good does not hold back the "
    "checkpoint or the alerts it covers",
    "[relay]") {
  Fixture f;
  Relay relay(*f.ports, f.sink, f.options("changelog"));
  f.sink.max_message_bytes = 4000;
  using approvald::pipeline::changelog_key;
  using approvald::pipeline::ChangelogKind;
  f.write({{0,
            0,
            "changelog",
            0,
            changelog_key(ChangelogKind::kCase, "C1"),
            std::string(5000, 's'),
            {}},
           alert(1, "A1"),
           {0, 2, "changelog", 0, changelog_key(ChangelogKind::kCheckpoint, "e1"), "m", {}},
           alert(3, "A2"),
           {0, 4, "changelog", 0, changelog_key(ChangelogKind::kCheckpoint, "e2"), "m", {}}});
  REQUIRE(f.drain(relay));
  const auto alerts = f.sink.on("alerts");
  REQUIRE(alerts.size() == 2);
  CHECK(alerts[0].key == "A1");
  CHECK(f.sink.on("changelog").size() == 2);  // both checkpoints
  const auto dlq = f.sink.on("dlq");
  REQUIRE(dlq.size() == 1);
  CHECK(header(dlq[0], "approvald.undeliverable.topic") == "changelog");
  CHECK(header(dlq[0], "approvald.payload.size") == "5000");
  // A checkpoint went after the refused record was replaced, and the alert after it.
  std::size_t checkpoint = 0, a1 = 0, stand_in = 0;
  for (std::size_t i = 0; i < f.sink.sent.size(); ++i) {
    const auto& e = f.sink.sent[i];
    if (e.topic == "dlq") stand_in = i;
    if (e.key == "A1") a1 = i;
    if (e.topic == "changelog" && checkpoint == 0) checkpoint = i;
  }
  CHECK(stand_in < checkpoint);
  CHECK(checkpoint < a1);
}

TEST_CASE(
    "with the changelog, a covered alert that fails goes again without waiting for another "
    "checkpoint",
    "[relay]") {
  Fixture f;
  Relay relay(*f.ports, f.sink, f.options("changelog"));
  using approvald::pipeline::changelog_key;
  using approvald::pipeline::ChangelogKind;
  // An idle partition: one alert and its checkpoint, and nothing after them.
  f.write({alert(0, "A1"),
           {0, 1, "changelog", 0, changelog_key(ChangelogKind::kCheckpoint, "e1"), "m", {}}});
  relay.pump({0});  // the checkpoint
  f.sink.poll(0);
  relay.pump({0});  // acknowledged: the alert it covers goes
  REQUIRE(relay.in_flight() == 1);
  f.sink.broker_down = true;  // and times out
  f.sink.poll(0);
  f.sink.broker_down = false;
  REQUIRE(f.drain(relay));
  REQUIRE(f.sink.on("alerts").size() == 1);
  CHECK(f.sink.on("alerts")[0].key == "A1");
}

TEST_CASE("a partition whose outbox does not advance is reported stalled after the threshold",
          "[relay]") {
  Fixture f;
  Relay relay(*f.ports, f.sink, f.options());
  f.write({alert(0, "A1"), alert(1, "A2")});
  f.sink.broker_down = true;
  auto head = [&] { return relay.heads({0}, f.now).at(0); };
  relay.pump({0});
  CHECK(head().age_ms == 0);
  f.now += 30000;
  f.sink.poll(0);
  relay.pump({0});
  CHECK(head().age_ms == 30000);
  CHECK_FALSE(head().stalled);
  f.now += 31000;
  CHECK(head().stalled);
  f.sink.broker_down = false;
  REQUIRE(f.drain(relay));
  CHECK(head().age_ms == 0);
  CHECK_FALSE(head().stalled);
}

TEST_CASE("an outbox that cannot be read is never taken for a delivered one", "[relay][faults]") {
  Fixture f;
  f.write({alert(0, "A1"), alert(1, "A2")});
  f.reopen(0);
  Relay relay(*f.ports, f.sink, f.options());
  relay.heads({0}, f.now);  // the head is seen once, while the disk answers
  f.fs->fail_reads = true;
  // A hand-over drains the partition before it lets it go: an unreadable outbox read as empty
  // was "delivered", and the partition's alerts were left behind.
  CHECK_FALSE(relay.drain(100, {0}));
  const auto error = relay.take_read_error();
  REQUIRE(error);
  CHECK_FALSE(error->corrupt);
  CHECK_THAT(error->message, Catch::Contains("injected read error"));
  CHECK(f.sink.sent.empty());
  // A failing store is no progress: the head keeps its age and turns stalled.
  f.now += 120000;
  const auto heads = relay.heads({0}, f.now);
  REQUIRE(heads.size() == 1);
  CHECK(heads[0].stalled);
  CHECK(relay.take_read_error());
  f.fs->fail_reads = false;
  REQUIRE(f.drain(relay));
  REQUIRE(f.sink.sent.size() == 2);
  CHECK(f.sink.sent[0].key == "A1");
  CHECK_FALSE(relay.take_read_error());
}
