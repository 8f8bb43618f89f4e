#include "commit/commit_point.h"

#include <algorithm>

#include "base/log.h"
#include "pipeline/dead_letter.h"
#include "rules/time.h"

namespace approvald::commit {

namespace {

ports::OutboxId id_of(const ports::OutboxEntry& e) { return {e.partition, e.seq}; }

}  // namespace

CommitReport CommitPoint::commit(ports::WriteSet writes, const ports::NextOffsets& next_offsets) {
  suspects_.clear();
  doomed_.clear();
  stand_in_refused_.clear();
  CommitReport report;
  int unblamed = 0;
  while (true) {
    sent_alone_.clear();
    switch (attempt(writes, next_offsets, report)) {
      case Attempt::kFatal:
        report.end = CommitEnd::kFatal;
        return report;
      case Attempt::kStopped:
        report.end = CommitEnd::kStopped;
        return report;
      case Attempt::kCommitted:
        // The records are the broker's now; the store is the restorable copy of the rest.
        writes.outbox.clear();
        report.stand_ins = doomed_.size() - stand_in_refused_.size();
        report.end = store_(writes) ? CommitEnd::kCommitted : CommitEnd::kStoreFailed;
        return report;
      case Attempt::kAborted:
        if (!blame(report) && ++unblamed > options_.max_unblamed_aborts) {
          report.end = CommitEnd::kRewind;
          return report;
        }
        break;
    }
  }
}

CommitPoint::Attempt CommitPoint::attempt(const ports::WriteSet& writes,
                                          const ports::NextOffsets& next_offsets,
                                          CommitReport& report) {
  auto begun = persist([&] { return sink_.begin(); });
  if (begun.outcome == ports::TxnOutcome::kAbort) {
    // A transaction left abortable (by a stop mid-interval, say): end it first.
    const auto aborted = persist([&] { return sink_.abort(options_.call_timeout_ms); });
    if (!aborted) {
      report.message = aborted.message;
      return stop_ ? Attempt::kStopped : Attempt::kFatal;
    }
    begun = persist([&] { return sink_.begin(); });
  }
  if (!begun) {
    report.message = begun.message;
    return stop_ ? Attempt::kStopped : Attempt::kFatal;
  }
  ++report.transactions;
  for (const auto& e : writes.outbox) {
    if (send(e, report)) continue;
    if (stop_) return Attempt::kStopped;
    break;  // the transaction failed: the commit below says how
  }
  const auto committed =
      persist([&] { return sink_.commit(next_offsets, options_.call_timeout_ms); });
  if (committed) return Attempt::kCommitted;
  report.message = committed.message;
  if (committed.outcome == ports::TxnOutcome::kFatal) return Attempt::kFatal;
  if (committed.outcome == ports::TxnOutcome::kRetry) return Attempt::kStopped;  // persist gave up
  log::warn("transaction aborted", {{"error", committed.message}});
  const auto aborted = persist([&] { return sink_.abort(options_.call_timeout_ms); });
  if (!aborted) {
    report.message = aborted.message;
    return aborted.outcome == ports::TxnOutcome::kRetry ? Attempt::kStopped : Attempt::kFatal;
  }
  return Attempt::kAborted;
}

bool CommitPoint::send(const ports::OutboxEntry& entry, CommitReport& report) {
  const ports::OutboxId id = id_of(entry);
  if (stand_in_refused_.count(id) != 0) return true;  // dropped: counted when it was refused
  const auto doomed = doomed_.find(id);
  ports::Produced result;
  if (doomed == doomed_.end()) {
    // A suspect travels in a batch of its own, so that a refusal names it alone.
    const bool alone = suspects_.count(id) != 0;
    if (alone && !sink_.flush(options_.call_timeout_ms)) return false;
    if (!send_retrying(entry, result)) return false;
    if (result) {
      if (alone) sent_alone_.insert(id);
      return !alone || sink_.flush(options_.call_timeout_ms);
    }
    // Refused before it was sent (larger than the client allows): the transaction is intact,
    // and the stand-in goes in its place in this same transaction.
    doomed_.emplace(id, result.message);
  }
  const std::int64_t now = options_.real_ms ? options_.real_ms() : 0;
  const ports::OutboxEntry stand_in =
      pipeline::undeliverable(entry, doomed_.at(id), options_.dead_letter_topic,
                              rules::format_rfc3339(rules::Timestamp{rules::Millis{now}}, 0));
  if (!send_retrying(stand_in, result)) return false;
  if (result) return true;
  log::error("a record and its dead-letter stand-in were both refused; dropped",
             {{"topic", entry.topic}, {"error", result.message}});
  stand_in_refused_.insert(id);
  ++report.dropped;
  return true;
}

bool CommitPoint::send_retrying(const ports::OutboxEntry& entry, ports::Produced& result) {
  while (true) {
    result = sink_.send(entry);
    if (result.failure != ports::Failure::kRetriable) break;
    if (stop_) return false;
    sink_.poll(100);  // the local queue is full: let deliveries free it
  }
  return result.failure != ports::Failure::kTransaction;
}

ports::TxnResult CommitPoint::persist(const std::function<ports::TxnResult()>& call) {
  int backoff_ms = 100;
  while (true) {
    auto r = call();
    if (r.outcome != ports::TxnOutcome::kRetry || stop_) return r;
    log::warn("transactional call failed; retrying",
              {{"error", r.message}, {"retry_in_ms", std::to_string(backoff_ms)}});
    sleep_(std::chrono::milliseconds(backoff_ms));
    backoff_ms = std::min(backoff_ms * 2, 5000);
  }
}

bool CommitPoint::blame(CommitReport& report) {
  bool blamed = false;
  for (const auto& f : sink_.take_failed()) {
    if (!f.why.permanent()) continue;  // a timeout: the retried transaction sends it again
    blamed = true;
    if (doomed_.count(f.id) != 0) {
      // Its stand-in was refused by the broker too.
      log::error("a dead-letter stand-in was refused; its record is dropped",
                 {{"error", f.why.message}});
      if (stand_in_refused_.insert(f.id).second) ++report.dropped;
    } else if (sent_alone_.count(f.id) != 0) {
      doomed_.emplace(f.id, f.why.message);
    } else {
      suspects_.insert(f.id);
    }
  }
  return blamed;
}

}  // namespace approvald::commit
