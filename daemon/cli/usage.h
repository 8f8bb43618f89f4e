// The command line's usage errors: CLI11 parsing that names what is wrong (an unknown command, a
// missing one, a bad value) and exits 2, and validators that check numbers before CLI11 converts
// them.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace approvald::cli {

// The exit code of every usage error (an exit 1 means the command ran and found a problem).
inline constexpr int kUsageError = 2;

// Parses `argv` into `app`. std::nullopt: a command is to run. Otherwise the exit code: 0 after
// --help or --version (printed to `out`), kUsageError after a usage error, printed to `err` with
// the command it concerns and, for an unknown or missing command, the commands there are.
std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv,
                                      std::ostream& out, std::ostream& err);

// Only digits, at most `max`. CLI11 2.1 converts "-3" for an unsigned option with strtoull, which
// wraps it to 2^64 - 3 (`generate --cases -3` then ran for minutes); checking the text first
// refuses it.
CLI::Validator whole_number(std::uint64_t max = UINT64_MAX);

// A finite number of at least `min` ("nan" passes CLI11's Range checks).
CLI::Validator number_at_least(double min);

// `s` for a message: rules::safe (at most `max` bytes, marked when cut, control characters
// escaped), so that an argument cannot reach the terminal as an escape sequence.
std::string shown(std::string_view s, std::size_t max = 200);

}  // namespace approvald::cli
