// Bounded, printable copies of input for error messages, headers, logs and terminals: the one
// place that escapes and cuts echoed text. A value copied from an event, a request or a file into
// a diagnostic, a dead-letter header or a terminal must not be able to make that message huge (a
// 500 KB `type`), to split a header ("\r\n") or to carry a terminal escape into a log.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rules {

inline constexpr std::size_t kEchoMaxBytes = 200;

// `s` with the backslash (\\), C0 control characters and DEL (\n, \r, \t, \xNN), the C1 controls
// U+0080–U+009F (\u00NN: U+009B is a CSI on many terminals) and every byte that is not valid
// UTF-8 (\xNN) escaped as printable ASCII; other valid UTF-8 is kept. At most `max_bytes` of
// output, cut on a character boundary and then marked "…[cut: N bytes]" with the input's full
// size (the marker is not counted in `max_bytes` and is at most 32 bytes).
std::string echo(std::string_view s, std::size_t max_bytes = kEchoMaxBytes);

// As echo(), but a backslash passes as it is: for a message that may quote values escaped already
// (quoted()), so that escapes made before stay single — safe(safe(x)) == safe(x).
std::string safe(std::string_view s, std::size_t max_bytes = kEchoMaxBytes);

// "'" + echo(s) + "'": how a message quotes a value it got.
std::string quoted(std::string_view s, std::size_t max_bytes = kEchoMaxBytes);

// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view s);

// The length (1–4) of the well-formed UTF-8 sequence starting at s[i], or 0 if there is none.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// The length of the longest prefix of `s` of at most `max_bytes` bytes that does not end inside
// a valid UTF-8 character (a byte that is not valid UTF-8 counts as one character).
std::size_t utf8_prefix(std::string_view s, std::size_t max_bytes);

}  // namespace rules
