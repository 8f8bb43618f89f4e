// Reads yaml-cpp nodes while collecting every problem with its place, so that a loader can report
// all errors of a file at once instead of stopping at the first.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "rules/diagnostic.h"

namespace rules::detail {

class YamlReader {
 public:
  YamlReader(std::string file, Diagnostics* out) : file_(std::move(file)), out_(out) {}

  // Parses a whole document; on a syntax error records it and returns an undefined node.
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
  std::optional<double> number(const YAML::Node& n, std::string_view what);
  std::optional<bool> boolean(const YAML::Node& n, std::string_view what);

 private:
  std::string file_;
  Diagnostics* out_;
  int errors_ = 0;
};

// Joins a path for messages: path("rules[2]", "clock") -> "rules[2].clock".
std::string path(std::string_view base, std::string_view key);
std::string index_path(std::string_view base, std::size_t i);

}  // namespace rules::detail
