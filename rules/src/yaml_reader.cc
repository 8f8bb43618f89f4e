#include "rules/yaml_reader.h"

#include <charconv>

namespace rules::detail {

std::string path(std::string_view base, std::string_view key) {
  if (base.empty()) return std::string(key);
  std::string out(base);
  out += '.';
  out += key;
  return out;
}

std::string index_path(std::string_view base, std::size_t i) {
  return std::string(base) + '[' + std::to_string(i) + ']';
}

std::optional<YAML::Node> YamlReader::parse(std::string_view text) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    error_at_line(e.mark.line + 1, e.mark.column + 1, "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
}

void YamlReader::error(const YAML::Node& at, const std::string& message) {
  const YAML::Mark m = at.IsDefined() ? at.Mark() : YAML::Mark::null_mark();
  if (m.is_null()) {
    error_at_line(0, 0, message);
  } else {
    error_at_line(m.line + 1, m.column + 1, message);
  }
}

void YamlReader::error_at_line(int line, int column, const std::string& message) {
  ++errors_;
  out_->push_back(Diagnostic{file_, line, column, message});
}

void YamlReader::check_keys(const YAML::Node& map, std::initializer_list<std::string_view> known,
                            std::string_view where) {
  if (!map.IsMap()) return;
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    bool found = false;
    for (std::string_view k : known) found = found || k == key;
    if (!found) {
      std::string allowed;
      for (std::string_view k : known) {
        if (!allowed.empty()) allowed += ", ";
        allowed += k;
      }
      error(kv.first, path(where, key) + ": unknown key (expected one of: " + allowed + ")");
    }
  }
}

bool YamlReader::expect_map(const YAML::Node& n, std::string_view what) {
  if (n.IsMap()) return true;
  error(n, std::string(what) + ": must be a mapping");
  return false;
}

bool YamlReader::expect_sequence(const YAML::Node& n, std::string_view what) {
  if (n.IsSequence()) return true;
  error(n, std::string(what) + ": must be a list");
  return false;
}

std::optional<std::string> YamlReader::string(const YAML::Node& map, std::string_view key,
                                              std::string_view where, bool required) {
  const YAML::Node n = map[std::string(key)];
  if (!n.IsDefined() || n.IsNull()) {
    if (required) error(map, path(where, key) + ": required");
    return std::nullopt;
  }
  if (!n.IsScalar()) {
    error(n, path(where, key) + ": must be a string");
    return std::nullopt;
  }
  if (required && n.Scalar().empty()) {
    error(n, path(where, key) + ": must not be empty");
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<std::int64_t> YamlReader::integer(const YAML::Node& n, std::string_view what,
                                                std::int64_t min, std::int64_t max) {
  if (!n.IsScalar()) {
    error(n, std::string(what) + ": must be a whole number");
    return std::nullopt;
  }
  const std::string& s = n.Scalar();
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    error(n, std::string(what) + ": must be a whole number, got '" + s + "'");
    return std::nullopt;
  }
  if (v < min || v > max) {
    error(n, std::string(what) + ": must be between " + std::to_string(min) + " and " +
                 std::to_string(max) + ", got " + s);
    return std::nullopt;
  }
  return v;
}

std::optional<std::int64_t> YamlReader::integer(const YAML::Node& map, std::string_view key,
                                                std::string_view where, bool required,
                                                std::int64_t min, std::int64_t max) {
  const YAML::Node n = map[std::string(key)];
  if (!n.IsDefined() || n.IsNull()) {
    if (required) error(map, path(where, key) + ": required");
    return std::nullopt;
  }
  return integer(n, path(where, key), min, max);
}

std::optional<double> YamlReader::number(const YAML::Node& n, std::string_view what) {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    double v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && ptr == s.data() + s.size()) return v;
  }
  error(n, std::string(what) + ": must be a number");
  return std::nullopt;
}

std::optional<bool> YamlReader::boolean(const YAML::Node& n, std::string_view what) {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s == "true") return true;
    if (s == "false") return false;
  }
  error(n, std::string(what) + ": must be true or false");
  return std::nullopt;
}

}  // namespace rules::detail
