// Reads packs, calendars and event logs from disk, for the command line and the daemon's rule
// source. The only place that touches these files; everything it returns is checked by the pure
// loaders in rules/.
#pragma once

#include <cstddef>
#include <filesystem>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "rules/calendar.h"
#include "rules/pack.h"
#include "rules/yaml_reader.h"

namespace approvald::files {

template <typename T>
using Loaded = std::variant<std::shared_ptr<const T>, rules::Diagnostics>;

// The largest file read whole (packs, calendars, rule tests, the configuration): the YAML bound.
inline constexpr std::size_t kMaxFileBytes = rules::kMaxYamlBytes;
// The longest line of an event log (replay, explain): Kafka's default largest record, 1 MiB.
inline constexpr std::size_t kMaxEventLineBytes = std::size_t{1} << 20;

// The whole file, or std::nullopt with *err set ("larger than N bytes", "not a regular file (a
// directory)", "cannot open: …"). Only regular files are read: /dev/zero, a FIFO or a directory
// would otherwise hang or exhaust memory; at most max_bytes + 1 bytes are ever read.
std::optional<std::string> read_file(const std::filesystem::path& p, std::string* err,
                                     std::size_t max_bytes = kMaxFileBytes);

// Why `p` cannot be read as an event log, or std::nullopt: a regular file or a FIFO (so that
// `replay <(zcat log.gz)` works) is fine; a directory or a device is refused.
std::optional<std::string> unreadable_event_log(const std::filesystem::path& p);

// The next line of `in` without its '\n', at most max_bytes of it kept; *too_long tells whether
// more was there (the rest of that line is skipped). False at the end of input.
bool read_line(std::istream& in, std::string& line, std::size_t max_bytes, bool* too_long);

// A pack is a directory holding pack.yaml, or the YAML file itself.
Loaded<rules::RulePack> load_pack(const std::filesystem::path& p);
Loaded<rules::Calendar> load_calendar(const std::filesystem::path& p);
Loaded<rules::RuleSet> load_rules(const std::vector<std::filesystem::path>& packs);

// Prints diagnostics one per line; returns how many problems they stand for (a closing
// "… and N more" line counts N).
std::size_t print(const rules::Diagnostics& d, std::ostream& err);

}  // namespace approvald::files
