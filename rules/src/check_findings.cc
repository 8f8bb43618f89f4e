// Violations found on single events: occurrence limits, order, required fields, fees and
// discretion benchmarks. Each violating event is one alert; the k-th violation of a rule in a
// case is its cycle k.
#include <cmath>
#include <string_view>

#include "findings.h"

namespace rules::detail {
namespace {

Finding violation(const Rule& rule, const Event& e, std::uint32_t ordinal, std::string reason,
                  const std::vector<Event>& events) {
  Finding f;
  f.rule = &rule;
  f.level = rule.level;
  f.cycle = ordinal;
  f.since = e.occurred_at;
  f.title = &rule.title;
  f.reason = std::move(reason);
  f.evidence[0] = static_cast<std::int32_t>(&e - events.data());
  f.officer_from_evidence = true;
  return f;
}

std::string join(const std::string& a, const std::string& b) {
  return a.empty() ? b : a + "; " + b;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative '*' matching with backtracking to the last star.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string number_text(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    return std::to_string(static_cast<std::int64_t>(v));
  return std::to_string(v);
}

std::string fen(std::int64_t v) { return std::to_string(v) + " fen"; }

// Whether the UTF-8 sequence at text[i] is a Unicode White_Space code point; *len is its length.
bool white_space_at(std::string_view text, std::size_t i, std::size_t* len) {
  *len = 1;
  const auto byte = [&](std::size_t k) {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0U;
  };
  const unsigned b0 = byte(0);
  if (b0 == ' ' || (b0 >= 0x09 && b0 <= 0x0D)) {
    *len = 1;
    return true;
  }
  if (b0 == 0xC2 && (byte(1) == 0x85 || byte(1) == 0xA0)) {  // NEL, no-break space
    *len = 2;
    return true;
  }
  if (b0 == 0xE1 && byte(1) == 0x9A && byte(2) == 0x80) {  // U+1680 ogham space mark
    *len = 3;
    return true;
  }
  if (b0 == 0xE2) {
    const unsigned b1 = byte(1), b2 = byte(2);
    // U+2000..U+200A, U+2028, U+2029, U+202F, U+205F
    const bool ws =
        (b1 == 0x80 && ((b2 >= 0x80 && b2 <= 0x8A) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF)) ||
        (b1 == 0x81 && b2 == 0x9F);
    *len = 3;
    return ws;
  }
  if (b0 == 0xE3 && byte(1) == 0x80 && byte(2) == 0x80) {  // U+3000 ideographic space
    *len = 3;
    return true;
  }
  return false;
}

}  // namespace

bool blank(const Value* v) {
  if (v == nullptr) return true;
  switch (v->kind) {
    case Value::Kind::kNull:
      return true;
    case Value::Kind::kList:
      return v->integer == 0;
    case Value::Kind::kString:
      for (std::size_t i = 0, len = 0; i < v->text.size(); i += len) {
        if (!white_space_at(v->text, i, &len)) return false;
      }
      return true;
    default:
      return false;
  }
}

void check_findings(const Rule& rule, const CheckSpec& spec, const std::vector<Event>& events,
                    std::vector<Finding>& out) {
  std::int64_t seen = 0;
  std::uint32_t violations = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    if (!any_match(spec.on, e)) continue;
    ++seen;
    std::string reason;
    if (spec.max_count >= 0 && seen > spec.max_count) {
      reason = join(reason, "occurrence " + std::to_string(seen) + " of at most " +
                                std::to_string(spec.max_count) + " per case");
    }
    for (const std::string& path : spec.require) {
      Value scratch;
      const Value* v = field_of(e, path, &scratch);
      if (blank(v)) reason = join(reason, path + " is missing or empty");
    }
    for (const auto& [path, bound] : spec.max) {
      Value scratch;
      const Value* v = field_of(e, path, &scratch);
      if (v != nullptr && (v->kind == Value::Kind::kInt || v->kind == Value::Kind::kDouble) &&
          v->real > bound) {
        reason =
            join(reason, path + " is " + v->text + ", above the limit of " + number_text(bound));
      }
    }
    if (!spec.requires_prior.empty()) {
      bool found = false;
      for (std::size_t j = 0; j < i && !found; ++j) {
        found = any_match(spec.requires_prior, events[j]) && events[j].occurred_at <= e.occurred_at;
      }
      if (!found) {
        std::string names;
        for (const Matcher& m : spec.requires_prior)
          names += (names.empty() ? "" : " or ") + std::string(to_string(m.type));
        reason = join(reason, "no earlier " + names + " in this case");
      }
    }
    if (!reason.empty()) out.push_back(violation(rule, e, ++violations, std::move(reason), events));
  }
}

void fee_findings(const Rule& rule, const FeeSpec& spec, const std::vector<Event>& events,
                  std::vector<Finding>& out) {
  std::uint32_t violations = 0;
  for (const Event& e : events) {
    if (!any_match(spec.on, e)) continue;
    const Value* amount = e.data_field("amount_fen");
    const Value* fee_item = e.data_field("fee_item");
    const std::int64_t fen_charged = amount != nullptr ? amount->integer : 0;
    // A fee of nothing charges nothing, whatever the item (settled point 8). The decoder
    // requires amount_fen, so a missing one is not read as 0 here.
    if (amount != nullptr && amount->kind == Value::Kind::kInt && fen_charged == 0) continue;
    const std::string item_name = fee_item != nullptr ? fee_item->text : std::string();
    bool item_listed = false;
    const FeeEntry* best = nullptr;
    for (const FeeEntry& c : spec.catalogue) {
      if (!glob_match(c.item, e.item)) continue;
      item_listed = true;
      if (!c.fee_item.empty() && c.fee_item != item_name) continue;
      if (best == nullptr || c.max_fen > best->max_fen) best = &c;
    }
    std::string reason;
    if (!item_listed) {
      reason = "item " + e.item +
               " is free of charge: no fee is listed for it (Art. 58), charged " + fen(fen_charged);
    } else if (best == nullptr) {
      reason = "fee item '" + item_name + "' is not listed as chargeable for item " + e.item +
               ", charged " + fen(fen_charged);
    } else if (fen_charged > best->max_fen) {
      reason = "charged " + fen(fen_charged) + ", above the standard of " + fen(best->max_fen) +
               " (" + best->basis + ")";
    }
    if (!reason.empty()) out.push_back(violation(rule, e, ++violations, std::move(reason), events));
  }
}

void benchmark_findings(const Rule& rule, const BenchmarkSpec& spec,
                        const std::vector<Event>& events, std::vector<Finding>& out) {
  std::uint32_t violations = 0;
  for (const Event& e : events) {
    if (!any_match(spec.on, e)) continue;
    auto text = [&e](const char* key) {
      const Value* v = e.data_field(key);
      return v == nullptr ? std::string() : v->text;
    };
    const std::string bench_id = text("benchmark");
    const std::string code = text("violation");
    const std::string tier_name = text("tier");
    const Value* amount = e.data_field("amount_fen");
    const std::int64_t fen_decided = amount != nullptr ? amount->integer : 0;
    std::string reason;
    const Benchmark* bm = nullptr;
    for (const Benchmark& b : spec.benchmarks) {
      if (b.id == bench_id) bm = &b;
    }
    const Violation* vio = nullptr;
    const Tier* tier = nullptr;
    if (bm == nullptr) {
      reason = bench_id.empty() ? "no benchmark named (data.benchmark)"
                                : "unknown benchmark '" + bench_id + "'";
    } else {
      for (const Violation& v : bm->violations) {
        if (v.code == code) vio = &v;
      }
      if (vio == nullptr) {
        reason = "violation '" + code + "' is not in benchmark " + bm->id;
      } else {
        for (const Tier& t : vio->tiers) {
          if (t.name == tier_name) tier = &t;
        }
        if (tier == nullptr)
          reason = "tier '" + tier_name + "' is not defined for violation " + code;
      }
    }
    if (tier != nullptr) {
      std::int64_t lo = tier->min_fen, hi = tier->max_fen;
      if (tier->shape == Tier::Shape::kProportion) {
        Value scratch;
        const Value* base = field_of(e, tier->base_field, &scratch);
        if (base == nullptr ||
            (base->kind != Value::Kind::kInt && base->kind != Value::Kind::kDouble)) {
          reason = "tier '" + tier_name + "' is a proportion of " + tier->base_field +
                   ", which is missing";
        } else {
          lo = static_cast<std::int64_t>(std::ceil(base->real * tier->min_ratio));
          hi = static_cast<std::int64_t>(std::floor(base->real * tier->max_ratio));
        }
      }
      if (reason.empty() && (fen_decided < lo || fen_decided > hi)) {
        reason = "penalty of " + fen(fen_decided) + " is outside the band for " + code + " / " +
                 tier_name + ": " + (lo == hi ? fen(lo) : fen(lo) + " to " + fen(hi));
      }
    }
    if (!reason.empty()) out.push_back(violation(rule, e, ++violations, std::move(reason), events));
  }
}

}  // namespace rules::detail
