// Echoing untrusted text (an event's field, a Kafka key, a line of a file) back in a header, a log
// line, a terminal or an API error: bounded in size and made harmless. Whoever can write an
// event must not be able to make a dead-letter header too large to send, split a header with
// "\r\n", or send escape sequences to the terminal of whoever reads the logs.
//
//   echo::text(value)        at most kDefaultMax bytes of output, then "…[cut, N bytes]"
//   echo::text(value, 1024)  the same with another bound
//   echo::safe(message)      the same, but a backslash passes: for a message that may quote
//                            values escaped already (rules::quoted) — safe(safe(x)) == safe(x)
//   echo::utf8_prefix(s, n)  the longest prefix of at most n bytes that ends on a character
//
// text() escapes, as printable ASCII: C0 control characters and DEL ("\n", "\r", "\t", "\x1b"…),
// the C1 controls U+0080–U+009F ("\u009b" — a CSI on many terminals), every byte that is not
// part of valid UTF-8 ("\xff"), and the backslash itself ("\\"), so that the output is
// unambiguous. Everything else — other valid UTF-8, including CJK — is kept as it is.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace approvald::echo {

inline constexpr std::size_t kDefaultMax = 200;

namespace detail {

// The length of the valid UTF-8 sequence starting at s[i] (1–4), or 0 when it is not one
// (overlong forms, surrogates and values above U+10FFFF are not valid).
inline std::size_t sequence_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
  }
  return n;
}

inline std::string hex_byte(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", c);
  return buf;
}

}  // namespace detail

// The longest prefix of `s` of at most `max` bytes that does not end inside a valid UTF-8
// character (invalid bytes count as one character each).
inline std::size_t utf8_prefix(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s.size();
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t n = std::max<std::size_t>(1, detail::sequence_length(s, i));
    if (i + n > max) break;
    i += n;
  }
  return i;
}

// `s` escaped as described above, cut after at most `max` bytes of output on a character
// boundary; a cut is marked "…[cut, N bytes]" with N the size of the whole input (the marker is
// not counted in `max`, and is at most 32 bytes).
namespace detail {
inline std::string escaped(std::string_view s, std::size_t max, bool backslash);
}

inline std::string text(std::string_view s, std::size_t max = kDefaultMax) {
  return detail::escaped(s, max, true);
}

// As text(), leaving backslashes as they are, so that escapes made before stay single.
inline std::string safe(std::string_view s, std::size_t max = kDefaultMax) {
  return detail::escaped(s, max, false);
}

inline std::string detail::escaped(std::string_view s, std::size_t max, bool backslash) {
  std::string out;
  out.reserve(std::min(s.size(), max) + 8);
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t n = detail::sequence_length(s, i);
    std::string piece;
    const auto c = static_cast<unsigned char>(s[i]);
    if (n == 0) {
      piece = detail::hex_byte(c);
    } else if (n == 1) {
      switch (c) {
        case '\n':
          piece = "\\n";
          break;
        case '\r':
          piece = "\\r";
          break;
        case '\t':
          piece = "\\t";
          break;
        case '\\':
          piece = backslash ? "\\\\" : "\\";
          break;
        default:
          if (c < 0x20 || c == 0x7F) {
            piece = detail::hex_byte(c);
          } else {
            piece.assign(1, static_cast<char>(c));
          }
      }
    } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(s[i + 1]));
      piece = buf;  // a C1 control character
    } else {
      piece.assign(s.substr(i, n));
    }
    if (out.size() + piece.size() > max) {
      return out + "…[cut, " + std::to_string(s.size()) + " bytes]";
    }
    out += piece;
    i += std::max<std::size_t>(n, 1);
  }
  return out;
}

}  // namespace approvald::echo
