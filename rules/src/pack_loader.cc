// YAML → RulePack, reporting every problem with its place. The language is described in
// docs/rules.md; keep the two in step.
#include <algorithm>
#include <set>
#include <type_traits>

#include "rules/echo.h"
#include "rules/pack.h"
#include "rules/yaml_reader.h"

namespace rules {
namespace {

using detail::index_path;
using detail::path;
using detail::YamlReader;

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return id.front() != '-';
}

bool valid_field_path(std::string_view p) {
  return p == "agency" || p == "item" || p == "officer" || p == "applicant" ||
         (p.rfind("data.", 0) == 0 && p.size() > 5);
}

class PackParser {
 public:
  PackParser(YamlReader& r) : r_(r) {}

  std::optional<std::string> field_path(const YAML::Node& n, const std::string& where,
                                        bool data_only) {
    if (!n.IsScalar()) {
      r_.error(n, where + ": must be a field path such as data.reason");
      return std::nullopt;
    }
    const std::string& p = n.Scalar();
    if (data_only ? (p.rfind("data.", 0) != 0 || p.size() <= 5) : !valid_field_path(p)) {
      r_.error(n,
               where + ": " + quoted(p) + " is not a field path (" +
                   (data_only ? "data.<key>" : "agency, item, officer, applicant or data.<key>") +
                   ")");
      return std::nullopt;
    }
    return p;
  }

  std::vector<std::string> field_paths(const YAML::Node& n, const std::string& where) {
    std::vector<std::string> out;
    if (!n.IsDefined()) return out;
    if (n.IsScalar()) {
      if (auto p = field_path(n, where, false)) out.push_back(*p);
      return out;
    }
    if (!r_.expect_sequence(n, where)) return out;
    for (std::size_t i = 0; i < n.size(); ++i) {
      if (auto p = field_path(n[i], index_path(where, i), false)) out.push_back(*p);
    }
    return out;
  }

  std::vector<std::string> scalars(const YAML::Node& n, const std::string& where) {
    std::vector<std::string> out;
    if (!r_.expect_sequence(n, where)) return out;
    for (std::size_t i = 0; i < n.size(); ++i) {
      if (!n[i].IsScalar()) {
        r_.error(n[i], index_path(where, i) + ": must be a plain value");
      } else {
        out.push_back(n[i].Scalar());
      }
    }
    if (out.empty()) r_.error(n, where + ": must list at least one value");
    return out;
  }

  std::optional<Matcher> matcher(const YAML::Node& n, const std::string& where) {
    Matcher m;
    // Bound once: yaml-cpp's Node::operator= writes through to the node it refers to.
    const YAML::Node type_node = n.IsMap() ? n["type"] : n;
    if (n.IsMap()) {
      r_.check_keys(n, {"type", "where"}, where);
      if (!type_node.IsDefined()) {
        r_.error(n, where + ".type: required");
        return std::nullopt;
      }
    }
    if (!type_node.IsScalar()) {
      r_.error(n, where + ": must be an event type or {type: ..., where: {...}}");
      return std::nullopt;
    }
    const auto t = parse_event_type(type_node.Scalar());
    if (!t) {
      r_.error(type_node, where + ": unknown event type " + quoted(type_node.Scalar()));
      return std::nullopt;
    }
    m.type = *t;
    if (n.IsMap() && n["where"].IsDefined()) {
      const YAML::Node w = n["where"];
      const std::string ww = where + ".where";
      if (r_.expect_map(w, ww)) {
        for (const auto& kv : w) {
          const auto p = field_path(kv.first, ww, false);
          if (!p) continue;
          const std::string cw = path(ww, *p);
          Condition c;
          c.path = *p;
          const YAML::Node& v = kv.second;
          if (v.IsScalar()) {
            c.op = Condition::Op::kEquals;
            c.values.push_back(v.Scalar());
          } else if (v.IsMap() && v.size() == 1) {
            const std::string op = v.begin()->first.Scalar();
            const YAML::Node arg = v.begin()->second;
            if (op == "in" || op == "not_in") {
              c.op = op == "in" ? Condition::Op::kIn : Condition::Op::kNotIn;
              c.values = scalars(arg, path(cw, op));
            } else if (op == "exists") {
              const auto b = r_.boolean(arg, path(cw, op));
              if (!b) continue;
              c.op = *b ? Condition::Op::kExists : Condition::Op::kAbsent;
            } else {
              r_.error(v.begin()->first, cw + ": unknown operator " + quoted(op) +
                                             " (expected in, not_in or exists)");
              continue;
            }
          } else {
            r_.error(v, cw + ": must be a value or one of {in: [...]}, {not_in: [...]}, {exists: "
                             "true|false}");
            continue;
          }
          m.where.push_back(std::move(c));
        }
      }
    }
    return m;
  }

  // A single matcher or a list of them.
  Matchers matchers(const YAML::Node& n, const std::string& where, bool required) {
    Matchers out;
    if (!n.IsDefined() || n.IsNull()) {
      if (required) r_.error(n, where + ": required");
      return out;
    }
    if (n.IsSequence()) {
      for (std::size_t i = 0; i < n.size(); ++i) {
        if (auto m = matcher(n[i], index_path(where, i))) out.push_back(std::move(*m));
      }
      if (n.size() == 0) r_.error(n, where + ": must name at least one event");
    } else if (auto m = matcher(n, where)) {
      out.push_back(std::move(*m));
    }
    return out;
  }

  // {working_days: N} | {calendar_days: N} | {hours: N}
  std::optional<std::pair<Unit, std::int64_t>> amount(const YAML::Node& n,
                                                      const std::string& where) {
    if (!n.IsMap() || n.size() != 1) {
      r_.error(n, where + ": must be one of {working_days: N}, {calendar_days: N}, {hours: N}");
      return std::nullopt;
    }
    const std::string unit = n.begin()->first.Scalar();
    Unit u;
    if (unit == "working_days") {
      u = Unit::kWorkingDays;
    } else if (unit == "calendar_days") {
      u = Unit::kCalendarDays;
    } else if (unit == "hours") {
      u = Unit::kHours;
    } else {
      r_.error(n.begin()->first, where + ": unknown unit " + quoted(unit) +
                                     " (working_days, calendar_days or hours)");
      return std::nullopt;
    }
    const auto v = r_.integer(n.begin()->second, path(where, unit), 0, 100000);
    if (!v) return std::nullopt;
    return std::make_pair(u, *v);
  }

  void clock(const YAML::Node& n, const std::string& w, Rule& rule) {
    ClockSpec c;
    c.start = matchers(n["start"], path(w, "start"), true);
    c.restart = matchers(n["restart"], path(w, "restart"), false);
    c.stop = matchers(n["stop"], path(w, "stop"), true);
    // Linear in the matchers: a list of thousands must not give millions of comparisons.
    TypeMask unconditional_starts = 0;
    for (const Matcher& s : c.start) {
      if (s.where.empty()) unconditional_starts |= type_bit(s.type);
    }
    TypeMask reported = 0;
    for (const Matcher& t : c.stop) {
      const TypeMask m = type_bit(t.type);
      if (t.where.empty() && (unconditional_starts & m) != 0 && (reported & m) == 0) {
        reported |= m;
        r_.error(n["stop"], path(w, "stop") + ": '" + std::string(to_string(t.type)) +
                                "' both starts and stops the clock");
      }
    }
    if (const YAML::Node p = n["pause"]; p.IsDefined()) {
      const std::string pw = path(w, "pause");
      if (r_.expect_map(p, pw)) {
        r_.check_keys(p, {"start", "end", "pair_by"}, pw);
        PauseSpec ps;
        ps.start = matchers(p["start"], path(pw, "start"), true);
        ps.end = matchers(p["end"], path(pw, "end"), true);
        if (p["pair_by"].IsDefined()) {
          ps.pair_by = field_path(p["pair_by"], path(pw, "pair_by"), false).value_or("");
        }
        c.pause = std::move(ps);
      }
    }
    if (const YAML::Node x = n["extension"]; x.IsDefined()) {
      const std::string xw = path(w, "extension");
      if (r_.expect_map(x, xw)) {
        r_.check_keys(x, {"on", "days_field", "max_days", "max_count", "require"}, xw);
        ExtensionSpec es;
        es.on = matchers(x["on"], path(xw, "on"), true);
        if (!x["days_field"].IsDefined()) {
          r_.error(x, path(xw, "days_field") + ": required");
        } else {
          es.days_field = field_path(x["days_field"], path(xw, "days_field"), true).value_or("");
        }
        es.max_days = r_.integer(x, "max_days", xw, true, 0, 10000).value_or(0);
        es.max_count = r_.integer(x, "max_count", xw, false, 1, 1000).value_or(1);
        es.require = field_paths(x["require"], path(xw, "require"));
        c.extension = std::move(es);
      }
    }
    const YAML::Node lim = n["limit"];
    const std::string lw = path(w, "limit");
    if (!lim.IsDefined()) {
      r_.error(n, lw + ": required");
    } else if (lim.IsMap() && lim["field"].IsDefined()) {
      r_.check_keys(lim, {"field", "unit"}, lw);
      c.limit.from_field = field_path(lim["field"], path(lw, "field"), true).value_or("");
      const auto unit = r_.string(lim, "unit", lw, true).value_or("");
      if (unit == "working_days") {
        c.limit.unit = Unit::kWorkingDays;
      } else if (unit == "calendar_days") {
        c.limit.unit = Unit::kCalendarDays;
      } else if (unit == "hours") {
        c.limit.unit = Unit::kHours;
      } else if (!unit.empty()) {
        r_.error(lim["unit"], path(lw, "unit") + ": unknown unit " + quoted(unit));
      }
    } else if (auto a = amount(lim, lw)) {
      c.limit.unit = a->first;
      c.limit.fixed = a->second;
    }
    const YAML::Node st = n["stages"];
    const std::string sw = path(w, "stages");
    if (!st.IsDefined()) {
      r_.error(n, sw + ": required (at least the breach stage: {level: red, at: due})");
    } else if (r_.expect_sequence(st, sw)) {
      std::set<Level> levels;
      int breaches = 0;
      for (std::size_t i = 0; i < st.size(); ++i) {
        const std::string iw = index_path(sw, i);
        if (!r_.expect_map(st[i], iw)) continue;
        r_.check_keys(st[i], {"level", "at", "before", "title"}, iw);
        Stage s;
        const auto lvl = r_.string(st[i], "level", iw, true);
        if (lvl) {
          if (auto l = parse_level(*lvl)) {
            s.level = *l;
            if (!levels.insert(*l).second)
              r_.error(st[i]["level"], path(iw, "level") + ": level used by two stages");
          } else {
            r_.error(st[i]["level"],
                     path(iw, "level") + ": " + quoted(*lvl) + " is not reminder, yellow or red");
          }
        }
        s.title = r_.string(st[i], "title", iw, false).value_or("");
        const bool has_at = st[i]["at"].IsDefined();
        const bool has_before = st[i]["before"].IsDefined();
        if (has_at == has_before) {
          r_.error(st[i], iw + ": give exactly one of 'at: due' or 'before: {<unit>: N}'");
          continue;
        }
        if (has_at) {
          if (!st[i]["at"].IsScalar() || st[i]["at"].Scalar() != "due") {
            r_.error(st[i]["at"], path(iw, "at") + ": must be 'due'");
          }
          s.at_due = true;
          ++breaches;
        } else if (auto a = amount(st[i]["before"], path(iw, "before"))) {
          s.at_due = false;
          s.before = a->second;
          if (a->first != c.limit.unit) {
            r_.error(st[i]["before"], path(iw, "before") + ": unit must match the limit's unit (" +
                                          std::string(to_string(c.limit.unit)) + ")");
          }
          if (s.before == 0) r_.error(st[i]["before"], path(iw, "before") + ": must be at least 1");
        }
        c.stages.push_back(std::move(s));
      }
      if (breaches > 1) r_.error(st, sw + ": only one stage may be 'at: due'");
      if (c.stages.empty()) r_.error(st, sw + ": at least one stage is needed");
      // Warnings first, furthest from the due point first; the breach last.
      std::stable_sort(c.stages.begin(), c.stages.end(), [](const Stage& a, const Stage& b) {
        if (a.at_due != b.at_due) return !a.at_due;
        return a.before > b.before;
      });
    }
    rule.spec = std::move(c);
  }

  void check(const YAML::Node& n, const std::string& w, Rule& rule) {
    CheckSpec c;
    c.on = matchers(n["on"], path(w, "on"), true);
    c.max_count = r_.integer(n, "max_count", w, false, 0, 1000000).value_or(-1);
    c.require = field_paths(n["require"], path(w, "require"));
    if (const YAML::Node mx = n["max"]; mx.IsDefined() && r_.expect_map(mx, path(w, "max"))) {
      for (const auto& kv : mx) {
        const auto p = field_path(kv.first, path(w, "max"), false);
        const auto v = r_.number(kv.second, path(path(w, "max"), echo(kv.first.Scalar())));
        if (p && v) c.max.emplace_back(*p, *v);
      }
    }
    c.requires_prior = matchers(n["requires_prior"], path(w, "requires_prior"), false);
    if (c.max_count < 0 && c.require.empty() && c.max.empty() && c.requires_prior.empty()) {
      r_.error(n, w + ": a check needs at least one of max_count, require, max, requires_prior");
    }
    rule.spec = std::move(c);
  }

  void fee(const YAML::Node& n, const std::string& w, Rule& rule) {
    FeeSpec f;
    f.on = n["on"].IsDefined() ? matchers(n["on"], path(w, "on"), true)
                               : Matchers{Matcher{EventType::kFeeCharged, {}}};
    const YAML::Node cat = n["catalogue"];
    const std::string cw = path(w, "catalogue");
    if (cat.IsDefined() && r_.expect_sequence(cat, cw)) {
      for (std::size_t i = 0; i < cat.size(); ++i) {
        const std::string iw = index_path(cw, i);
        if (!r_.expect_map(cat[i], iw)) continue;
        r_.check_keys(cat[i], {"item", "fee_item", "max_fen", "basis"}, iw);
        FeeEntry e;
        e.item = r_.string(cat[i], "item", iw, true).value_or("");
        e.fee_item = r_.string(cat[i], "fee_item", iw, false).value_or("");
        e.max_fen = r_.integer(cat[i], "max_fen", iw, true, 0, INT64_MAX).value_or(0);
        e.basis = r_.string(cat[i], "basis", iw, true).value_or("");
        f.catalogue.push_back(std::move(e));
      }
    }
    rule.spec = std::move(f);
  }

  void benchmark(const YAML::Node& n, const std::string& w, Rule& rule) {
    BenchmarkSpec b;
    b.on = n["on"].IsDefined() ? matchers(n["on"], path(w, "on"), true)
                               : Matchers{Matcher{EventType::kPenaltyDecided, {}}};
    const YAML::Node bs = n["benchmarks"];
    const std::string bw = path(w, "benchmarks");
    if (!bs.IsDefined()) {
      r_.error(n, bw + ": required");
    } else if (r_.expect_sequence(bs, bw)) {
      std::set<std::string> ids;
      for (std::size_t i = 0; i < bs.size(); ++i) {
        const std::string iw = index_path(bw, i);
        if (!r_.expect_map(bs[i], iw)) continue;
        r_.check_keys(bs[i], {"id", "title", "violations"}, iw);
        Benchmark bm;
        bm.id = r_.string(bs[i], "id", iw, true).value_or("");
        if (!bm.id.empty() && !ids.insert(bm.id).second)
          r_.error(bs[i]["id"], path(iw, "id") + ": duplicate benchmark id");
        const YAML::Node vs = bs[i]["violations"];
        const std::string vw = path(iw, "violations");
        if (!vs.IsDefined()) {
          r_.error(bs[i], vw + ": required");
        } else if (r_.expect_sequence(vs, vw)) {
          for (std::size_t j = 0; j < vs.size(); ++j) {
            const std::string jw = index_path(vw, j);
            if (!r_.expect_map(vs[j], jw)) continue;
            r_.check_keys(vs[j], {"code", "title", "tiers"}, jw);
            Violation v;
            v.code = r_.string(vs[j], "code", jw, true).value_or("");
            const YAML::Node ts = vs[j]["tiers"];
            const std::string tw = path(jw, "tiers");
            if (!ts.IsDefined()) {
              r_.error(vs[j], tw + ": required");
            } else if (r_.expect_sequence(ts, tw)) {
              for (std::size_t k = 0; k < ts.size(); ++k) {
                if (auto t = tier(ts[k], index_path(tw, k))) v.tiers.push_back(std::move(*t));
              }
            }
            bm.violations.push_back(std::move(v));
          }
        }
        b.benchmarks.push_back(std::move(bm));
      }
    }
    rule.spec = std::move(b);
  }

  std::optional<Tier> tier(const YAML::Node& n, const std::string& w) {
    if (!r_.expect_map(n, w)) return std::nullopt;
    r_.check_keys(n, {"tier", "title", "fixed_fen", "range_fen", "proportion"}, w);
    Tier t;
    t.name = r_.string(n, "tier", w, true).value_or("");
    const int shapes =
        n["fixed_fen"].IsDefined() + n["range_fen"].IsDefined() + n["proportion"].IsDefined();
    if (shapes != 1) {
      r_.error(
          n,
          w + ": give exactly one of fixed_fen, range_fen [min, max], proportion {base, min, max}");
      return std::nullopt;
    }
    if (n["fixed_fen"].IsDefined()) {
      t.shape = Tier::Shape::kFixed;
      t.min_fen = t.max_fen =
          r_.integer(n["fixed_fen"], path(w, "fixed_fen"), 0, INT64_MAX).value_or(0);
    } else if (const YAML::Node r = n["range_fen"]; r.IsDefined()) {
      t.shape = Tier::Shape::kRange;
      if (!r.IsSequence() || r.size() != 2) {
        r_.error(r, path(w, "range_fen") + ": must be [min, max]");
        return std::nullopt;
      }
      t.min_fen = r_.integer(r[0], path(w, "range_fen[0]"), 0, INT64_MAX).value_or(0);
      t.max_fen = r_.integer(r[1], path(w, "range_fen[1]"), 0, INT64_MAX).value_or(0);
      if (t.max_fen < t.min_fen) r_.error(r, path(w, "range_fen") + ": max is below min");
    } else {
      const YAML::Node p = n["proportion"];
      const std::string pw = path(w, "proportion");
      if (!r_.expect_map(p, pw)) return std::nullopt;
      r_.check_keys(p, {"base", "min", "max"}, pw);
      t.shape = Tier::Shape::kProportion;
      if (!p["base"].IsDefined()) {
        r_.error(p, path(pw, "base") + ": required");
      } else {
        t.base_field = field_path(p["base"], path(pw, "base"), true).value_or("");
      }
      t.min_ratio = p["min"].IsDefined() ? r_.number(p["min"], path(pw, "min")).value_or(0) : 0;
      if (!p["max"].IsDefined()) r_.error(p, path(pw, "max") + ": required");
      t.max_ratio = p["max"].IsDefined() ? r_.number(p["max"], path(pw, "max")).value_or(0) : 0;
      if (t.max_ratio < t.min_ratio) r_.error(p, pw + ": max is below min");
    }
    return t;
  }

 private:
  YamlReader& r_;
};

}  // namespace

std::variant<std::shared_ptr<const RulePack>, Diagnostics> RulePack::load(std::string_view text,
                                                                          std::string file_name) {
  Diagnostics diags;
  YamlReader r(std::move(file_name), &diags);
  const auto doc = r.parse(text);
  if (!doc) return diags;
  const YAML::Node& root = *doc;
  if (!r.expect_map(root, "rule pack")) return diags;
  r.check_keys(root, {"pack", "version", "description", "rules"}, "");
  auto pack = std::make_shared<RulePack>();
  pack->name = r.string(root, "pack", "", true).value_or("");
  pack->version = r.string(root, "version", "", true).value_or("");
  pack->description = r.string(root, "description", "", false).value_or("");
  if (!pack->name.empty() && !valid_id(pack->name)) {
    r.error(root["pack"], "pack: " + quoted(pack->name) + " must use a-z, 0-9, '-', '_' or '.'");
  }
  PackParser p(r);
  const YAML::Node rules = root["rules"];
  std::set<std::string> ids;
  if (!rules.IsDefined()) {
    r.error(root, "rules: required");
  } else if (r.expect_sequence(rules, "rules")) {
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const YAML::Node n = rules[i];
      std::string w = index_path("rules", i);
      if (!r.expect_map(n, w)) continue;
      Rule rule;
      rule.id = r.string(n, "id", w, true).value_or("");
      if (!rule.id.empty()) {
        w = "rule " + echo(rule.id);
        if (!valid_id(rule.id)) r.error(n["id"], w + ": id must use a-z, 0-9, '-', '_' or '.'");
        if (!ids.insert(rule.id).second) r.error(n["id"], w + ": duplicate rule id");
      }
      rule.title = r.string(n, "title", w, true).value_or("");
      rule.pack = pack->id();
      const std::string kind = r.string(n, "kind", w, true).value_or("");
      if (kind != "clock") {
        if (const auto lvl = r.string(n, "level", w, true)) {
          if (auto l = parse_level(*lvl)) {
            rule.level = *l;
          } else {
            r.error(n["level"],
                    path(w, "level") + ": " + quoted(*lvl) + " is not reminder, yellow or red");
          }
        }
      }
      if (kind == "clock") {
        r.check_keys(n,
                     {"id", "title", "description", "kind", "start", "restart", "stop", "pause",
                      "extension", "limit", "stages"},
                     w);
        p.clock(n, w, rule);
      } else if (kind == "check") {
        r.check_keys(n,
                     {"id", "title", "description", "kind", "level", "on", "max_count", "require",
                      "max", "requires_prior"},
                     w);
        p.check(n, w, rule);
      } else if (kind == "fee") {
        r.check_keys(n, {"id", "title", "description", "kind", "level", "on", "catalogue"}, w);
        p.fee(n, w, rule);
      } else if (kind == "benchmark") {
        r.check_keys(n, {"id", "title", "description", "kind", "level", "on", "benchmarks"}, w);
        p.benchmark(n, w, rule);
      } else if (!kind.empty()) {
        r.error(n["kind"],
                path(w, "kind") + ": " + quoted(kind) + " is not clock, check, fee or benchmark");
      }
      rule.triggers = std::visit(
          [](const auto& spec) -> TypeMask {
            using T = std::decay_t<decltype(spec)>;
            if constexpr (std::is_same_v<T, ClockSpec>) {
              return mask_of(spec.start) | mask_of(spec.restart);
            } else {
              return mask_of(spec.on);
            }
          },
          rule.spec);
      pack->rules.push_back(std::move(rule));
    }
  }
  if (!r.ok()) return diags;
  return std::shared_ptr<const RulePack>(std::move(pack));
}

}  // namespace rules
