#include "rules/yaml_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include "rules/echo.h"

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

bool non_finite_number(std::string_view s) {
  std::string t;
  for (char c : s) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!t.empty() && (t.front() == '+' || t.front() == '-')) t.erase(0, 1);
  if (!t.empty() && t.front() == '.') t.erase(0, 1);
  return t == "nan" || t == "inf" || t == "infinity";
}

std::optional<YAML::Node> YamlReader::parse(std::string_view text) {
  if (text.size() > kMaxYamlBytes) {
    error_at_line(0, 0, "larger than " + std::to_string(kMaxYamlBytes) + " bytes");
    return std::nullopt;
  }
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    error_at_line(e.mark.line + 1, e.mark.column + 1, "YAML syntax error: " + echo(e.msg));
    return std::nullopt;
  }
  // A node nested too deep or an alias cycle has said why already.
  if (check_duplicate_keys(doc, "", 0) > kMaxYamlNodes && ok()) {
    error_at_line(
        0, 0,
        "more than " + std::to_string(kMaxYamlNodes) + " values once its aliases are expanded");
  }
  if (!ok()) return std::nullopt;
  return doc;
}

std::string YamlReader::place(const YAML::Mark& m) const {
  return file_ + ':' + std::to_string(m.line + 1) + ':' + std::to_string(m.column + 1);
}

std::size_t YamlReader::check_duplicate_keys(const YAML::Node& n, const std::string& where,
                                             int depth) {
  // yaml-cpp keeps every pair of a mapping in document order but answers a lookup with the first
  // one: a second `limit:` would be read as if it were not there.
  constexpr int kMaxDepth = 64;
  constexpr std::size_t kTooMany = kMaxYamlNodes + 1;
  constexpr std::size_t kInProgress = static_cast<std::size_t>(-1);
  if (!n.IsMap() && !n.IsSequence()) return 1;
  if (depth > kMaxDepth) {
    error(n, (where.empty() ? std::string("document") : where) + ": nested deeper than " +
                 std::to_string(kMaxDepth) + " levels");
    return kTooMany;
  }
  // An alias is the node it refers to: each node is checked once and its size remembered, so
  // that `*a` repeated costs nothing here and is still counted at its full size.
  const auto key = static_cast<std::size_t>(n.Mark().pos);
  if (const auto it = expanded_.find(key); it != expanded_.end()) {
    if (it->second == kInProgress) {
      error(n, (where.empty() ? std::string("document") : where) +
                   ": an alias refers to a node that contains it");
      return kTooMany;
    }
    return it->second;
  }
  expanded_[key] = kInProgress;
  std::size_t total = 1;
  const auto add = [&](std::size_t k) { total = std::min(kTooMany, total + k); };
  if (n.IsSequence()) {
    std::size_t i = 0;
    for (const auto& e : n) {
      add(check_duplicate_keys(e, index_path(where, i++), depth + 1));
      if (total >= kTooMany) break;
    }
  } else {
    std::unordered_map<std::string, YAML::Mark> seen;
    for (const auto& kv : n) {
      const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
      if (kv.first.IsScalar()) {
        const auto [it, fresh] = seen.emplace(k, kv.first.Mark());
        if (!fresh) {
          error(kv.first,
                path(where, echo(k)) + ": duplicate key (first at " + place(it->second) + ")");
        }
      }
      add(1 + check_duplicate_keys(kv.second, path(where, echo(k)), depth + 1));
      if (total >= kTooMany) break;
    }
  }
  expanded_[key] = total;
  return total;
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
  if (errors_ <= kMaxDiagnosticsPerFile) {
    out_->push_back(Diagnostic{file_, line, column, message});
    return;
  }
  // One closing line, kept up to date, instead of every further diagnostic.
  if (errors_ == kMaxDiagnosticsPerFile + 1) out_->push_back(Diagnostic{file_, 0, 0, ""});
  Diagnostic& closing = out_->at(first_ + kMaxDiagnosticsPerFile);
  closing.omitted = errors_ - kMaxDiagnosticsPerFile;
  closing.message = more_errors(closing.omitted);
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
      error(kv.first, path(where, echo(key)) + ": unknown key (expected one of: " + allowed + ")");
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
    error(n, std::string(what) + ": must be a whole number, got " + quoted(s));
    return std::nullopt;
  }
  if (v < min || v > max) {
    error(n, std::string(what) + ": must be between " + std::to_string(min) + " and " +
                 std::to_string(max) + ", got " + echo(s));
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
    if (ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(v)) return v;
    if ((ec == std::errc() && ptr == s.data() + s.size()) || non_finite_number(s)) {
      error(n, std::string(what) + ": must be a finite number, got " + quoted(s));
      return std::nullopt;
    }
    error(n, std::string(what) + ": must be a number, got " + quoted(s));
    return std::nullopt;
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
