// Bounded, printable copies of input for error messages. A value copied from an event or a file
// into a diagnostic, a dead-letter header or a terminal must not be able to make that message
// huge (a 500 KB `type`) or to carry control characters (`\r\n` into a header, a terminal escape
// into a log).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rules {

inline constexpr std::size_t kEchoMaxBytes = 200;

// `s` with backslash, control characters, DEL and bytes that are not valid UTF-8 escaped
// (\\, \n, \r, \t, \xNN), cut on a character boundary once the output reaches `max_bytes` and
// then marked "…[cut: N bytes]" with the input's full size.
std::string echo(std::string_view s, std::size_t max_bytes = kEchoMaxBytes);

// "'" + echo(s) + "'": how a message quotes a value it got.
std::string quoted(std::string_view s, std::size_t max_bytes = kEchoMaxBytes);

// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view s);

}  // namespace rules
