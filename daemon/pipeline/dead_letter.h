// What a dead letter may carry. A dead letter copies an input record that was refused, and the
// input is whatever an agency wrote: its reason, key and payload are bounded here, so that a
// dead letter can always be sent (docs/events.md, "Dead letters").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ports/write_set.h"

namespace approvald::pipeline {

// The reason header: the rejection reason quotes the input, so it is cut (marked) and escaped
// (rules/echo.h).
inline constexpr std::size_t kMaxReasonBytes = 200;
// A longer Kafka key is cut; the header approvald.source.key_size then gives its size.
inline constexpr std::size_t kMaxDeadLetterKeyBytes = 256;
// A payload above the limit (Options::max_dead_letter_bytes) is replaced by its first bytes.
inline constexpr std::size_t kDeadLetterHeadBytes = 1024;
inline constexpr std::size_t kDefaultMaxDeadLetterBytes = std::size_t{256} * 1024;

// The SHA-256 digest of `bytes`, as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

// Sets the key and value of a dead letter from a refused record's. A value of at most
// `max_bytes` is kept as it is; a larger one is replaced by its first kDeadLetterHeadBytes (cut
// on a UTF-8 boundary), with headers approvald.payload.truncated=true, approvald.payload.size
// (bytes of the whole) and approvald.payload.sha256 (its digest), so that the original can be
// found and checked in the producer's records.
void put_payload(ports::OutboxEntry& letter, std::string_view key, std::string_view value,
                 std::size_t max_bytes);

// A dead letter that stands for an outbox entry the broker refused for good (too large,
// invalid, topic not authorised): the entry's first bytes, its digest and size, where it was
// going and why it could not go. Always small enough to send.
ports::OutboxEntry undeliverable(const ports::OutboxEntry& entry, std::string_view error,
                                 const std::string& dlq_topic, std::string_view time_rfc3339);

}  // namespace approvald::pipeline
