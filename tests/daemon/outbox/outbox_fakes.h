// Fakes for the outbox's ports: a store that keeps the outbox and the marks in maps, with faults
// to inject and a log of what was deleted or dropped; a producer whose delivery reports the test
// gives (ack, fail) so that each ordering rule can be stepped through; a changelog reader that
// returns scripted records.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "outbox/ports.h"
#include "ports/outbox_sink.h"

namespace testing {

using approvald::ports::OutboxId;

class FakeOutboxStore final : public approvald::outbox::OutboxStore,
                              public approvald::outbox::PartitionStore {
 public:
  approvald::Result<std::vector<approvald::ports::OutboxEntry>> outbox(
      std::int32_t p, std::size_t limit, std::uint64_t from_seq) override {
    ++reads;
    if (fail_reads) return approvald::Error{"injected read error", corrupt_reads};
    std::vector<approvald::ports::OutboxEntry> out;
    for (auto it = entries.lower_bound({p, from_seq});
         it != entries.end() && it->first.first == p && out.size() < limit; ++it) {
      out.push_back(it->second);
    }
    return out;
  }
  approvald::Status delete_outbox(const std::vector<OutboxId>& ids) override {
    if (fail_deletes) return approvald::Error{"injected write error"};
    for (const auto& id : ids) {
      entries.erase(id);
      deleted.push_back(id);
    }
    return approvald::ok_status();
  }
  approvald::Lookup<approvald::ports::PartitionMark> mark(std::int32_t p) override {
    if (fail_marks) return approvald::Error{"injected read error"};
    const auto it = marks.find(p);
    if (it == marks.end()) return std::optional<approvald::ports::PartitionMark>();
    return std::optional<approvald::ports::PartitionMark>(it->second);
  }
  approvald::Result<std::size_t> outbox_count(std::int32_t p) override {
    if (fail_reads) return approvald::Error{"injected read error"};
    std::size_t n = 0;
    for (const auto& [id, e] : entries) n += id.first == p ? 1 : 0;
    return n;
  }
  approvald::Status commit(const approvald::ports::WriteSet& w) override {
    if (fail_commits) return approvald::Error{"injected write error"};
    ops.push_back("commit");
    for (const auto& o : w.outbox) entries[{o.partition, o.seq}] = o;
    for (const auto& [p, m] : w.marks) marks[p] = m;
    for (auto p : w.resets) ops.push_back("reset " + std::to_string(p));
    return approvald::ok_status();
  }
  approvald::Status drop_partition(std::int32_t p) override {
    ops.push_back("drop " + std::to_string(p));
    std::erase_if(entries, [p](const auto& kv) { return kv.first.first == p; });
    marks.erase(p);
    return approvald::ok_status();
  }

  void put(approvald::ports::OutboxEntry e) { entries[{e.partition, e.seq}] = std::move(e); }
  bool dropped(std::int32_t p) const {
    return std::find(ops.begin(), ops.end(), "drop " + std::to_string(p)) != ops.end();
  }

  std::map<OutboxId, approvald::ports::OutboxEntry> entries;
  std::map<std::int32_t, approvald::ports::PartitionMark> marks;
  std::vector<OutboxId> deleted;  // in order
  std::vector<std::string> ops;   // "commit", "reset P", "drop P", in order
  bool fail_reads = false;        // outbox reads and counts
  bool corrupt_reads = false;
  bool fail_deletes = false;
  bool fail_marks = false;
  bool fail_commits = false;
  int reads = 0;
};

// A producer whose broker answers only when the test says: produce() queues (or refuses, as
// configured), ack()/fail() write the delivery reports that the relay's next pump() reads.
class FakeSink final : public approvald::ports::OutboxSink {
 public:
  using Produced = approvald::ports::Produced;
  using Failure = approvald::ports::Failure;

  Produced produce(const approvald::ports::OutboxEntry& e) override {
    if (queue_full_for > 0) {
      --queue_full_for;
      return {Failure::kRetriable, "_queue_full", "Local: Queue full"};
    }
    if (const auto r = refused_topics.find(e.topic); r != refused_topics.end()) {
      return {Failure::kPermanent, r->second, "refused"};
    }
    if (e.key.size() + e.value.size() > max_message_bytes) {
      return {Failure::kPermanent, "msg_size_too_large", "Broker: Message size too large"};
    }
    produced.push_back(e);
    queued.insert({e.partition, e.seq});
    return {};
  }
  void poll(int) override {
    ++polls;
    if (auto_ack) ack_all();
  }
  std::vector<OutboxId> take_delivered() override { return std::exchange(delivered_, {}); }
  std::vector<approvald::ports::Undelivered> take_failed() override {
    return std::exchange(failed_, {});
  }

  void ack(OutboxId id) {
    queued.erase(id);
    delivered_.push_back(id);
  }
  void ack_all() {
    for (const auto& id : queued) delivered_.push_back(id);
    queued.clear();
  }
  void fail(OutboxId id, Failure f, const std::string& reason = "_transport") {
    queued.erase(id);
    failed_.push_back({id, {f, reason, "injected"}});
  }
  void fail_all(Failure f, const std::string& reason = "_transport") {
    for (const auto& id : std::set<OutboxId>(queued)) fail(id, f, reason);
  }
  // What was produced, as "topic:key" in order, from the `from`th on.
  std::vector<std::string> names(std::size_t from = 0) const {
    std::vector<std::string> out;
    for (std::size_t i = from; i < produced.size(); ++i) {
      out.push_back(produced[i].topic + ":" + produced[i].key);
    }
    return out;
  }

  std::vector<approvald::ports::OutboxEntry> produced;  // accepted by produce(), in order
  std::set<OutboxId> queued;                            // produced, no delivery report yet
  int queue_full_for = 0;  // the next so many produce() calls find the local queue full
  std::map<std::string, std::string> refused_topics;  // topic -> error label (permanent)
  std::size_t max_message_bytes = 1000000;  // librdkafka's local check: larger is permanent
  bool auto_ack = false;                    // every poll() acknowledges everything queued
  int polls = 0;

 private:
  std::vector<OutboxId> delivered_;
  std::vector<approvald::ports::Undelivered> failed_;
};

class FakeChangelogReader final : public approvald::outbox::ChangelogReader {
 public:
  approvald::Result<std::vector<approvald::pipeline::ChangelogRecord>> read(
      const std::string& topic, std::int32_t, std::int64_t last_n, int) override {
    calls.push_back(last_n);
    topics.push_back(topic);
    if (fail) return approvald::Error{"injected: the changelog is unreachable"};
    if (last_n < 0 || static_cast<std::size_t>(last_n) >= records.size()) return records;
    return std::vector<approvald::pipeline::ChangelogRecord>(records.end() - last_n, records.end());
  }

  std::vector<approvald::pipeline::ChangelogRecord> records;
  bool fail = false;
  std::vector<std::int64_t> calls;  // last_n of each read: -1 is a full read
  std::vector<std::string> topics;
};

}  // namespace testing
