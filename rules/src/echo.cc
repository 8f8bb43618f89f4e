#include "rules/echo.h"

namespace rules {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// What one character (or one invalid byte) of input becomes in echoed text.
void append_escaped(std::string& out, std::string_view s, std::size_t i, std::size_t n,
                    bool escape_backslash) {
  const auto c = static_cast<unsigned char>(s[i]);
  // A byte that is not valid UTF-8 (n == 0), a C0 control or DEL: written as \xNN.
  if (n == 0 || (n == 1 && (c < 0x20 || c == 0x7F) && c != '\n' && c != '\r' && c != '\t')) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) {
    const auto c1 = static_cast<unsigned char>(s[i + 1]);  // a C1 control character
    out += "\\u00";
    out += kHex[c1 >> 4];
    out += kHex[c1 & 0xF];
  } else if (n > 1) {
    out.append(s.substr(i, n));
  } else if (c == '\n') {
    out += "\\n";
  } else if (c == '\r') {
    out += "\\r";
  } else if (c == '\t') {
    out += "\\t";
  } else if (c == '\\') {
    out += escape_backslash ? "\\\\" : "\\";
  } else {
    out += static_cast<char>(c);
  }
}

std::string escaped(std::string_view s, std::size_t max_bytes, bool escape_backslash) {
  std::string out;
  out.reserve((s.size() < max_bytes ? s.size() : max_bytes) + 8);
  std::string piece;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_length(s, i);
    piece.clear();
    append_escaped(piece, s, i, n, escape_backslash);
    // Escapes count as what they become, so the output itself is bounded.
    if (out.size() + piece.size() > max_bytes) {
      return out + "\xE2\x80\xA6[cut: " + std::to_string(s.size()) + " bytes]";
    }
    out += piece;
    i += n == 0 ? 1 : n;
  }
  return out;
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte (RFC 3629 table)
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
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

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::size_t utf8_prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s.size();
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t n = utf8_sequence_length(s, i);
    const std::size_t step = n == 0 ? 1 : n;
    if (i + step > max_bytes) break;
    i += step;
  }
  return i;
}

std::string echo(std::string_view s, std::size_t max_bytes) { return escaped(s, max_bytes, true); }

std::string safe(std::string_view s, std::size_t max_bytes) { return escaped(s, max_bytes, false); }

std::string quoted(std::string_view s, std::size_t max_bytes) {
  return '\'' + echo(s, max_bytes) + '\'';
}

}  // namespace rules
