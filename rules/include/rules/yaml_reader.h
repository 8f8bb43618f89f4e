// Reads yaml-cpp nodes while collecting every problem with its place, so that a loader can report
// all errors of a file at once instead of stopping at the first.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "rules/diagnostic.h"

namespace rules {

// The largest YAML document (pack, calendar, rule test file, configuration) any loader accepts:
// 1 MiB, over 100 times the largest shipped file and twice a calendar of every supported year.
// yaml-cpp spends about 470 bytes per node, so 16 MiB of `[1,1,…]` took 3.9 GB and 35 s.
inline constexpr std::size_t kMaxYamlBytes = std::size_t{1} << 20;
// The most values (scalars, keys, lists, mappings) a document may stand for once its aliases are
// expanded: a 1 MiB file holds fewer than 600,000, while `*a` repeated in nested anchors grows
// exponentially (the "billion laughs"), and every loader walks the expanded tree.
inline constexpr std::size_t kMaxYamlNodes = 1'000'000;

}  // namespace rules

namespace rules::detail {

class YamlReader {
 public:
  YamlReader(std::string file, Diagnostics* out)
      : file_(std::move(file)), out_(out), first_(out->size()) {}

  // Parses a whole document; on a syntax error records it and returns std::nullopt. Also refuses
  // a text over kMaxYamlBytes and records every duplicate key of every mapping (yaml-cpp would
  // silently keep the first), with the places of both.
  std::optional<YAML::Node> parse(std::string_view text);

  void error(const YAML::Node& at, const std::string& message);
  void error_at_line(int line, int column, const std::string& message);
  bool ok() const { return errors_ == 0; }
  const std::string& file() const { return file_; }

  // Flags keys of a map that are not in `known` (catches typos such as "stages" -> "stage").
  void check_keys(const YAML::Node& map, std::initializer_list<std::string_view> known,
                  std::string_view where);

  bool expect_map(const YAML::Node& n, std::string_view what);
  bool expect_sequence(const YAML::Node& n, std::string_view what);

  std::optional<std::string> string(const YAML::Node& map, std::string_view key,
                                    std::string_view where, bool required);
  std::optional<std::int64_t> integer(const YAML::Node& n, std::string_view what, std::int64_t min,
                                      std::int64_t max);
  std::optional<std::int64_t> integer(const YAML::Node& map, std::string_view key,
                                      std::string_view where, bool required, std::int64_t min,
                                      std::int64_t max);
  // A finite number: nan, inf, .nan, .inf are refused (a limit of nan disables its check).
  std::optional<double> number(const YAML::Node& n, std::string_view what);
  std::optional<bool> boolean(const YAML::Node& n, std::string_view what);

 private:
  // Reports duplicate keys and returns how many values `n` stands for, aliases expanded.
  std::size_t check_duplicate_keys(const YAML::Node& n, const std::string& where, int depth);
  std::string place(const YAML::Mark& m) const;  // "file:line:col"

  std::string file_;
  Diagnostics* out_;
  std::size_t first_;  // where this file's diagnostics start in *out_
  std::size_t errors_ = 0;
  std::unordered_map<std::size_t, std::size_t> expanded_;  // container (by position) -> size
};

// Whether a YAML scalar spells a number that is not finite: nan, inf, infinity (any case, any
// sign) or YAML's .nan / .inf forms.
bool non_finite_number(std::string_view s);

// Joins a path for messages: path("rules[2]", "clock") -> "rules[2].clock".
std::string path(std::string_view base, std::string_view key);
std::string index_path(std::string_view base, std::size_t i);

}  // namespace rules::detail
