// Key layouts of the store. Every key of partition-owned data starts with the partition as a
// big-endian u32, so one partition's state can be found, handed over and dropped on its own.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace approvald::store {

inline void put_be32(std::string& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xFF));
}
inline void put_be64(std::string& out, std::uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xFF));
}
inline std::uint64_t get_be64(std::string_view in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v = (v << 8) | static_cast<std::uint8_t>(in[static_cast<std::size_t>(i)]);
  return v;
}
inline std::uint32_t get_be32(std::string_view in) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v = (v << 8) | static_cast<std::uint8_t>(in[static_cast<std::size_t>(i)]);
  return v;
}

// Signed milliseconds ordered as unsigned bytes: flip the sign bit.
inline std::uint64_t order_preserving(std::int64_t ms) {
  return static_cast<std::uint64_t>(ms) ^ (std::uint64_t{1} << 63);
}
inline std::int64_t from_order_preserving(std::uint64_t v) {
  return static_cast<std::int64_t>(v ^ (std::uint64_t{1} << 63));
}

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

// offsets (tallies, beside the partition's mark): partition | 't' | agency
inline std::string tally_key(std::int32_t partition, std::string_view agency) {
  std::string k = partition_prefix(partition);
  k.push_back('t');
  k.append(agency);
  return k;
}

// alert_index: partition | alert id
inline std::string alert_index_key(std::int32_t partition, std::string_view alert_id) {
  std::string k = partition_prefix(partition);
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
