#include "pipeline/pipeline.h"

#include <algorithm>
#include <set>

#include "ports/codec.h"
#include "rules/echo.h"
#include "rules/outcome.h"

namespace approvald::pipeline {
namespace {

constexpr std::string_view kDeadNames[] = {"invalid",   "key_mismatch", "future",
                                           "case_full", "bad_state",    "key_missing"};
static_assert(std::size(kDeadNames) == kDeadReasonCount);

// An input value quoted in a reason: cut (and marked) so that one value cannot crowd out the
// rest; the whole reason is escaped once, in dead_letter().
std::string quoted(std::string_view s, std::size_t max = 64) {
  const std::size_t keep = rules::utf8_prefix(s, max);
  return "'" + std::string(s.substr(0, keep)) + (keep < s.size() ? "…'" : "'");
}

std::int64_t ms(rules::Timestamp t) { return t.time_since_epoch().count(); }
rules::Timestamp ts(std::int64_t v) { return rules::Timestamp{rules::Millis{v}}; }

}  // namespace

std::string_view to_string(DeadReason r) { return kDeadNames[static_cast<std::size_t>(r)]; }

// The state of one batch under construction.
struct Pipeline::Work {
  Batch batch;
  // Cases already loaded in this batch, so that a case met twice is read once.
  std::map<std::pair<std::int32_t, std::string>, rules::CaseState> loaded;
  // Each loaded case as stored (agency, status, outcome), to change the per-agency counts and
  // the performance table by the difference once the batch has settled it.
  struct Before {
    std::string agency;
    std::uint8_t status = 0;
    std::optional<ports::PerfKey> perf_key;
    ports::PerfCounts perf;
    // The bytes as stored: a state that encodes to them again is not written back (nor sent to
    // the changelog), so a re-evaluation that changes nothing writes nothing.
    std::optional<std::string> stored;
  };
  std::map<std::pair<std::int32_t, std::string>, Before> before;
  std::optional<Error> failed;  // a read failed: the batch is void
};

namespace {

ports::CaseTally tally_of(std::uint8_t status, std::int64_t sign) {
  auto bit = [&](std::uint8_t b) { return (status & b) != 0 ? sign : 0; };
  return {bit(rules::kCaseOpen), bit(rules::kCasePaused), bit(rules::kCaseOverdue),
          bit(rules::kCaseRed), bit(rules::kCaseYellow)};
}

bool has_decision(const rules::CaseState& s) {
  return std::any_of(s.events.begin(), s.events.end(),
                     [](const rules::Event& e) { return e.type == rules::EventType::kDecided; });
}

// A decided case's row of the performance table and what it adds there; nothing for others.
std::optional<std::pair<ports::PerfKey, ports::PerfCounts>> perf_of(std::int32_t partition,
                                                                    const rules::CaseState& s,
                                                                    const rules::Engine& engine) {
  if (!has_decision(s)) return std::nullopt;
  const auto o = rules::case_outcome(s, engine.rules(), engine.calendar());
  if (!o) return std::nullopt;
  ports::PerfCounts c;
  c.decided = 1;
  c.promise_cases = o->promise_on_time ? 1 : 0;
  c.promise_on_time = o->promise_on_time.value_or(false) ? 1 : 0;
  c.statute_cases = o->statute_on_time ? 1 : 0;
  c.statute_on_time = o->statute_on_time.value_or(false) ? 1 : 0;
  c.working_days = o->working_days;
  c.alerts = o->alerts;
  return std::make_pair(ports::PerfKey{partition, o->decided_on, s.agency, s.item}, c);
}

ports::PerfCounts negated(ports::PerfCounts c) {
  return {-c.decided,         -c.promise_cases, -c.promise_on_time, -c.statute_cases,
          -c.statute_on_time, -c.working_days,  -c.alerts};
}

ports::AlertIndexEntry::Status index_status(const rules::Alert& a) {
  using S = ports::AlertIndexEntry::Status;
  if (a.firing) return S::kFiring;
  return a.resolution == "retracted" ? S::kRetracted : S::kResolved;
}

}  // namespace

Pipeline::Pipeline(std::shared_ptr<const rules::Engine> engine, ports::CaseReader& cases,
                   Options options)
    : engine_(std::move(engine)), cases_(cases), options_(std::move(options)) {}

void Pipeline::assign(std::int32_t partition, std::optional<ports::PartitionMark> stored,
                      std::uint64_t seen_epoch) {
  ports::PartitionMark m = stored.value_or(ports::PartitionMark{});
  m.epoch = std::max(m.epoch, seen_epoch) + 1;
  marks_[partition] = m;
  // A checkpoint soon after taking a partition: the outbox may hold alerts of a previous run
  // that were written after its last checkpoint, and the relay sends them only after one.
  unchecked_.insert(partition);
}

void Pipeline::revoke(std::int32_t partition) {
  marks_.erase(partition);
  unchecked_.erase(partition);
}

std::optional<ports::PartitionMark> Pipeline::mark(std::int32_t partition) const {
  const auto it = marks_.find(partition);
  if (it == marks_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::int32_t> Pipeline::partitions() const {
  std::vector<std::int32_t> out;
  for (const auto& [p, m] : marks_) out.push_back(p);
  return out;
}

std::int64_t Pipeline::supervision_ms(std::int32_t partition, std::int64_t wall_ms,
                                      bool caught_up) const {
  const auto it = marks_.find(partition);
  const std::int64_t watermark = it == marks_.end() ? INT64_MIN : it->second.watermark_ms;
  return caught_up ? std::max(wall_ms, watermark) : watermark;
}

std::optional<rules::CaseState> Pipeline::load(Work& w, std::int32_t partition,
                                               const std::string& case_id, std::string* why) {
  const auto key = std::make_pair(partition, case_id);
  if (auto it = w.loaded.find(key); it != w.loaded.end()) {
    rules::CaseState s = std::move(it->second);
    w.loaded.erase(it);
    return s;
  }
  auto read = cases_.get_case(partition, case_id);
  if (!read) {
    w.failed = Error{"case " + case_id + ": " + read.error().message, read.error().corrupt};
    return std::nullopt;
  }
  std::optional<std::string>& bytes = read.value();
  if (!bytes) {
    w.before.try_emplace(key);
    return rules::CaseState{};
  }
  auto state = rules::CaseState::decode(*bytes, why);
  if (state) {
    Work::Before b{state->agency, state->status, std::nullopt, {}, std::move(bytes)};
    if (auto perf = perf_of(partition, *state, *engine_)) {
      b.perf_key = std::move(perf->first);
      b.perf = perf->second;
    }
    w.before.try_emplace(key, std::move(b));
  }
  return state;
}

// Every case the batch touched goes into its write set, once (an empty state is a stale timer's
// case that does not exist).
void Pipeline::write_states(Work& w) {
  for (auto& [key, state] : w.loaded) {
    if (state.case_id.empty()) continue;
    const Work::Before& b = w.before[key];
    std::string bytes = state.encode();
    if (b.stored && *b.stored == bytes) continue;  // nothing changed, so no count either
    w.batch.writes.cases.push_back({key.first, key.second, std::move(bytes)});
    // Evaluating the clocks again is only needed for decided cases, a small share of events.
    auto& perf = w.batch.writes.perf_changes;
    if (b.perf_key) perf[*b.perf_key] += negated(b.perf);
    if (auto now = perf_of(key.first, state, *engine_)) perf[now->first] += now->second;
    if (b.status == state.status && b.agency == state.agency) continue;
    auto& changes = w.batch.writes.tally_changes;
    if (b.status != 0) changes[{key.first, b.agency}] += tally_of(b.status, -1);
    if (state.status != 0) changes[{key.first, state.agency}] += tally_of(state.status, 1);
  }
  std::erase_if(w.batch.writes.tally_changes, [](const auto& kv) { return kv.second.zero(); });
  std::erase_if(w.batch.writes.perf_changes, [](const auto& kv) { return kv.second.zero(); });
}

void Pipeline::finish(Work& w, const std::vector<std::int32_t>& partitions, bool if_written) {
  write_states(w);
  ports::WriteSet& ws = w.batch.writes;
  std::set<std::int32_t> changed(partitions.begin(), partitions.end());
  // A slice of timers or a re-evaluation that changed nothing moves no mark: it commits nothing.
  if (if_written && ws.empty()) changed.clear();
  const std::size_t cases = ws.cases.size(), alerts = ws.alerts.size();
  if (!options_.changelog_topic.empty() && !changed.empty()) {
    auto record = [&](std::int32_t p, ChangelogKind kind, std::string_view id,
                      std::string_view payload) {
      ports::PartitionMark& m = marks_[p];
      ws.outbox.push_back({p,
                           m.next_outbox_seq++,
                           options_.changelog_topic,
                           p,
                           changelog_key(kind, id),
                           changelog_value(m.epoch, payload),
                           {}});
    };
    for (std::size_t i = 0; i < cases; ++i) {
      record(ws.cases[i].partition, ChangelogKind::kCase, ws.cases[i].case_id, ws.cases[i].bytes);
    }
    for (std::size_t i = 0; i < alerts; ++i) {
      record(ws.alerts[i].partition, ChangelogKind::kAlert, ws.alerts[i].alert_id,
             ports::encode_alert(ws.alerts[i]));
    }
    // Covered by the next checkpoint(); the relay holds the alerts back until then.
    for (std::int32_t p : changed) unchecked_.insert(p);
  }
  for (std::size_t i = 0; i < alerts; ++i) {
    const ports::AlertIndexEntry& a = ws.alerts[i];
    ws.outbox.push_back({a.partition,
                         marks_[a.partition].next_outbox_seq++,
                         options_.alert_topic,
                         -1,
                         a.alert_id,
                         a.json,
                         {}});
  }
  for (std::int32_t p : changed) ws.marks[p] = marks_[p];
}

Batch Pipeline::checkpoint(std::int32_t partition) {
  Batch b;
  if (options_.changelog_topic.empty() || unchecked_.erase(partition) == 0) return b;
  // After everything it covers; it names the mark as it is after itself.
  ports::PartitionMark& m = marks_[partition];
  const std::uint64_t seq = m.next_outbox_seq++;
  std::string epoch;
  ports::put_be64(epoch, m.epoch);
  b.writes.outbox.push_back({partition,
                             seq,
                             options_.changelog_topic,
                             partition,
                             changelog_key(ChangelogKind::kCheckpoint, epoch),
                             changelog_value(m.epoch, ports::encode_mark(m)),
                             {}});
  b.writes.marks[partition] = m;
  return b;
}

Batch Pipeline::restore(std::int32_t partition, const Recovered& r) {
  Work w;
  ports::WriteSet& ws = w.batch.writes;
  ws.resets.push_back(partition);
  ports::PartitionMark& m = marks_[partition];
  if (r.mark) {
    m.next_offset = r.mark->next_offset;
    m.watermark_ms = r.mark->watermark_ms;
    m.next_outbox_seq = std::max(m.next_outbox_seq, r.mark->next_outbox_seq);
  }
  m.epoch = std::max(m.epoch, r.max_epoch + 1);
  for (const auto& [id, bytes] : r.cases) {
    std::string why;
    const auto s = rules::CaseState::decode(bytes, &why);
    if (!s) continue;  // counted by the caller as unreadable
    ws.cases.push_back({partition, id, bytes});
    if (s->wakeup) ws.timers_set.push_back({partition, ms(*s->wakeup), id});
    if (s->status != 0) ws.tally_changes[{partition, s->agency}] += tally_of(s->status, 1);
    if (auto perf = perf_of(partition, *s, *engine_)) ws.perf_changes[perf->first] += perf->second;
  }
  for (const auto& [id, a] : r.alerts) ws.alerts.push_back(a);
  // The former owner may have died before the alerts of its last checkpoint reached the topic:
  // send them again (the same ids and content; consumers keep the last message per id).
  for (const std::string& id : r.last_segment_alerts) {
    const auto it = r.alerts.find(id);
    if (it == r.alerts.end()) continue;
    ws.outbox.push_back(
        {partition, m.next_outbox_seq++, options_.alert_topic, -1, id, it->second.json, {}});
  }
  ws.marks[partition] = m;
  return std::move(w.batch);
}

void Pipeline::emit(Work& w, std::int32_t partition, const rules::Decision& d) {
  ports::WriteSet& ws = w.batch.writes;
  if (d.clear_timer)
    ws.timers_cleared.push_back({partition, ms(d.clear_timer->at), d.clear_timer->case_id});
  if (d.set_timer) ws.timers_set.push_back({partition, ms(d.set_timer->at), d.set_timer->case_id});
  const int offset = engine_->calendar().offset_minutes();
  // The alert messages themselves are queued by finish(), after the changelog records.
  for (const rules::Alert& a : d.alerts) {
    ws.alerts.push_back({partition, a.alert_id, index_status(a), static_cast<std::uint8_t>(a.level),
                         a.agency, a.rule_id, a.to_json(offset)});
    (a.firing ? w.batch.stats.alerts_firing : w.batch.stats.alerts_resolved)++;
    w.batch.stats.alerts.push_back(a);
  }
}

void Pipeline::dead_letter(Work& w, const Record& r, DeadReason reason, const std::string& why,
                           std::int64_t wall_ms) {
  ports::PartitionMark& m = marks_[r.partition];
  // Every header is bounded: the reason quotes the input, the rest is ours.
  ports::OutboxEntry letter{r.partition,
                            m.next_outbox_seq++,
                            options_.dlq_topic,
                            -1,
                            {},
                            {},
                            {{"approvald.reason", rules::safe(why, kMaxReasonBytes)},
                             {"approvald.reason.class", std::string(to_string(reason))},
                             {"approvald.source.topic", options_.source_topic},
                             {"approvald.source.partition", std::to_string(r.partition)},
                             {"approvald.source.offset", std::to_string(r.offset)},
                             {"approvald.time", rules::format_rfc3339(ts(wall_ms), 0)}}};
  put_payload(letter, r.key.value_or(""), r.value, options_.max_dead_letter_bytes);
  w.batch.writes.outbox.push_back(std::move(letter));
  w.batch.stats.dead[static_cast<std::size_t>(reason)]++;
}

void Pipeline::settle_case(Work& w, std::int32_t partition, const std::string& case_id,
                           std::vector<const Record*> records, std::vector<rules::Event> events,
                           std::int64_t now_ms) {
  std::string why;
  auto state = load(w, partition, case_id, &why);
  if (w.failed) return;
  if (!state) {
    // A stored state that cannot be read is a disk or version problem; the events wait in the
    // dead-letter topic rather than overwrite it.
    for (const Record* r : records) {
      dead_letter(w, *r, DeadReason::kBadState, "stored case state unreadable: " + why, now_ms);
    }
    return;
  }
  std::vector<rules::Admission> admissions;
  std::vector<std::string> reasons;
  std::vector<rules::EventType> types;
  std::vector<std::int64_t> lags;
  for (std::size_t i = 0; i < events.size(); ++i) {
    types.push_back(events[i].type);
    lags.push_back(records[i]->timestamp_ms - ms(events[i].occurred_at));
  }
  rules::Decision d =
      engine_->apply_batch(std::move(*state), std::move(events), ts(now_ms), &admissions, &reasons);
  for (std::size_t i = 0; i < admissions.size(); ++i) {
    switch (admissions[i]) {
      case rules::Admission::kApplied:
        w.batch.stats.applied[static_cast<std::size_t>(types[i])]++;
        w.batch.stats.event_lag_ms.push_back(lags[i]);
        break;
      case rules::Admission::kDuplicate:
        w.batch.stats.duplicates++;
        break;
      case rules::Admission::kRefused:
        dead_letter(w, *records[i], DeadReason::kCaseFull, reasons[i], now_ms);
        break;
    }
  }
  w.batch.stats.duplicate_conflicts += d.duplicate_conflicts;
  emit(w, partition, d);
  w.loaded[{partition, case_id}] = std::move(d.state);
}

Result<Batch> Pipeline::conclude(Work& w, Saved saved) {
  if (!w.failed) return std::move(w.batch);
  marks_ = std::move(saved.marks);
  unchecked_ = std::move(saved.unchecked);
  return *w.failed;
}

Result<Batch> Pipeline::process(const std::vector<Record>& records, std::int64_t wall_ms,
                                const std::function<bool(std::int32_t)>& caught_up) {
  Work w;
  Saved saved{marks_, unchecked_};
  rules::EventDecoder decoder;
  // Valid events grouped by (partition, case), in the order cases first appear.
  struct Group {
    std::vector<const Record*> records;
    std::vector<rules::Event> events;
  };
  std::map<std::pair<std::int32_t, std::string>, std::size_t> index;
  std::vector<std::pair<std::pair<std::int32_t, std::string>, Group>> groups;
  std::map<std::int32_t, std::int64_t> watermark;
  for (const Record& r : records) {
    ports::PartitionMark& m = marks_[r.partition];
    m.next_offset = std::max(m.next_offset, r.offset + 1);
    if (r.value.size() > options_.max_event_bytes) {
      dead_letter(w, r, DeadReason::kInvalid,
                  "the event has " + std::to_string(r.value.size()) + " bytes, more than " +
                      std::to_string(options_.max_event_bytes) + " (engine.max_event_bytes)",
                  wall_ms);
      continue;
    }
    auto decoded = decoder.decode(r.value);
    if (auto* err = std::get_if<rules::DecodeError>(&decoded)) {
      dead_letter(w, r, DeadReason::kInvalid, err->str(), wall_ms);
      continue;
    }
    rules::Event e = std::get<rules::Event>(std::move(decoded));
    // Kafka tells a null key from an empty one; neither keeps a case on one partition.
    if (!r.key || r.key->empty()) {
      dead_letter(w, r, DeadReason::kKeyMissing,
                  std::string(r.key ? "the message key is empty" : "the message has no key") +
                      "; events are keyed by their case_id " + quoted(e.case_id),
                  wall_ms);
      continue;
    }
    if (*r.key != e.case_id) {
      dead_letter(
          w, r, DeadReason::kKeyMismatch,
          "the message key " + quoted(*r.key) + " differs from case_id " + quoted(e.case_id),
          wall_ms);
      continue;
    }
    if (ms(e.occurred_at) > wall_ms + options_.max_future_skew_ms) {
      dead_letter(w, r, DeadReason::kFuture,
                  "occurred_at " + rules::format_rfc3339(e.occurred_at, e.offset_minutes) +
                      " is more than " + std::to_string(options_.max_future_skew_ms / 1000) +
                      " s in the future",
                  wall_ms);
      continue;
    }
    auto& wm = watermark.try_emplace(r.partition, m.watermark_ms).first->second;
    wm = std::max(wm, ms(e.occurred_at));
    auto key = std::make_pair(r.partition, e.case_id);
    auto [it, inserted] = index.try_emplace(key, groups.size());
    if (inserted) groups.emplace_back(key, Group{});
    Group& g = groups[it->second].second;
    g.records.push_back(&r);
    g.events.push_back(std::move(e));
  }
  for (const auto& [p, wm] : watermark) marks_[p].watermark_ms = wm;
  {
    // The batch's cases in one read per partition where they are not in memory yet. Only a
    // hint: a failure here meets the same error again in load().
    std::map<std::int32_t, std::vector<std::string_view>> ids;
    for (const auto& [key, g] : groups) ids[key.first].push_back(key.second);
    for (const auto& [p, v] : ids) (void)cases_.prefetch(p, v);
  }
  for (auto& [key, g] : groups) {
    const std::int64_t now = supervision_ms(key.first, wall_ms, caught_up(key.first));
    settle_case(w, key.first, key.second, std::move(g.records), std::move(g.events), now);
    if (w.failed) return conclude(w, std::move(saved));
  }
  std::vector<std::int32_t> touched;
  touched.reserve(records.size());
  for (const Record& r : records) touched.push_back(r.partition);
  finish(w, touched);
  return std::move(w.batch);
}

Result<Batch> Pipeline::reevaluate(std::int32_t partition, const std::vector<std::string>& case_ids,
                                   std::int64_t now_ms) {
  Work w;
  Saved saved{marks_, unchecked_};
  (void)cases_.prefetch(partition, {case_ids.begin(), case_ids.end()});
  for (const std::string& id : case_ids) {
    std::string why;
    auto state = load(w, partition, id, &why);
    if (w.failed) return conclude(w, std::move(saved));
    if (!state || state->case_id.empty()) continue;
    rules::Decision d = engine_->reevaluate(std::move(*state), ts(now_ms));
    emit(w, partition, d);
    w.loaded[{partition, id}] = std::move(d.state);
  }
  finish(w, {partition}, true);
  return std::move(w.batch);
}

Result<Batch> Pipeline::fire(std::int32_t partition, const std::vector<ports::TimerEntry>& due,
                             std::int64_t now_ms) {
  Work w;
  Saved saved{marks_, unchecked_};
  {
    std::vector<std::string_view> ids;
    ids.reserve(due.size());
    for (const ports::TimerEntry& t : due) ids.push_back(t.case_id);
    (void)cases_.prefetch(partition, ids);
  }
  for (const ports::TimerEntry& t : due) {
    std::string why;
    auto state = load(w, partition, t.case_id, &why);
    // A failed read keeps the timer: it fires once the store answers again.
    if (w.failed) return conclude(w, std::move(saved));
    if (!state) w.batch.stats.unreadable_timer_cases++;
    if (!state || !state->wakeup || ms(*state->wakeup) != t.due_ms) {
      // No case, an undecodable one, or the case was re-armed: the index entry is stale.
      w.batch.writes.timers_cleared.push_back(t);
      if (state) w.loaded[{partition, t.case_id}] = std::move(*state);
      continue;
    }
    rules::Decision d = engine_->on_timer(std::move(*state), rules::Timer{t.case_id, ts(t.due_ms)},
                                          ts(std::max(now_ms, t.due_ms)));
    w.batch.stats.timers_fired++;
    emit(w, partition, d);
    w.loaded[{partition, t.case_id}] = std::move(d.state);
  }
  finish(w, {partition}, true);
  return std::move(w.batch);
}

}  // namespace approvald::pipeline
