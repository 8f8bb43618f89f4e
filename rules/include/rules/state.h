// Everything the engine remembers about one case: its events in business-time order and the
// lifecycle of every alert it has raised. Clocks are not stored; they are recomputed from the
// events, so late events, rule changes and calendar changes need no migration of derived state
// (docs/adr/0002-event-sourced-case-state.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/event.h"
#include "rules/pack.h"

namespace rules {

// One alert's lifecycle entry: identity (rule, level, cycle) and where it stands. A retracted
// alert was announced (firing, perhaps resolved too) and a later-arriving event showed that the
// arithmetic never supported it.
struct AlertRecord {
  enum class Status : std::uint8_t { kFiring, kResolved, kRetracted };
  std::string rule_id;
  Level level = Level::kRed;
  std::uint32_t cycle = 1;
  Status status = Status::kFiring;
  Timestamp fired_at{};

  bool firing() const { return status == Status::kFiring; }
};

// Where a case stands for supervision, as of its last evaluation: open while any clock runs or
// is paused; paused when no clock runs but one is paused; overdue when a running clock is past
// its due point. Kept in the state so the daemon can maintain per-agency counts by difference,
// without re-evaluating the clocks of the previous state. Red and yellow mark a case with a
// firing alert of that level (the dashboard's agency board counts them).
enum CaseStatusBit : std::uint8_t {
  kCaseOpen = 1,
  kCasePaused = 2,
  kCaseOverdue = 4,
  kCaseRed = 8,
  kCaseYellow = 16
};

struct CaseState {
  std::string case_id;
  std::string agency;  // of the first event received
  std::string item;
  std::vector<Event> events;  // sorted by occurred_at; equal times keep arrival order
  std::vector<AlertRecord> alerts;
  std::optional<Timestamp> wakeup;  // the engine's next timer for this case
  std::uint8_t status = 0;          // CaseStatusBit flags

  bool has_event(std::string_view event_id) const;

  // Versioned binary encoding for the store. decode() never throws; on corrupt input it returns
  // std::nullopt and sets *why.
  std::string encode() const;
  static std::optional<CaseState> decode(std::string_view bytes, std::string* why);
};

}  // namespace rules
