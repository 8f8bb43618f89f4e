// A rule pack: the typed form of a YAML pack, validated on load. See docs/rules.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rules/diagnostic.h"
#include "rules/event.h"

namespace rules {

enum class Level : std::uint8_t { kReminder, kYellow, kRed };
std::string_view to_string(Level l);
std::optional<Level> parse_level(std::string_view s);

enum class Unit : std::uint8_t { kWorkingDays, kCalendarDays, kHours };
std::string_view to_string(Unit u);

// A test on one event field. `path` is "agency", "item", "officer", "applicant" or "data.<key>".
struct Condition {
  enum class Op : std::uint8_t { kEquals, kIn, kNotIn, kExists, kAbsent };
  std::string path;
  Op op = Op::kEquals;
  std::vector<std::string> values;

  bool holds(const Event& e) const;
};

// A bit per EventType, to skip rules that no event of a case can trigger.
using TypeMask = std::uint32_t;
inline constexpr TypeMask type_bit(EventType t) { return TypeMask{1} << static_cast<unsigned>(t); }

// Matches events of one type whose fields satisfy every condition.
struct Matcher {
  EventType type = EventType::kReceived;
  std::vector<Condition> where;

  bool matches(const Event& e) const;
};
using Matchers = std::vector<Matcher>;
bool any_match(const Matchers& ms, const Event& e);
TypeMask mask_of(const Matchers& ms);

// Looks a field up by its pack path; nullptr when absent.
const Value* field_of(const Event& e, std::string_view path, Value* scratch);

struct Stage {
  Level level = Level::kRed;
  bool at_due = true;       // the breach stage
  std::int64_t before = 0;  // otherwise: this many limit units before the due point
  std::string title;        // optional; the rule's title otherwise
};

struct PauseSpec {
  Matchers start;
  Matchers end;
  std::string pair_by;  // data path; a pause ends only by an end event with the same value
};

struct ExtensionSpec {
  Matchers on;
  std::string days_field;  // data path holding the declared extension
  std::int64_t max_days = 0;
  std::int64_t max_count = 1;
  std::vector<std::string> require;  // paths that must be non-empty for the extension to count
};

struct LimitSpec {
  Unit unit = Unit::kWorkingDays;
  std::int64_t fixed = 0;
  std::string from_field;  // when set: the limit is read from this path of the start event
};

struct ClockSpec {
  Matchers start;
  Matchers restart;
  Matchers stop;
  std::optional<PauseSpec> pause;
  std::optional<ExtensionSpec> extension;
  LimitSpec limit;
  std::vector<Stage> stages;  // ordered by firing time: warnings first, the breach last
};

struct CheckSpec {
  Matchers on;
  std::int64_t max_count = -1;                      // -1: unlimited
  std::vector<std::string> require;                 // paths that must be non-empty
  std::vector<std::pair<std::string, double>> max;  // numeric upper bounds
  Matchers requires_prior;                          // an earlier event must match one of these
};

struct FeeEntry {
  std::string item;      // glob with '*'
  std::string fee_item;  // empty: any fee item
  std::int64_t max_fen = 0;
  std::string basis;
};
struct FeeSpec {
  Matchers on;
  std::vector<FeeEntry> catalogue;
};

struct Tier {
  std::string name;
  enum class Shape : std::uint8_t { kFixed, kRange, kProportion } shape = Shape::kFixed;
  std::int64_t min_fen = 0;
  std::int64_t max_fen = 0;
  double min_ratio = 0;
  double max_ratio = 0;
  std::string base_field;  // kProportion: data path of the base amount (fen)
};
struct Violation {
  std::string code;
  std::vector<Tier> tiers;
};
struct Benchmark {
  std::string id;
  std::vector<Violation> violations;
};
struct BenchmarkSpec {
  Matchers on;
  std::vector<Benchmark> benchmarks;
};

struct Rule {
  std::string id;
  std::string title;
  std::string pack;              // "name@version" of the pack that holds it
  Level level = Level::kYellow;  // non-clock rules
  std::variant<ClockSpec, CheckSpec, FeeSpec, BenchmarkSpec> spec;
  // Event types that can make this rule raise anything; a case with none of them is skipped.
  TypeMask triggers = 0;
};

struct RulePack {
  std::string name;
  std::string version;
  std::string description;
  std::vector<Rule> rules;
  std::string id() const { return name + '@' + version; }

  static std::variant<std::shared_ptr<const RulePack>, Diagnostics> load(std::string_view yaml,
                                                                         std::string file_name);
};

// The packs in force together; rule ids are unique across them.
class RuleSet {
 public:
  static std::variant<std::shared_ptr<const RuleSet>, Diagnostics> combine(
      std::vector<std::shared_ptr<const RulePack>> packs);

  const std::vector<const Rule*>& rules() const { return rules_; }
  const std::vector<std::shared_ptr<const RulePack>>& packs() const { return packs_; }
  const Rule* find(std::string_view id) const;
  // "cn-admin-licensing@2026.1,example-penalty-benchmark@2025.1"
  std::string id() const;

 private:
  std::vector<std::shared_ptr<const RulePack>> packs_;
  std::vector<const Rule*> rules_;
};

}  // namespace rules
