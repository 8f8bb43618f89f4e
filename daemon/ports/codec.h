// Byte encodings shared by the store and the state changelog: big-endian integers that sort as
// bytes, length-prefixed chunks, a partition's mark and an alert index entry. Every decoder
// rejects truncated or trailing input instead of guessing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ports/write_set.h"

namespace approvald::ports {

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

inline void put_chunk(std::string& out, std::string_view s) {
  put_be32(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

inline bool get_chunk(std::string_view& in, std::string* s) {
  if (in.size() < 4) return false;
  const std::uint32_t n = get_be32(in);
  if (n > in.size() - 4) return false;
  s->assign(in.substr(4, n));
  in.remove_prefix(4 + n);
  return true;
}

// Mark: next offset, watermark, next outbox sequence, owner epoch (absent before the changelog).
inline std::string encode_mark(const PartitionMark& m) {
  std::string v;
  put_be64(v, static_cast<std::uint64_t>(m.next_offset));
  put_be64(v, order_preserving(m.watermark_ms));
  put_be64(v, m.next_outbox_seq);
  put_be64(v, m.epoch);
  return v;
}

inline std::optional<PartitionMark> decode_mark(std::string_view v) {
  if (v.size() != 24 && v.size() != 32) return std::nullopt;
  PartitionMark m;
  m.next_offset = static_cast<std::int64_t>(get_be64(v.substr(0, 8)));
  m.watermark_ms = from_order_preserving(get_be64(v.substr(8, 8)));
  m.next_outbox_seq = get_be64(v.substr(16, 8));
  if (v.size() == 32) m.epoch = get_be64(v.substr(24, 8));
  return m;
}

// Alert index entry (without partition and id, which are in the key): status, level, then
// agency, rule id and the JSON, length-prefixed.
inline std::string encode_alert(const AlertIndexEntry& a) {
  std::string v;
  v.push_back(static_cast<char>(a.status));
  v.push_back(static_cast<char>(a.level));
  put_chunk(v, a.agency);
  put_chunk(v, a.rule_id);
  put_chunk(v, a.json);
  return v;
}

inline bool decode_alert(std::string_view in, AlertIndexEntry* a) {
  if (in.size() < 2) return false;
  if (static_cast<std::uint8_t>(in[0]) > 2) return false;
  if (static_cast<std::uint8_t>(in[1]) > 2) return false;  // rules::Level: reminder, yellow, red
  a->status = static_cast<AlertIndexEntry::Status>(in[0]);
  a->level = static_cast<std::uint8_t>(in[1]);
  in.remove_prefix(2);
  return get_chunk(in, &a->agency) && get_chunk(in, &a->rule_id) && get_chunk(in, &a->json) &&
         in.empty();
}

}  // namespace approvald::ports
