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

namespace approvald::log {

inline std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (char c : s) {
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
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
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
