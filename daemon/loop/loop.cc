#include "loop/loop.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "base/log.h"

namespace approvald::loop {

Loop::Loop(LoopPorts ports, LoopOptions options, std::size_t outbox_depth)
    : p_(std::move(ports)),
      options_(options),
      consumer_(std::move(p_.consumer)),
      outbox_depth_(outbox_depth) {}

bool Loop::caught_up(std::int32_t partition) const {
  const auto m = p_.pipeline.mark(partition);
  return consumer_->caught_up(partition, m ? m->next_offset : 0);
}

std::int64_t Loop::supervision_ms(std::int32_t partition, std::int64_t now_ms) const {
  return p_.pipeline.supervision_ms(partition, now_ms, caught_up(partition));
}

ports::WriteSet Loop::checkpoints() {
  ports::WriteSet w;
  for (std::int32_t p : p_.pipeline.partitions()) w.merge(p_.pipeline.checkpoint(p).writes);
  return w;
}

TurnEnd Loop::gave_up() const {
  if (transaction_failed_) return TurnEnd::kTransactionFailed;
  return p_.retry.damaged() ? TurnEnd::kStoreDamaged : TurnEnd::kStopped;
}

bool Loop::commit(const ports::WriteSet& writes, std::int64_t now_ms) {
  if (p_.transactions != nullptr) return commit_transaction(writes, now_ms);
  if (!p_.retry.commit(p_.store, writes)) return false;
  outbox_depth_ += writes.outbox.size();
  if (p_.published) p_.published(writes.alerts, now_ms);
  return true;
}

bool Loop::commit_transaction(ports::WriteSet writes, std::int64_t now_ms) {
  // Each transaction ends with the checkpoint of every partition it changed, so the changelog
  // never holds a commit without one, and carries the offsets those marks say.
  ports::NextOffsets offsets;
  std::vector<std::int32_t> changed;
  for (const auto& [p, m] : writes.marks) changed.push_back(p);
  for (std::int32_t p : changed) writes.merge(p_.pipeline.checkpoint(p).writes);
  for (const auto& [p, m] : writes.marks) offsets[p] = m.next_offset;
  const auto alerts = writes.alerts;
  const commit::CommitReport r = p_.transactions->commit(std::move(writes), offsets);
  switch (r.end) {
    case commit::CommitEnd::kCommitted:
      if (p_.published) p_.published(alerts, now_ms);
      return true;
    case commit::CommitEnd::kStopped:
    case commit::CommitEnd::kStoreFailed:
      return false;
    case commit::CommitEnd::kRewind:
    case commit::CommitEnd::kFatal:
      log::error("a transaction could not commit; stopping to restore from the changelog",
                 {{"error", r.message}, {"transactions", std::to_string(r.transactions)}});
      transaction_failed_ = true;
      return false;
  }
  return false;
}

TurnEnd Loop::turn(const std::function<void()>& between_batches) {
  p_.health.loop_ms = p_.clocks.real_ms();
  if (between_batches) between_batches();
  // Backpressure: while the broker does not take alerts, stop taking events.
  consumer_->pause_all(outbox_depth_ >= options_.max_pending);

  // While the relay waits for acknowledgements, come back soon to serve them rather than
  // blocking a whole poll timeout on an idle topic.
  // A re-evaluation with cases to go does not wait for events either.
  const bool rejudging = reevaluating() && reevaluation_.next(p_.pipeline.partitions()).has_value();
  const int poll_ms = rejudging                  ? 0
                      : p_.relay.in_flight() > 0 ? std::min(options_.poll_timeout_ms, 5)
                                                 : options_.poll_timeout_ms;
  auto records = consumer_->poll(options_.poll_batch, poll_ms);
  if (p_.assignment_failed && p_.assignment_failed()) return TurnEnd::kAssignmentFailed;
  const std::int64_t now = p_.clocks.supervision_ms();
  const std::int64_t real_now = p_.clocks.real_ms();
  const auto started = p_.clocks.steady();
  // Everything of one turn — the batch's events and the timers that fell due — is one commit.
  ports::WriteSet turn;
  std::map<std::int32_t, std::int64_t> offsets;
  if (!records.empty()) {
    // The same records again after a failed read: the pipeline is as it was before them.
    auto batch = p_.retry.read(
        [&] {
          return p_.pipeline.process(records, now, [&](std::int32_t p) { return caught_up(p); });
        },
        "cannot read the cases of a batch");
    if (!batch) return gave_up();
    for (const auto& [p, m] : batch->writes.marks) offsets[p] = m.next_offset;
    p_.metrics.record(batch->stats);
    turn.merge(std::move(batch->writes));
  }
  if (!turn.empty()) {
    // Timers read from the store must see this batch's writes: commit before looking.
    if (!commit(turn, now)) return gave_up();
    turn = {};
  }
  if (!fire_timers(turn, now)) {
    log::error("the store is damaged; stopping without writing to it (docs/operations.md)");
    return TurnEnd::kStoreDamaged;
  }
  if (!turn.empty() && !commit(turn, now)) return gave_up();
  if (!records.empty()) {
    if (options_.consumed != nullptr) {
      *options_.consumed += static_cast<std::int64_t>(records.size());
    }
    p_.metrics.records_committed(records.size());
    p_.metrics.batch_seconds(std::chrono::duration<double>(p_.clocks.steady() - started).count());
    for (const auto& [p, o] : offsets) group_offsets_[p] = o;
  }
  // Its alerts join the outbox like any others: backpressure holds it too.
  if (reevaluating() && outbox_depth_ < options_.max_pending && !reevaluate_slices(now)) {
    return gave_up();
  }
  // A transaction committed the group's offsets with its records, and there is no outbox.
  if (p_.transactions == nullptr) {
    if (const TurnEnd end = outbox_turn(real_now); end != TurnEnd::kGoOn) return end;
  }
  if (real_now >= next_gauges_ms_) {
    next_gauges_ms_ = real_now + kGaugesEveryMs;
    if (!gauges(now, real_now)) return TurnEnd::kNoConsumer;
  }
  return TurnEnd::kGoOn;
}

TurnEnd Loop::outbox_turn(std::int64_t real_now) {
  if (!group_offsets_.empty() && real_now >= next_group_commit_ms_) {
    consumer_->commit(group_offsets_);
    group_offsets_.clear();
    next_group_commit_ms_ = real_now + kGroupCommitEveryMs;
  }
  if (options_.changelog && real_now >= next_checkpoint_ms_) {
    next_checkpoint_ms_ = real_now + kCheckpointEveryMs;
    const ports::WriteSet w = checkpoints();
    if (!w.empty()) {
      if (!p_.retry.commit(p_.store, w)) return gave_up();
      outbox_depth_ += w.outbox.size();
    }
  }
  const std::size_t acked = p_.relay.pump(p_.relay_partitions);
  outbox_depth_ -= std::min(outbox_depth_, acked);
  if (const auto failed = p_.relay.take_read_error()) {
    // The relay reads again next turn; damaged entries stop the daemon as damaged cases do.
    p_.metrics.store_error("read");
    log::error("cannot read the outbox; trying again next turn", {{"error", failed->message}});
    if (failed->corrupt) {
      log::error("the store is damaged; stopping without writing to it (docs/operations.md)");
      return TurnEnd::kStoreDamaged;
    }
  }
  return TurnEnd::kGoOn;
}

void Loop::reevaluate(std::uint64_t version) {
  reevaluation_.start(version);
  reevaluation_started_ms_ = p_.clocks.real_ms();
  next_progress_log_ms_ = reevaluation_started_ms_ + 10000;
  p_.metrics.reevaluation(0, true);
}

bool Loop::reevaluate_slices(std::int64_t now_ms) {
  const std::int64_t began = p_.clocks.real_ms();
  const std::size_t before = reevaluation_.cases();
  const std::size_t limit = std::max<std::size_t>(1, options_.reevaluate_slice);
  do {
    const auto owned = p_.pipeline.partitions();
    const auto next = reevaluation_.next(owned);
    if (!next) break;
    // A case listing or a case that cannot be read is retried like any read: a case skipped
    // would stay judged under the old rules without a word.
    auto ids = p_.retry.read([&] { return p_.cases.case_ids(next->partition, next->after, limit); },
                             "cannot list the cases to re-evaluate");
    if (!ids) return false;
    const std::int64_t sup = supervision_ms(next->partition, now_ms);
    auto batch = p_.retry.read([&] { return p_.pipeline.reevaluate(next->partition, *ids, sup); },
                               "cannot read cases to re-evaluate");
    if (!batch || (!batch->writes.empty() && !commit(batch->writes, now_ms))) return false;
    p_.metrics.record(batch->stats);
    reevaluation_.advance(next->partition, *ids, limit);
  } while (p_.clocks.real_ms() - began < options_.reevaluate_turn_ms);

  const std::int64_t real_now = p_.clocks.real_ms();
  const std::size_t judged = reevaluation_.cases();
  const bool done = reevaluation_.done(p_.pipeline.partitions());
  if (done) {
    const std::uint64_t version = reevaluation_.version();
    // Recorded so that a crash before this point re-evaluates again at the next start. A failure
    // to record it costs only that repetition: say so and go on.
    if (auto s = p_.cases.reevaluated(version); !s) {
      p_.metrics.store_error("write");
      log::error("cannot record that the cases were re-evaluated; the next start does it again",
                 {{"error", s.error().message}});
    }
    reevaluation_.finish();
    log::info("cases re-evaluated under the new rules",
              {{"cases", std::to_string(judged)},
               {"version", std::to_string(version)},
               {"seconds", std::to_string((real_now - reevaluation_started_ms_) / 1000)}});
  } else if (real_now >= next_progress_log_ms_) {
    next_progress_log_ms_ = real_now + 10000;
    log::info(
        "re-evaluating the open cases under the new rules",
        {{"cases", std::to_string(judged)}, {"version", std::to_string(reevaluation_.version())}});
  }
  p_.metrics.reevaluation(judged - before, !done);
  return true;
}

bool Loop::fire_timers(ports::WriteSet& turn, std::int64_t now_ms) {
  bool damaged = false;
  bool timers_read = true;  // every partition's due timers and their cases were read
  for (std::int32_t p : p_.pipeline.partitions()) {
    const std::int64_t sup = supervision_ms(p, now_ms);
    // A timer that cannot be read is late, never forgotten: it stays in the index.
    const auto due = p_.timers.due_timers(p, sup, 1000);
    if (!due) {
      damaged = damaged || due.error().corrupt;
      timers_read = false;
      p_.metrics.store_error("read");
      log::error("cannot read due timers; trying again next turn",
                 {{"partition", std::to_string(p)}, {"error", due.error().message}});
      continue;
    }
    if (due.value().empty()) continue;
    auto batch = p_.pipeline.fire(p, due.value(), sup);
    if (!batch) {
      damaged = damaged || batch.error().corrupt;
      timers_read = false;
      p_.metrics.store_error("read");
      log::error("cannot read the cases of due timers; trying again next turn",
                 {{"partition", std::to_string(p)}, {"error", batch.error().message}});
      continue;
    }
    if (batch.value().stats.unreadable_timer_cases > 0) {
      log::error("due timers dropped: their cases' stored states do not decode",
                 {{"partition", std::to_string(p)},
                  {"timers", std::to_string(batch.value().stats.unreadable_timer_cases)}});
    }
    p_.metrics.record(batch.value().stats);
    turn.merge(std::move(batch.value().writes));
  }
  p_.health.store_reads_failing = !timers_read;
  return !damaged;
}

bool Loop::gauges(std::int64_t now_ms, std::int64_t real_now) {
  p_.health.broker_up = consumer_->probe_broker(500);
  p_.health.assigned = consumer_->assigned().size();
  for (const auto& [label, example, count] : consumer_->take_errors()) {
    log::warn("consumer error",
              {{"error", label}, {"example", example}, {"count", std::to_string(count)}});
  }
  if (!replace_consumer_if_needed(real_now)) return false;
  double lateness = 0;
  std::int64_t total_lag = 0;
  for (std::int32_t p : p_.pipeline.partitions()) {
    const auto m = p_.pipeline.mark(p);
    const std::int64_t next = m ? m->next_offset : 0;
    const auto lag = consumer_->lag(p, next);
    p_.metrics.consumer_lag(p, lag);
    total_lag += std::max<std::int64_t>(0, lag);
    const std::int64_t sup = p_.pipeline.supervision_ms(p, now_ms, consumer_->caught_up(p, next));
    const auto earliest = p_.timers.earliest_timer(p);
    if (!earliest) {
      p_.metrics.store_error("read");
    } else if (earliest.value() && *earliest.value() < sup) {
      lateness = std::max(lateness,
                          static_cast<double>(sup - *earliest.value()) / 1000.0 / options_.speed);
    }
  }
  p_.health.timer_lateness_s = lateness;
  if (options_.lag != nullptr) options_.lag->store(total_lag);
  p_.metrics.timer_queue(p_.timers.estimated_timers(), lateness);
  p_.metrics.outbox_depth(outbox_depth_);
  if (p_.transactions == nullptr) outbox_heads(real_now);
  p_.metrics.assigned_partitions(consumer_->assigned().size());
  p_.metrics.cases(p_.gauges.tallies());
  p_.metrics.memory(p_.gauges.memory(), p_.resident_bytes ? p_.resident_bytes() : 0);
  p_.metrics.store(p_.gauges.live_data_bytes(), p_.gauges.pending_compaction_bytes());
  return true;
}

// A consumer librdkafka failed fatally (a static member fenced after its session timed out
// during a broker outage) is replaced at once. One that held partitions, lost them and has not
// been given any back for a while although the broker answers is replaced too: re-subscribing
// the same one did not help (librdkafka issue 3437). Backed off, so that an instance left
// without partitions by a larger group only re-joins rarely.
bool Loop::replace_consumer_if_needed(std::int64_t real_now) {
  bool replace = false;
  if (consumer_->fatal_error()) {
    log::error("the consumer failed; replacing it", {{"error", *consumer_->fatal_error()}});
    replace = true;
  } else if (!consumer_->assigned().empty()) {
    held_partitions_ = true;
    unassigned_since_ms_ = 0;
    rejoin_after_ms_ = kRejoinAfterMs;
  } else if (held_partitions_ && p_.health.broker_up) {
    if (unassigned_since_ms_ == 0) unassigned_since_ms_ = real_now;
    if (real_now - unassigned_since_ms_ >= rejoin_after_ms_) {
      log::warn("no partitions assigned although the broker answers; replacing the consumer",
                {{"unassigned_s", std::to_string((real_now - unassigned_since_ms_) / 1000)}});
      replace = true;
      unassigned_since_ms_ = real_now;
      rejoin_after_ms_ = std::min<std::int64_t>(rejoin_after_ms_ * 2, std::int64_t{3600} * 1000);
    }
  }
  if (!replace) return true;
  consumer_->abandon();
  // The old one goes first: the replacement takes the same static identity.
  consumer_.reset();
  auto fresh = p_.make_consumer();
  if (!fresh) {  // the configuration was accepted at start: this is not expected to fail
    log::error("cannot create the consumer", {{"error", fresh.error().message}});
    return false;
  }
  consumer_ = fresh.take();
  p_.metrics.consumer_replaced();
  return true;
}

// Real time: a stalled relay is a fact about now, even when supervision time is simulated.
void Loop::outbox_heads(std::int64_t real_now) {
  std::size_t stalled = 0;
  std::int64_t longest = 0;
  for (const OutboxHead& h : p_.relay.heads(p_.relay_partitions, real_now)) {
    p_.metrics.outbox_head(h.partition, static_cast<double>(h.age_ms) / 1000.0, h.stalled);
    if (!h.stalled) {
      stall_logged_ms_.erase(h.partition);
      continue;
    }
    ++stalled;
    longest = std::max(longest, h.age_ms);
    auto [at, fresh] = stall_logged_ms_.try_emplace(h.partition, real_now);
    if (fresh || real_now - at->second >= 60000) {
      at->second = real_now;
      log::error("the outbox of a partition is not advancing: its alerts are not delivered",
                 {{"partition", std::to_string(h.partition)},
                  {"waiting_s", std::to_string(h.age_ms / 1000)},
                  {"relay", p_.relay.describe(h.partition)},
                  {"last_producer_error", p_.relay.last_producer_error().value_or("none")}});
    }
  }
  p_.health.stalled_partitions = stalled;
  p_.health.outbox_head_age_ms = longest;
}

}  // namespace approvald::loop
