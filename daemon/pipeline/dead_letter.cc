#include "pipeline/dead_letter.h"

#include <openssl/evp.h>

#include <array>

#include "rules/echo.h"

namespace approvald::pipeline {

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  // One-shot EVP digest: no context to leak on any path.
  if (EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_sha256(), nullptr) != 1) {
    return "unavailable";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::size_t{2} * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xF];
  }
  return out;
}

void put_payload(ports::OutboxEntry& letter, std::string_view key, std::string_view value,
                 std::size_t max_bytes) {
  if (key.size() > kMaxDeadLetterKeyBytes) {
    letter.key.assign(key.substr(0, rules::utf8_prefix(key, kMaxDeadLetterKeyBytes)));
    letter.headers.emplace_back("approvald.source.key_size", std::to_string(key.size()));
  } else {
    letter.key.assign(key);
  }
  if (value.size() <= max_bytes) {
    letter.value.assign(value);
    return;
  }
  letter.value.assign(value.substr(0, rules::utf8_prefix(value, kDeadLetterHeadBytes)));
  letter.headers.emplace_back("approvald.payload.truncated", "true");
  letter.headers.emplace_back("approvald.payload.size", std::to_string(value.size()));
  letter.headers.emplace_back("approvald.payload.sha256", sha256_hex(value));
}

ports::OutboxEntry undeliverable(const ports::OutboxEntry& entry, std::string_view error,
                                 const std::string& dlq_topic, std::string_view time_rfc3339) {
  ports::OutboxEntry letter{entry.partition, entry.seq, dlq_topic, -1, {}, {}, {}};
  letter.headers = {
      {"approvald.reason",
       rules::echo("undeliverable to " + entry.topic + ": " + std::string(error), kMaxReasonBytes)},
      {"approvald.reason.class", "undeliverable"},
      {"approvald.undeliverable.topic", rules::echo(entry.topic, kMaxReasonBytes)},
      {"approvald.source.partition", std::to_string(entry.partition)},
      {"approvald.outbox.seq", std::to_string(entry.seq)},
      {"approvald.time", std::string(time_rfc3339)},
  };
  // Always the bounded form, even for a small entry: a refused entry may be refused for its
  // headers as well.
  put_payload(letter, entry.key, entry.value, 0);
  if (entry.value.empty()) {
    letter.headers.emplace_back("approvald.payload.size", "0");
  }
  return letter;
}

}  // namespace approvald::pipeline
