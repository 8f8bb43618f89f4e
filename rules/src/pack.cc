#include "rules/pack.h"

#include <algorithm>
#include <set>

namespace rules {
namespace {

constexpr std::string_view kLevelNames[] = {"reminder", "yellow", "red"};
constexpr std::string_view kUnitNames[] = {"working_days", "calendar_days", "hours"};

}  // namespace

std::string_view to_string(Level l) { return kLevelNames[static_cast<std::size_t>(l)]; }
std::string_view to_string(Unit u) { return kUnitNames[static_cast<std::size_t>(u)]; }

std::optional<Level> parse_level(std::string_view s) {
  for (std::size_t i = 0; i < std::size(kLevelNames); ++i) {
    if (kLevelNames[i] == s) return static_cast<Level>(i);
  }
  return std::nullopt;
}

namespace {

// A top-level string field ("agency", "item", "officer", "applicant"); nullptr when the path
// names none of them or the field is empty.
const std::string* top_level_field(const Event& e, std::string_view path) {
  const std::string* s = nullptr;
  if (path == "agency") {
    s = &e.agency;
  } else if (path == "item") {
    s = &e.item;
  } else if (path == "officer") {
    s = &e.officer;
  } else if (path == "applicant") {
    s = &e.applicant;
  }
  return s == nullptr || s->empty() ? nullptr : s;
}

// The text of a field without building a Value: data leaves are looked up in place.
const std::string* text_of(const Event& e, std::string_view path) {
  if (path.rfind("data.", 0) == 0) {
    const Value* v = e.data_field(path.substr(5));
    return v == nullptr || v->kind == Value::Kind::kNull ? nullptr : &v->text;
  }
  return top_level_field(e, path);
}

}  // namespace

const Value* field_of(const Event& e, std::string_view path, Value* scratch) {
  if (path.rfind("data.", 0) == 0) return e.data_field(path.substr(5));
  // Top-level strings are not stored as Values; materialise one in the caller's scratch slot.
  const std::string* s = top_level_field(e, path);
  if (s == nullptr) return nullptr;
  scratch->kind = Value::Kind::kString;
  scratch->text = *s;
  return scratch;
}

bool Condition::holds(const Event& e) const {
  const std::string* v = text_of(e, path);
  switch (op) {
    case Op::kExists:
      return v != nullptr;
    case Op::kAbsent:
      return v == nullptr;
    case Op::kEquals:
      return v != nullptr && *v == values.front();
    case Op::kIn:
      return v != nullptr && std::find(values.begin(), values.end(), *v) != values.end();
    case Op::kNotIn:
      return v == nullptr || std::find(values.begin(), values.end(), *v) == values.end();
  }
  return false;
}

TypeMask mask_of(const Matchers& ms) {
  TypeMask m = 0;
  for (const Matcher& x : ms) m |= type_bit(x.type);
  return m;
}

bool Matcher::matches(const Event& e) const {
  if (e.type != type) return false;
  for (const Condition& c : where) {
    if (!c.holds(e)) return false;
  }
  return true;
}

bool any_match(const Matchers& ms, const Event& e) {
  for (const Matcher& m : ms) {
    if (m.matches(e)) return true;
  }
  return false;
}

std::variant<std::shared_ptr<const RuleSet>, Diagnostics> RuleSet::combine(
    std::vector<std::shared_ptr<const RulePack>> packs) {
  auto set = std::make_shared<RuleSet>();
  Diagnostics diags;
  std::set<std::string> ids;
  std::set<std::string> names;
  for (const auto& p : packs) {
    if (!names.insert(p->name).second) {
      add_bounded(diags, Diagnostic{p->name, 0, 0, "pack '" + p->name + "' is given twice"});
    }
    for (const Rule& r : p->rules) {
      if (!ids.insert(r.id).second) {
        add_bounded(diags, Diagnostic{p->name, 0, 0,
                                      "rule id '" + r.id + "' is defined by more than one pack"});
      }
      set->rules_.push_back(&r);
    }
  }
  if (!diags.empty()) return diags;
  set->packs_ = std::move(packs);
  return std::shared_ptr<const RuleSet>(std::move(set));
}

const Rule* RuleSet::find(std::string_view id) const {
  for (const Rule* r : rules_) {
    if (r->id == id) return r;
  }
  return nullptr;
}

std::string RuleSet::id() const {
  std::string out;
  for (const auto& p : packs_) {
    if (!out.empty()) out += ',';
    out += p->id();
  }
  return out;
}

}  // namespace rules
