// Key layouts of the store. Every key of partition-owned data starts with the partition as a
// big-endian u32, so one partition's state can be found, handed over and dropped on its own.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ports/codec.h"

namespace approvald::store {

using ports::from_order_preserving;
using ports::get_be32;
using ports::get_be64;
using ports::order_preserving;
using ports::put_be32;
using ports::put_be64;

inline std::string partition_prefix(std::int32_t partition) {
  std::string k;
  put_be32(k, static_cast<std::uint32_t>(partition));
  return k;
}

// cases: partition | case_id
inline std::string case_key(std::int32_t partition, std::string_view case_id) {
  std::string k = partition_prefix(partition);
  k.append(case_id);
  return k;
}

// timers: partition | due (ms, order-preserving) | case_id
inline std::string timer_key(std::int32_t partition, std::int64_t due_ms,
                             std::string_view case_id) {
  std::string k = partition_prefix(partition);
  put_be64(k, order_preserving(due_ms));
  k.append(case_id);
  return k;
}

// tallies: partition | 't' | agency (the 't' and 'd' are from when both lived in offsets)
inline std::string tally_key(std::int32_t partition, std::string_view agency) {
  std::string k = partition_prefix(partition);
  k.push_back('t');
  k.append(agency);
  return k;
}

// performance:
// partition | 'd' | local date (order-preserving u32) | agency | 0 | item
inline std::string perf_day_prefix(std::int32_t partition, std::int32_t day) {
  std::string k = partition_prefix(partition);
  k.push_back('d');
  put_be32(k, static_cast<std::uint32_t>(day) ^ 0x80000000u);
  return k;
}
inline std::string perf_key(std::int32_t partition, std::int32_t day, std::string_view agency,
                            std::string_view item) {
  std::string k = perf_day_prefix(partition, day);
  k.append(agency);
  k.push_back('\0');
  k.append(item);
  return k;
}

// alert_index: partition | alert id
inline std::string alert_index_key(std::int32_t partition, std::string_view alert_id) {
  std::string k = partition_prefix(partition);
  k.append(alert_id);
  return k;
}

// firing (the alert index's standing alerts): partition | level | alert id
inline std::string firing_key(std::int32_t partition, std::uint8_t level,
                              std::string_view alert_id) {
  std::string k = partition_prefix(partition);
  k.push_back(static_cast<char>(level));
  k.append(alert_id);
  return k;
}

// outbox: partition | sequence
inline std::string outbox_key(std::int32_t partition, std::uint64_t seq) {
  std::string k = partition_prefix(partition);
  put_be64(k, seq);
  return k;
}

}  // namespace approvald::store
