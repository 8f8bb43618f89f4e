// JSON-lines logging to stderr: one object per line, no personal data (case ids are business
// identifiers; applicants never appear).
#pragma once

#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "rules/echo.h"

namespace approvald::log {

// The longest value a log field keeps (bytes of input); the rest is cut and the cut marked, so
// that one huge input cannot make a huge log line.
inline constexpr std::size_t kMaxField = 4096;

// `s` as the content of a JSON string, bounded to `max` bytes of input: quotes, backslashes and
// control characters (C0, DEL and the C1 controls U+0080–U+009F) are \u-escaped, so that no
// line of the log carries a raw terminal escape; a byte that is not valid UTF-8 becomes the text
// "\xNN", so that every line stays valid JSON.
inline std::string escape(std::string_view s, std::size_t max = kMaxField) {
  const std::size_t keep = ::rules::utf8_prefix(s, max);
  std::string out;
  out.reserve(keep + 2);
  char buf[16];
  for (std::size_t i = 0; i < keep;) {
    const std::size_t n = ::rules::utf8_sequence_length(s, i);
    const auto c = static_cast<unsigned char>(s[i]);
    if (n == 0) {
      std::snprintf(buf, sizeof buf, "\\\\x%02x", c);  // the text \xNN, backslash escaped
      out += buf;
      ++i;
      continue;
    }
    if (n == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(s[i + 1]));
      out += buf;  // a C1 control character
      i += 2;
      continue;
    }
    if (n > 1) {
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  if (keep < s.size()) out += "…[cut: " + std::to_string(s.size()) + " bytes]";
  return out;
}

using Fields = std::initializer_list<std::pair<std::string_view, std::string>>;

inline void write(std::string_view level, std::string_view msg, Fields fields = {}) {
  static std::mutex mu;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::string line = "{\"ts_ms\":" + std::to_string(now) + ",\"level\":\"" + std::string(level) +
                     "\",\"msg\":\"" + escape(msg) + "\"";
  for (const auto& [k, v] : fields) line += ",\"" + std::string(k) + "\":\"" + escape(v) + "\"";
  line += "}\n";
  std::lock_guard lock(mu);
  std::fputs(line.c_str(), stderr);
}

inline void info(std::string_view msg, Fields f = {}) { write("info", msg, f); }
inline void warn(std::string_view msg, Fields f = {}) { write("warn", msg, f); }
inline void error(std::string_view msg, Fields f = {}) { write("error", msg, f); }

}  // namespace approvald::log
