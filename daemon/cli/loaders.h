// Reads packs, calendars and event logs from disk for the command line. The only place in this
// layer that touches files; everything it returns is checked by the pure loaders in rules/.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "rules/calendar.h"
#include "rules/pack.h"

namespace approvald::cli {

template <typename T>
using Loaded = std::variant<std::shared_ptr<const T>, rules::Diagnostics>;

// The whole file, or std::nullopt with *err set.
std::optional<std::string> read_file(const std::filesystem::path& p, std::string* err);

// A pack is a directory holding pack.yaml, or the YAML file itself.
Loaded<rules::RulePack> load_pack(const std::filesystem::path& p);
Loaded<rules::Calendar> load_calendar(const std::filesystem::path& p);
Loaded<rules::RuleSet> load_rules(const std::vector<std::filesystem::path>& packs);

// Prints diagnostics one per line; returns how many.
std::size_t print(const rules::Diagnostics& d, std::ostream& err);

}  // namespace approvald::cli
