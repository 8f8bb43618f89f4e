#include "rules/clock.h"

#include <algorithm>

#include "findings.h"

namespace rules {
namespace {

constexpr std::int64_t kMillisPerHour = 3'600'000;

// Points on a clock's axis: local dates for day units, UTC milliseconds for hours.
class Axis {
 public:
  Axis(const Calendar& cal, Unit unit) : cal_(cal), unit_(unit) {}

  std::int64_t point(Timestamp t) const {
    if (unit_ == Unit::kHours) return t.time_since_epoch().count();
    return local_date(t, cal_.offset_minutes());
  }
  // Counted units in (a, b].
  std::int64_t count(std::int64_t a, std::int64_t b) const {
    if (b <= a) return 0;
    if (unit_ == Unit::kWorkingDays)
      return cal_.working_days_between(static_cast<Date>(a), static_cast<Date>(b));
    return b - a;
  }
  std::int64_t add(std::int64_t a, std::int64_t n) const {
    if (unit_ == Unit::kWorkingDays) return cal_.add_working_days(static_cast<Date>(a), n);
    return a + n;
  }
  std::int64_t scale(std::int64_t n) const {
    return unit_ == Unit::kHours ? n * kMillisPerHour : n;
  }
  std::int64_t unscale(std::int64_t n) const {
    return unit_ == Unit::kHours ? n / kMillisPerHour : n;
  }
  // The last instant of a point: 23:59:59 local for a date.
  Timestamp last_instant(std::int64_t p) const {
    if (unit_ == Unit::kHours) return Timestamp{Millis{p}};
    return start_of_local_date(static_cast<Date>(p + 1), cal_.offset_minutes()) -
           std::chrono::seconds{1};
  }
  bool days() const { return unit_ != Unit::kHours; }

 private:
  const Calendar& cal_;
  Unit unit_;
};

struct Span {
  std::int64_t a;
  std::optional<std::int64_t> b;  // (a, b] excluded; open when absent
  std::size_t pause_index;
};

// The point where `n` counted units after `s` are used up, skipping the pauses. A pause that
// begins on the very point still stops the clock ("while paused, no deadline fires"). Returns
// std::nullopt when an open pause begins before the units run out.
std::optional<std::int64_t> walk(const Axis& axis, std::int64_t s, std::int64_t n,
                                 const std::vector<Span>& spans, std::vector<PauseSpan>* pauses) {
  std::int64_t cur = s;
  std::int64_t remaining = n;
  for (const Span& sp : spans) {
    if (sp.b && *sp.b <= cur) continue;
    const std::int64_t a = std::max(sp.a, cur);
    const std::int64_t w = axis.count(cur, a);
    if (w >= remaining) {
      // The units run out at or before the pause's first point. Only a pause that begins on
      // the due point itself stops the clock; one that begins later (even just after a weekend
      // that follows the due date) finds the deadline already passed.
      const std::int64_t due = axis.add(cur, remaining);
      if (due < a) return due;
    }
    remaining -= w;
    if (!sp.b) return std::nullopt;
    if (pauses != nullptr) (*pauses)[sp.pause_index].excluded += axis.unscale(axis.count(a, *sp.b));
    cur = *sp.b;
  }
  return axis.add(cur, remaining);
}

std::int64_t limit_of(const ClockSpec& spec, const Event& start, bool* ok) {
  *ok = true;
  if (spec.limit.from_field.empty()) return spec.limit.fixed;
  Value scratch;
  const Value* v = field_of(start, spec.limit.from_field, &scratch);
  if (v == nullptr || v->kind != Value::Kind::kInt || v->integer < 0) {
    *ok = false;
    return 0;
  }
  return v->integer;
}

std::string value_text(const Event& e, const std::string& path) {
  if (path.empty()) return {};
  Value scratch;
  const Value* v = field_of(e, path, &scratch);
  return v == nullptr ? std::string() : v->text;
}

// An extension the clock's rule accepts: when it began and the units it declares (capped).
struct Granted {
  Timestamp at{};
  std::int64_t units = 0;
  const std::string* event_id = nullptr;
};

void derive(const ClockSpec& spec, const Calendar& cal, Cycle& c,
            const std::vector<Granted>& granted) {
  const Axis axis(cal, spec.limit.unit);
  const std::int64_t s = axis.point(c.start);
  std::vector<Span> spans;
  for (std::size_t i = 0; i < c.pauses.size(); ++i) {
    const PauseSpan& p = c.pauses[i];
    std::optional<std::int64_t> b;
    if (p.to) b = axis.point(*p.to);
    spans.push_back(Span{axis.point(p.from), b, i});
  }
  std::sort(spans.begin(), spans.end(), [](const Span& x, const Span& y) { return x.a < y.a; });
  // An extension counts only while the clock has not yet passed its due point (the due date
  // itself still counts): one that begins after the breach would retract it (settled point 1).
  for (const Granted& g : granted) {
    const auto due_then = walk(axis, s, axis.scale(c.limit + c.extension), spans, nullptr);
    if (due_then && *due_then < axis.point(g.at)) {
      c.late_extension_events.push_back(*g.event_id);
      continue;
    }
    c.extension += g.units;
    c.extension_events.push_back(*g.event_id);
  }
  const std::int64_t total = axis.scale(c.limit + c.extension);
  const auto due = walk(axis, s, total, spans, &c.pauses);
  for (const PauseSpan& p : c.pauses) c.paused_units += p.excluded;
  if (due) {
    c.due_at = axis.last_instant(*due);
    if (axis.days()) {
      c.due_date = static_cast<Date>(*due);
      c.provisional = cal.any_provisional(static_cast<Date>(s), static_cast<Date>(*due));
    }
  }
  for (std::size_t i = 0; i < spec.stages.size(); ++i) {
    const Stage& st = spec.stages[i];
    // A warning further before the due point than the whole limit would lie before the start
    // (a promise of 0 working days has no "1 working day before"): it is never reached.
    if (!st.at_due && axis.scale(st.before) > total) continue;
    const std::int64_t n = st.at_due ? total : total - axis.scale(st.before);
    const auto p = st.at_due ? due : walk(axis, s, n, spans, nullptr);
    // A stage fires once the supervision clock passes the point's last instant.
    if (p) c.stage_fire[i] = axis.last_instant(*p) + std::chrono::seconds{1};
  }
}

}  // namespace

Cycles evaluate_clock(const ClockSpec& spec, const std::vector<Event>& events,
                      const Calendar& cal) {
  Cycles cycles;
  auto running = [&]() { return !cycles.empty() && !cycles.back().stop; };
  auto open = [&](const Event& e) {
    bool ok = false;
    const std::int64_t limit = limit_of(spec, e, &ok);
    if (!ok) return;  // e.g. no promise given on acceptance: nothing to supervise
    Cycle c;
    c.number = static_cast<std::uint32_t>(cycles.size() + 1);
    c.start_event = &e;
    c.start = e.occurred_at;
    c.limit = limit;
    cycles.push_back(std::move(c));
  };
  auto close = [&](const Event& e, const char* reason) {
    Cycle& c = cycles.back();
    c.stop = e.occurred_at;
    c.stop_event = &e;
    c.stop_reason = reason;
  };
  // Per case, not per cycle: the law allows one extension of the case (settled point 3).
  std::int64_t extensions_seen = 0;
  std::vector<std::vector<Granted>> granted;  // per cycle
  for (const Event& e : events) {
    if (any_match(spec.restart, e)) {
      if (running()) close(e, "restarted");
      open(e);
      continue;
    }
    if (cycles.empty() && any_match(spec.start, e)) {
      open(e);
      continue;
    }
    if (!running()) continue;
    Cycle& c = cycles.back();
    if (any_match(spec.stop, e)) {
      close(e, to_string(e.type).data());  // names are static, NUL-terminated literals
      continue;
    }
    if (spec.pause) {
      const PauseSpec& ps = *spec.pause;
      if (any_match(ps.start, e)) {
        const std::string key = value_text(e, ps.pair_by);
        const bool already = std::any_of(c.pauses.begin(), c.pauses.end(),
                                         [&](const PauseSpan& p) { return !p.to && p.key == key; });
        if (!already)
          c.pauses.push_back(PauseSpan{e.occurred_at, std::nullopt, key, e.event_id, {}, 0});
        continue;
      }
      if (any_match(ps.end, e)) {
        const std::string key = value_text(e, ps.pair_by);
        for (PauseSpan& p : c.pauses) {
          if (!p.to && (ps.pair_by.empty() || p.key == key)) {
            p.to = e.occurred_at;
            p.end_event = e.event_id;
            break;
          }
        }
        continue;
      }
    }
    if (spec.extension && any_match(spec.extension->on, e)) {
      // Only the first `max_count` extensions of the case are candidates, complete or not: a
      // second extension adds nothing even when the first was refused (settled point 3).
      const ExtensionSpec& x = *spec.extension;
      if (extensions_seen++ >= x.max_count) continue;
      bool complete = true;
      for (const std::string& path : x.require) {
        Value scratch;
        complete = complete && !detail::blank(field_of(e, path, &scratch));
      }
      if (!complete) continue;
      Value scratch;
      const Value* v = field_of(e, x.days_field, &scratch);
      const std::int64_t days = v != nullptr && v->kind == Value::Kind::kInt ? v->integer : 0;
      granted.resize(cycles.size());
      granted[c.number - 1].push_back(
          Granted{e.occurred_at, std::clamp<std::int64_t>(days, 0, x.max_days), &e.event_id});
    }
  }
  granted.resize(cycles.size());
  for (std::size_t i = 0; i < cycles.size(); ++i) derive(spec, cal, cycles[i], granted[i]);
  return cycles;
}

}  // namespace rules
