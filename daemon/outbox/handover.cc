#include "outbox/handover.h"

#include <algorithm>

#include "base/log.h"
#include "pipeline/changelog.h"
#include "ports/codec.h"

namespace approvald::outbox {
namespace {

constexpr std::int64_t kTailRecords = 2000;  // enough to hold the last few checkpoints
constexpr int kTailTimeoutMs = 15000;
constexpr int kFullTimeoutMs = 600000;  // a large partition's whole changelog

std::uint64_t max_epoch(const std::vector<pipeline::ChangelogRecord>& records) {
  std::uint64_t e = 0;
  for (const auto& r : records) {
    if (r.value.size() >= 8) e = std::max(e, ports::get_be64(r.value));
  }
  return e;
}

}  // namespace

Result<std::optional<ports::PartitionMark>> Handover::assign(std::int32_t p) {
  const std::string part = std::to_string(p);
  auto read = store_.mark(p);
  if (!read) return read.error();  // never "no local state": that would rebuild over it
  std::optional<ports::PartitionMark> local = read.take();
  auto tail = reader_.read(topic_, p, kTailRecords, kTailTimeoutMs);
  if (!tail) return tail.error();
  const std::uint64_t seen = max_epoch(tail.value());
  // A checkpoint of this store's own epoch past its mark: the store is older than what it once
  // wrote (restored from a backup; with transactions, a store write lost after the commit).
  const auto last = pipeline::recover(p, tail.value()).mark;
  // A commit of timers alone moves no input offset, but every commit moves the outbox sequence.
  const bool behind =
      local && last && last->epoch == local->epoch &&
      (last->next_offset > local->next_offset || last->next_outbox_seq > local->next_outbox_seq);
  if (tail.value().empty() || (local && local->epoch >= seen && !behind)) {
    // Nobody else wrote since this store did: it is at least as new as the changelog.
    pipe_.assign(p, local, seen);
    return local;
  }
  auto all = reader_.read(topic_, p, -1, kFullTimeoutMs);
  if (!all) return all.error();
  const pipeline::Recovered recovered = pipeline::recover(p, all.value());
  // The outbox sequence must never repeat within this process: a late delivery report of an
  // old entry would otherwise delete a new one.
  ports::PartitionMark floor = local.value_or(ports::PartitionMark{});
  floor.next_outbox_seq = std::max(floor.next_outbox_seq, relay_.cursor(p));
  if (local && !store_.drop_partition(p)) return Error{"cannot drop partition " + part};
  pipe_.assign(p, floor, recovered.max_epoch);
  if (!recovered.mark) {
    log::warn("the changelog holds no complete checkpoint; consuming the partition from the start",
              {{"partition", part}, {"records", std::to_string(all.value().size())}});
    pipe_.revoke(p);
    pipe_.assign(p, std::nullopt, recovered.max_epoch);
    return std::optional<ports::PartitionMark>();
  }
  auto batch = pipe_.restore(p, recovered);
  // The re-sent alerts are for an outbox owner that may have died before they reached the topic;
  // a transaction's alerts reached it with the checkpoint, and no relay would send them here.
  if (transactional_) batch.writes.outbox.clear();
  if (auto s = store_.commit(batch.writes); !s) return s.error();
  const auto mark = pipe_.mark(p);
  // From the start: the outbox holds only what the rebuild wrote (alerts sent again).
  relay_.forget(p);
  log::info("partition rebuilt from the changelog",
            {{"partition", part},
             {"cases", std::to_string(recovered.cases.size())},
             {"alerts", std::to_string(recovered.alerts.size())},
             {"ignored_records", std::to_string(recovered.ignored)},
             {"epoch", std::to_string(mark->epoch)},
             {"from_offset", std::to_string(mark->next_offset)}});
  return mark;
}

void Handover::revoke(std::int32_t p, int timeout_ms) {
  // With transactions every commit carried its checkpoint, and no outbox holds anything.
  if (transactional_) return;
  // The next owner starts exactly where this one stopped, not at the last periodic checkpoint
  // (events after it would be processed again, perhaps under another supervision clock).
  if (auto s = store_.commit(pipe_.checkpoint(p).writes); !s) {
    log::error("cannot write the hand-over checkpoint",
               {{"partition", std::to_string(p)}, {"error", s.error().message}});
  }
  if (relay_.drain(timeout_ms, {p})) return;
  log::warn("partition revoked with undelivered outbox entries: dropping its local state",
            {{"partition", std::to_string(p)}, {"relay", relay_.describe(p)}});
  if (!store_.drop_partition(p))
    log::error("cannot drop partition", {{"partition", std::to_string(p)}});
  relay_.forget(p);  // what it held back is gone with the outbox
}

void Handover::disown(std::int32_t p) {
  // Unknown (a failed read) is treated like "holds entries": dropping is what disown is for.
  if (const auto n = store_.outbox_count(p); n && n.value() == 0) return;
  log::warn(
      "another instance owns a partition this store holds undelivered entries for: dropping it",
      {{"partition", std::to_string(p)}});
  if (!store_.drop_partition(p))
    log::error("cannot drop partition", {{"partition", std::to_string(p)}});
}

}  // namespace approvald::outbox
