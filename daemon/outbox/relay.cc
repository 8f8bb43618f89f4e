#include "outbox/relay.h"

#include <algorithm>
#include <chrono>

#include "base/log.h"
#include "pipeline/changelog.h"
#include "pipeline/dead_letter.h"
#include "rules/time.h"

namespace approvald::outbox {
namespace {

// Up to this size, an entry refused as too large in a delivery report is taken to be collateral:
// a stand-in would be no smaller, and every alert is smaller (rules bound what an event puts
// into one).
constexpr std::size_t kSmallEntryBytes = std::size_t{16} * 1024;

bool size_refusal(const ports::Produced& p) {
  return p.reason == "msg_size_too_large" || p.reason == "record_list_too_large";
}

// Real time, for the stand-ins' stamps when the options bring no clock.
std::int64_t real_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::size_t entry_bytes(const ports::OutboxEntry& e) {
  std::size_t n = e.key.size() + e.value.size();
  for (const auto& [k, v] : e.headers) n += k.size() + v.size();
  return n;
}

}  // namespace

std::optional<std::vector<ports::OutboxEntry>> Relay::read(std::int32_t partition,
                                                           std::size_t limit,
                                                           std::uint64_t from_seq) {
  auto r = store_.outbox(partition, limit, from_seq);
  if (r) return r.take();
  if (!read_error_ || (r.error().corrupt && !read_error_->corrupt)) read_error_ = r.error();
  return std::nullopt;
}

bool Relay::busy(std::int32_t partition) const {
  const auto it = in_flight_.lower_bound({partition, 0});
  return it != in_flight_.end() && it->first == partition;
}

bool Relay::parked(std::int32_t partition, std::uint64_t seq) {
  for (auto* m : {&held_, &covered_}) {
    const auto it = m->find(partition);
    if (it != m->end() && std::binary_search(it->second.begin(), it->second.end(), seq)) {
      return true;
    }
  }
  return false;
}

void Relay::doom(const ports::OutboxId& id, const std::string& topic, const ports::Produced& why) {
  if (doomed_.count(id) != 0) return;
  doomed_[id] = {topic, why.reason + " (" + why.message + ")"};
  log::error("an outbox entry can never be delivered; a dead letter describing it goes instead",
             {{"topic", topic},
              {"partition", std::to_string(id.first)},
              {"seq", std::to_string(id.second)},
              {"reason", why.reason},
              {"error", why.message},
              {"dead_letter_topic", options_.dlq_topic}});
  if (options_.on_permanent) options_.on_permanent(topic, why.reason);
}

void Relay::drop(const ports::OutboxId& id, const ports::Produced& why) {
  const auto it = doomed_.find(id);
  const std::string topic = it == doomed_.end() ? std::string("?") : it->second.topic;
  log::error("an undeliverable outbox entry was refused by the dead-letter topic too; dropped",
             {{"topic", topic},
              {"partition", std::to_string(id.first)},
              {"seq", std::to_string(id.second)},
              {"dead_letter_topic", options_.dlq_topic},
              {"reason", why.reason},
              {"error", why.message}});
  if (options_.on_permanent) options_.on_permanent(options_.dlq_topic, why.reason);
  if (!store_.delete_outbox({id})) {
    log::error("could not delete a dropped outbox entry; it will be tried again");
  }
  gone_.push_back(id);
  done(id);
}

void Relay::done(const ports::OutboxId& id) {
  in_flight_.erase(id);
  released_in_flight_.erase(id);
  doomed_.erase(id);
  const auto c = checkpoint_in_flight_.find(id.first);
  if (c != checkpoint_in_flight_.end() && c->second == id.second) {
    checkpoint_in_flight_.erase(c);
    released_.insert(id.first);  // what it covers may go now
  }
}

Relay::Sent Relay::send(const ports::OutboxEntry& e) {
  const ports::OutboxId id{e.partition, e.seq};
  auto doomed = doomed_.find(id);
  if (doomed == doomed_.end()) {
    const ports::Produced r = producer_.produce(e);
    if (r) return Sent::kQueued;
    if (!r.permanent()) return Sent::kLater;  // local queue full: try again next turn
    doom(id, e.topic, r);
    doomed = doomed_.find(id);
  }
  const std::int64_t now = options_.now_ms ? options_.now_ms() : real_ms();
  const ports::OutboxEntry stand_in =
      pipeline::undeliverable(e, doomed->second.error, options_.dlq_topic,
                              rules::format_rfc3339(rules::Timestamp{rules::Millis{now}}, 0));
  const ports::Produced r = producer_.produce(stand_in);
  if (r) return Sent::kQueued;
  if (!r.permanent()) return Sent::kLater;
  drop(id, r);
  return Sent::kGone;
}

bool Relay::release(std::int32_t p) {
  auto& covered = covered_[p];
  while (!covered.empty() && in_flight_.size() < options_.max_in_flight) {
    // The changelog records among them were acknowledged (and deleted) before their checkpoint
    // went out, so the store holds the covered entries in a row.
    const auto read = this->read(
        p, std::min(covered.size(), options_.max_in_flight - in_flight_.size()), covered.front());
    if (!read) return false;  // read again next turn: a failed read is not a missing entry
    const auto& entries = *read;
    if (entries.empty()) {
      log::error("covered alerts are missing from the outbox; skipping them",
                 {{"partition", std::to_string(p)}, {"count", std::to_string(covered.size())}});
      covered.clear();
      break;
    }
    for (const auto& e : entries) {
      while (!covered.empty() && covered.front() < e.seq) covered.pop_front();  // gone
      if (covered.empty() || e.seq != covered.front()) continue;
      const Sent s = send(e);
      if (s == Sent::kLater) return false;
      if (s == Sent::kQueued) {
        in_flight_.insert({p, e.seq});
        released_in_flight_.insert({p, e.seq});
      }
      covered.pop_front();
    }
  }
  return true;
}

std::size_t Relay::pump(const std::set<std::int32_t>& partitions) {
  producer_.poll(0);
  const auto delivered = producer_.take_delivered();
  undeleted_.insert(undeleted_.end(), delivered.begin(), delivered.end());
  if (const auto deleted = store_.delete_outbox(undeleted_); deleted) {
    if (delete_failing_) {
      log::info("delivered outbox entries are deleted again",
                {{"count", std::to_string(undeleted_.size())}});
    }
    delete_failing_ = false;
    undeleted_.clear();
  } else if (!delete_failing_) {
    delete_failing_ = true;
    log::error("could not delete delivered outbox entries; trying again each turn",
               {{"error", deleted.error().message}});
  }
  for (const auto& id : delivered) done(id);
  for (const auto& f : producer_.take_failed()) {
    const auto& id = f.id;
    // The broker's size limit applies to a whole batch: a small entry refused as too large was
    // refused for a large one beside it, and goes again as it is.
    const bool collateral = [&] {
      if (!f.why.permanent() || !size_refusal(f.why)) return false;
      if (doomed_.count(id) != 0) return true;
      // Unreadable now: taken as collateral, so it goes again as it is rather than be replaced.
      const auto e = read(id.first, 1, id.second);
      return !e ||
             (!e->empty() && (*e)[0].seq == id.second && entry_bytes((*e)[0]) <= kSmallEntryBytes);
    }();
    if (f.why.permanent() && !collateral && doomed_.count(id) != 0) {
      // The stand-in itself was refused for good by the broker.
      drop(id, f.why);
      continue;
    }
    in_flight_.erase(id);
    if (released_in_flight_.erase(id) != 0) {
      // A covered alert: it goes again (or its stand-in does) with the other covered ones.
      auto& covered = covered_[id.first];
      covered.insert(std::lower_bound(covered.begin(), covered.end(), id.second), id.second);
      released_.insert(id.first);
    }
    if (f.why.permanent() && !collateral) {
      // Read again below, and its stand-in goes in its place.
      const auto e = read(id.first, 1, id.second);
      doom(id, e && !e->empty() && (*e)[0].seq == id.second ? (*e)[0].topic : std::string("?"),
           f.why);
    }
    const auto c = checkpoint_in_flight_.find(id.first);
    if (c != checkpoint_in_flight_.end() && c->second == id.second) {
      // What it covered waits for it again, when it is read and produced anew.
      checkpoint_in_flight_.erase(c);
      auto& covered = covered_[id.first];
      auto& held = held_[id.first];
      held.insert(held.begin(), covered.begin(), covered.end());
      covered.clear();
      released_.erase(id.first);
    }
    auto& cursor = cursor_[id.first];
    cursor = std::min(cursor, id.second);  // read it again from there (covered ones are skipped)
  }
  for (std::int32_t p : partitions) {
    if (in_flight_.size() >= options_.max_in_flight) break;
    // Alerts covered by an acknowledged checkpoint.
    if (released_.count(p) != 0) {
      release(p);
      if (covered_[p].empty()) released_.erase(p);
    }
    // A cursor per partition remembers what has been read, so each turn reads only new entries
    // instead of re-reading (and skipping) everything in flight.
    auto& cursor = cursor_[p];
    const std::string& changelog_topic = options_.changelog_topic;
    const auto entries = read(p, options_.max_in_flight - in_flight_.size(), cursor);
    if (!entries) continue;  // read again next turn
    for (const auto& e : *entries) {
      const auto id = std::make_pair(e.partition, e.seq);
      if (in_flight_.count(id) == 0 && !parked(p, e.seq)) {
        const bool changelog = !changelog_topic.empty() && e.topic == changelog_topic;
        if (!changelog_topic.empty() && !changelog) {
          // An alert or dead letter: after the next checkpoint. (Read again after a failure,
          // it may come before others held already.)
          auto& held = held_[p];
          held.insert(std::upper_bound(held.begin(), held.end(), e.seq), e.seq);
        } else if (changelog && pipeline::is_checkpoint(e.key)) {
          // After the changelog records before it and the previous checkpoint's alerts.
          if (busy(p) || !covered_[p].empty()) break;
          const Sent s = send(e);
          if (s == Sent::kLater) break;
          covered_[p] = std::move(held_[p]);
          held_[p].clear();
          if (s == Sent::kQueued) {
            in_flight_.insert(id);
            checkpoint_in_flight_[p] = e.seq;
          } else {
            released_.insert(p);  // dropped: what it covers goes as after an acknowledgement
          }
        } else {
          const Sent s = send(e);
          if (s == Sent::kLater) break;
          if (s == Sent::kQueued) in_flight_.insert(id);
        }
      }
      cursor = e.seq + 1;
    }
  }
  const std::size_t gone = gone_.size();
  gone_.clear();
  return delivered.size() + gone;
}

std::vector<OutboxHead> Relay::heads(const std::set<std::int32_t>& partitions,
                                     std::int64_t now_ms) {
  std::vector<OutboxHead> out;
  for (std::int32_t p : partitions) {
    OutboxHead h{p, 0, false};
    // Unreadable: the head keeps the age it had (a failing store must not look like progress).
    if (const auto first = read(p, 1); first && first->empty()) {
      heads_.erase(p);
    } else if (first) {
      const std::uint64_t seq = (*first)[0].seq;
      auto [it, fresh] = heads_.try_emplace(p, seq, now_ms);
      if (!fresh && it->second.first != seq) it->second = {seq, now_ms};
    }
    if (const auto it = heads_.find(p); it != heads_.end()) {
      h.age_ms = std::max<std::int64_t>(0, now_ms - it->second.second);
      h.stalled = h.age_ms > options_.stall_after_ms;
    }
    out.push_back(h);
  }
  return out;
}

std::string Relay::describe(std::int32_t p) const {
  auto size = [p](const auto& m) {
    const auto it = m.find(p);
    return it == m.end() ? std::size_t{0} : it->second.size();
  };
  std::size_t flying = 0;
  for (auto it = in_flight_.lower_bound({p, 0}); it != in_flight_.end() && it->first == p; ++it) {
    ++flying;
  }
  return std::to_string(flying) + " in flight, " + std::to_string(size(held_)) +
         " waiting for a checkpoint, " + std::to_string(size(covered_)) +
         " for its acknowledgement" + (checkpoint_in_flight_.count(p) != 0 ? " (in flight)" : "") +
         ", cursor " + std::to_string(cursor(p));
}

bool Relay::drain(int timeout_ms, const std::set<std::int32_t>& partitions) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    pump(partitions);
    bool pending = false;
    for (std::int32_t p : partitions) {
      const auto head = busy(p) ? std::nullopt : read(p, 1);
      pending = busy(p) || !head || !head->empty();  // unreadable: not known to be delivered
      if (pending) break;
    }
    // (Held and covered entries are still in the outbox, so the test above sees them.)
    if (!pending) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    producer_.poll(50);
  }
}

}  // namespace approvald::outbox
