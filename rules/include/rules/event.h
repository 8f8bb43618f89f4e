// The approval event of contract approval.event/v1, decoded and checked.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rules/time.h"

namespace rules {

enum class EventType : std::uint8_t {
  kReceived,
  kCorrectionRequested,
  kCorrectionReceived,
  kAccepted,
  kAcceptanceRefused,
  kStepCompleted,
  kProcedureStarted,
  kProcedureEnded,
  kDecided,
  kCertificateIssued,
  kFeeCharged,
  kPenaltyDecided,
  kWithdrawn,
  kTerminated,
};
inline constexpr int kEventTypeCount = 14;

std::string_view to_string(EventType t);
std::optional<EventType> parse_event_type(std::string_view s);

// A scalar (or list of scalars) from an event's `data`, kept with its canonical text so that rule
// conditions compare it the way an analyst reads it.
struct Value {
  enum class Kind : std::uint8_t { kNull, kBool, kInt, kDouble, kString, kList };
  Kind kind = Kind::kNull;
  std::int64_t integer = 0;  // kInt; the element count for kList
  double real = 0;           // kDouble and kInt
  std::string text;          // canonical text; list elements joined by '\n'

  bool empty() const;  // null, "", blank text or an empty list
};

// One leaf of `data`, addressed by its dotted path without the "data." prefix
// ("promised.working_days").
struct Field {
  std::string path;
  Value value;
};

struct Event {
  std::string event_id;
  std::string case_id;
  EventType type = EventType::kReceived;
  Timestamp occurred_at{};
  std::int16_t offset_minutes = 0;  // the producer's UTC offset, for display
  std::string agency;
  std::string item;
  std::string officer;    // optional: empty when absent
  std::string applicant;  // optional: empty when absent
  std::vector<Field> data;

  // A data leaf by its path without "data." ("procedure", "declared.working_days").
  const Value* data_field(std::string_view path) const;
};

// Why an event was refused, naming the field ("occurred_at") and the reason.
struct DecodeError {
  std::string field;
  std::string reason;
  std::string str() const { return field.empty() ? reason : field + ": " + reason; }
};

// Decodes approval.event/v1 JSON. Never throws; reuses its buffers between calls, so keep one per
// thread on a hot path.
class EventDecoder {
 public:
  EventDecoder();
  ~EventDecoder();
  EventDecoder(const EventDecoder&) = delete;
  EventDecoder& operator=(const EventDecoder&) = delete;

  std::variant<Event, DecodeError> decode(std::string_view json);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience for tests and tools; allocates a decoder per call.
std::variant<Event, DecodeError> decode_event(std::string_view json);

}  // namespace rules
