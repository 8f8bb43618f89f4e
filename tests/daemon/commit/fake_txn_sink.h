// A transaction sink that behaves as the broker does in the cases that matter (records visible
// only once committed, a refused record failing its whole batch and the transaction with it,
// librdkafka 2.0.2's extra failure after such an abort) and fails at whichever call a test
// scripts. Every call is logged, with the store's writes, in one sequence.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ports/transaction_sink.h"

namespace approvald::testing {

class FakeTxnSink : public ports::TransactionSink {
 public:
  using Outcome = ports::TxnOutcome;

  explicit FakeTxnSink(std::vector<std::string>& log) : log_(log) {}

  // What the broker holds: committed records and offsets.
  std::vector<ports::OutboxEntry> visible;
  ports::NextOffsets offsets;
  // Records ("topic value") refused by the broker (their whole batch fails), and before sending
  // (locally). A stand-in keeps its record's id and may carry its value, so only the topic tells
  // them apart.
  std::set<std::string> broker_refuses, client_refuses;
  // Topics whose every record the broker refuses (a dead-letter topic not writable, say).
  std::set<std::string> refused_topics;
  // How many sends the local queue is full for, before it takes records again.
  int queue_full_for = 0;
  // Answers to give, in order, before behaving normally: script["commit"] = {kRetry, kAbort}.
  std::map<std::string, std::deque<Outcome>> script;
  // librdkafka 2.0.2: the transaction after one aborted for a refused batch fails once more.
  bool sequence_quirk = true;
  int polls = 0;

  ports::TxnResult begin() override {
    log_.push_back("begin");
    if (auto s = scripted("begin")) return *s;
    open_ = true;
    broken_ = false;
    return {};
  }

  ports::Produced send(const ports::OutboxEntry& e) override {
    if (!open_ || broken_) return {ports::Failure::kTransaction, "_state", "not in a transaction"};
    if (queue_full_for > 0) {
      --queue_full_for;
      return {ports::Failure::kRetriable, "_queue_full", "queue full"};
    }
    if (client_refuses.count(e.topic + " " + e.value) != 0)
      return {ports::Failure::kPermanent, "msg_size_too_large", "too large for the client"};
    log_.push_back("send " + e.topic + " " + e.value);
    batch_.push_back(e);
    return {};
  }

  void poll(int) override {
    ++polls;
    deliver();
  }

  bool flush(int) override {
    deliver();
    return true;
  }

  std::vector<ports::Undelivered> take_failed() override { return std::exchange(failed_, {}); }

  ports::TxnResult commit(const ports::NextOffsets& next, int) override {
    log_.push_back("commit");
    if (auto s = scripted("commit")) return *s;
    deliver();
    if (quirk_pending_ && !broken_) {
      quirk_pending_ = false;
      broken_ = true;  // "skipped sequence numbers": no record named
    }
    if (broken_) return {Outcome::kAbort, "abortable", "the transaction must be aborted"};
    for (auto& e : pending_) visible.push_back(e);
    pending_.clear();
    for (const auto& [p, o] : next) offsets[p] = o;
    open_ = false;
    log_.push_back("committed");
    return {};
  }

  ports::TxnResult abort(int) override {
    log_.push_back("abort");
    if (auto s = scripted("abort")) return *s;
    quirk_pending_ = sequence_quirk && refused_in_txn_;
    refused_in_txn_ = false;
    pending_.clear();
    batch_.clear();
    open_ = false;
    broken_ = false;
    return {};
  }

 private:
  std::optional<ports::TxnResult> scripted(const std::string& call) {
    auto& q = script[call];
    if (q.empty()) return std::nullopt;
    const Outcome o = q.front();
    q.pop_front();
    return ports::TxnResult{o, "scripted", "scripted " + call};
  }

  // The batch in flight reaches the broker: taken whole, or refused whole.
  void deliver() {
    if (batch_.empty()) return;
    bool refused = false;
    for (const auto& e : batch_)
      refused = refused || broker_refuses.count(e.topic + " " + e.value) != 0 ||
                refused_topics.count(e.topic) != 0;
    if (refused) {
      for (const auto& e : batch_)
        failed_.push_back(
            {{e.partition, e.seq}, {ports::Failure::kPermanent, "msg_size_too_large", "refused"}});
      broken_ = true;
      refused_in_txn_ = true;
    } else {
      for (auto& e : batch_) pending_.push_back(e);
    }
    batch_.clear();
  }

  std::vector<std::string>& log_;
  bool open_ = false, broken_ = false, refused_in_txn_ = false, quirk_pending_ = false;
  std::vector<ports::OutboxEntry> batch_, pending_;
  std::vector<ports::Undelivered> failed_;
};

}  // namespace approvald::testing
