#include "rules/rule_test.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <map>

#include "rules/echo.h"
#include "rules/replay.h"
#include "rules/yaml_reader.h"

namespace rules {
namespace {

using detail::index_path;
using detail::path;
using detail::YamlReader;

// YAML scalars become JSON numbers, booleans or strings as a person would expect; quoted
// scalars always stay strings. An unquoted nan or inf is refused: JSON has no such number.
boost::json::value to_json(YamlReader& r, const YAML::Node& n, const std::string& where) {
  if (n.IsMap()) {
    boost::json::object o;
    for (const auto& kv : n) {
      o[kv.first.Scalar()] = to_json(r, kv.second, path(where, echo(kv.first.Scalar())));
    }
    return o;
  }
  if (n.IsSequence()) {
    boost::json::array a;
    std::size_t i = 0;
    for (const auto& e : n) a.push_back(to_json(r, e, index_path(where, i++)));
    return a;
  }
  if (n.IsNull()) return nullptr;
  const std::string& s = n.Scalar();
  if (n.Tag() != "!") {
    if (detail::non_finite_number(s)) {
      r.error(n,
              where + ": must be a finite number, got " + quoted(s) + " (quote it for a string)");
      return nullptr;
    }
    std::int64_t i = 0;
    if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
        ec == std::errc() && p == s.data() + s.size()) {
      return i;
    }
    double d = 0;
    if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
        ec == std::errc() && p == s.data() + s.size()) {
      return d;
    }
    if (s == "true") return true;
    if (s == "false") return false;
  }
  return boost::json::string(s);
}

std::optional<Timestamp> time_of(YamlReader& r, const YAML::Node& n, const std::string& where) {
  if (!n.IsScalar()) {
    r.error(n, where + ": must be an RFC 3339 time");
    return std::nullopt;
  }
  std::string why;
  const auto t = parse_rfc3339(n.Scalar(), &why);
  if (!t) {
    r.error(n, where + ": " + why);
    return std::nullopt;
  }
  return t->at;
}

std::vector<ExpectedAlert> expected_list(YamlReader& r, const YAML::Node& n, const std::string& w) {
  std::vector<ExpectedAlert> out;
  if (!n.IsDefined() || !r.expect_sequence(n, w)) return out;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const std::string iw = index_path(w, i);
    const YAML::Node e = n[i];
    if (!r.expect_map(e, iw)) continue;
    r.check_keys(e,
                 {"rule", "level", "case", "cycle", "due_at", "officer", "provisional", "reason",
                  "resolution"},
                 iw);
    ExpectedAlert x;
    x.line = e.Mark().line + 1;
    x.rule = r.string(e, "rule", iw, true).value_or("");
    x.level = r.string(e, "level", iw, true).value_or("");
    if (!x.level.empty() && !parse_level(x.level))
      r.error(e["level"], path(iw, "level") + ": not reminder, yellow or red");
    x.case_id = r.string(e, "case", iw, true).value_or("");
    if (auto c = r.integer(e, "cycle", iw, false, 1, 1000000))
      x.cycle = static_cast<std::uint32_t>(*c);
    if (e["due_at"].IsDefined()) x.due_at = time_of(r, e["due_at"], path(iw, "due_at"));
    if (auto o = r.string(e, "officer", iw, false)) x.officer = *o;
    if (e["provisional"].IsDefined())
      x.provisional = r.boolean(e["provisional"], path(iw, "provisional"));
    if (auto s = r.string(e, "reason", iw, false)) x.reason_contains = *s;
    if (auto s = r.string(e, "resolution", iw, false)) x.resolution = *s;
    out.push_back(std::move(x));
  }
  return out;
}

std::string describe(const Alert& a, int offset) {
  std::string s = "{rule: " + a.rule_id + ", level: " + std::string(to_string(a.level)) +
                  ", case: " + a.case_id + ", cycle: " + std::to_string(a.cycle);
  if (a.due_at) s += ", due_at: " + format_rfc3339(*a.due_at, offset);
  if (!a.officer.empty()) s += ", officer: " + a.officer;
  if (a.provisional) s += ", provisional: true";
  if (!a.reason.empty()) s += ", reason: \"" + a.reason + "\"";
  if (!a.resolution.empty()) s += ", resolution: " + a.resolution;
  return s + "}";
}

std::string describe(const ExpectedAlert& x, int offset) {
  std::string s = "{rule: " + x.rule + ", level: " + x.level + ", case: " + x.case_id;
  if (x.cycle) s += ", cycle: " + std::to_string(*x.cycle);
  if (x.due_at) s += ", due_at: " + format_rfc3339(*x.due_at, offset);
  if (x.officer) s += ", officer: " + *x.officer;
  if (x.provisional) s += std::string(", provisional: ") + (*x.provisional ? "true" : "false");
  if (x.reason_contains) s += ", reason: ~\"" + *x.reason_contains + "\"";
  if (x.resolution) s += ", resolution: " + *x.resolution;
  return s + "}";
}

bool matches(const ExpectedAlert& x, const Alert& a) {
  return x.rule == a.rule_id && x.level == to_string(a.level) && x.case_id == a.case_id &&
         (!x.cycle || *x.cycle == a.cycle) && (!x.due_at || a.due_at == x.due_at) &&
         (!x.officer || *x.officer == a.officer) &&
         (!x.provisional || *x.provisional == a.provisional) &&
         (!x.reason_contains || a.reason.find(*x.reason_contains) != std::string::npos) &&
         (!x.resolution || *x.resolution == a.resolution);
}

// Pairs expected with actual one to one; returns false if any side is left over.
bool same_set(const std::vector<ExpectedAlert>& want, const std::vector<const Alert*>& got,
              bool exact) {
  std::vector<bool> used(got.size(), false);
  for (const ExpectedAlert& x : want) {
    bool found = false;
    for (std::size_t i = 0; i < got.size() && !found; ++i) {
      if (!used[i] && matches(x, *got[i])) used[i] = found = true;
    }
    if (!found) return false;
  }
  return !exact || std::all_of(used.begin(), used.end(), [](bool u) { return u; });
}

}  // namespace

std::variant<RuleTestFile, Diagnostics> RuleTestFile::parse(std::string_view text,
                                                            const std::string& file) {
  Diagnostics diags;
  YamlReader r(file, &diags);
  RuleTestFile out;
  out.file = file;
  const auto doc = r.parse(text);
  if (!doc) return diags;
  const YAML::Node& root = *doc;
  if (!r.expect_map(root, "rule test file")) return diags;
  r.check_keys(root, {"rule_packs", "calendar", "defaults", "tests"}, "");
  const YAML::Node packs = root["rule_packs"];
  if (!packs.IsDefined()) {
    r.error(root, "rule_packs: required (paths of packs, relative to this file)");
  } else if (r.expect_sequence(packs, "rule_packs")) {
    for (std::size_t i = 0; i < packs.size(); ++i) {
      if (packs[i].IsScalar()) {
        out.pack_paths.push_back(packs[i].Scalar());
      } else {
        r.error(packs[i], index_path("rule_packs", i) + ": must be a path");
      }
    }
  }
  out.calendar_path = r.string(root, "calendar", "", true).value_or("");
  const YAML::Node defaults = root["defaults"];
  if (defaults.IsDefined()) {
    r.expect_map(defaults, "defaults");
    r.check_keys(defaults, {"agency", "item", "officer", "applicant"}, "defaults");
  }
  const YAML::Node tests = root["tests"];
  if (!tests.IsDefined()) {
    r.error(root, "tests: required");
  } else if (r.expect_sequence(tests, "tests")) {
    for (std::size_t ti = 0; ti < tests.size(); ++ti) {
      const YAML::Node t = tests[ti];
      std::string tw = index_path("tests", ti);
      if (!r.expect_map(t, tw)) continue;
      r.check_keys(t, {"name", "events", "alerts"}, tw);
      RuleTestCase tc;
      tc.name = r.string(t, "name", tw, true).value_or(tw);
      const YAML::Node evs = t["events"];
      if (evs.IsDefined() && r.expect_sequence(evs, path(tw, "events"))) {
        for (std::size_t ei = 0; ei < evs.size(); ++ei) {
          const std::string ew = index_path(path(tw, "events"), ei);
          const YAML::Node e = evs[ei];
          if (!r.expect_map(e, ew)) continue;
          r.check_keys(e,
                       {"id", "case", "type", "at", "arrives_at", "agency", "item", "officer",
                        "applicant", "data"},
                       ew);
          boost::json::object o;
          o["schema"] = "approval.event/v1";
          o["event_id"] = e["id"].IsDefined()
                              ? e["id"].Scalar()
                              : "t" + std::to_string(ti + 1) + "-e" + std::to_string(ei + 1);
          for (const char* key : {"agency", "item", "officer", "applicant"}) {
            if (e[key].IsDefined()) {
              o[key] = e[key].Scalar();
            } else if (defaults.IsDefined() && defaults[key].IsDefined()) {
              o[key] = defaults[key].Scalar();
            }
          }
          if (auto c = r.string(e, "case", ew, true)) o["case_id"] = *c;
          if (auto ty = r.string(e, "type", ew, true)) o["type"] = *ty;
          if (auto at = r.string(e, "at", ew, true)) o["occurred_at"] = *at;
          if (e["data"].IsDefined()) o["data"] = to_json(r, e["data"], path(ew, "data"));
          TestEvent te;
          te.line = e.Mark().line + 1;
          te.json = boost::json::serialize(o);
          if (e["arrives_at"].IsDefined())
            te.arrives_at = time_of(r, e["arrives_at"], path(ew, "arrives_at"));
          tc.events.push_back(std::move(te));
        }
      }
      const YAML::Node checks = t["alerts"];
      if (!checks.IsDefined()) {
        r.error(t, path(tw, "alerts") + ": required (evaluation times and the alerts expected)");
      } else if (r.expect_sequence(checks, path(tw, "alerts"))) {
        for (std::size_t ci = 0; ci < checks.size(); ++ci) {
          const std::string cw = index_path(path(tw, "alerts"), ci);
          const YAML::Node c = checks[ci];
          if (!r.expect_map(c, cw)) continue;
          r.check_keys(c, {"at", "rule", "firing", "resolved"}, cw);
          AlertCheck ac;
          ac.line = c.Mark().line + 1;
          if (!c["at"].IsDefined()) {
            r.error(c, path(cw, "at") + ": required");
          } else if (auto at = time_of(r, c["at"], path(cw, "at"))) {
            ac.at = *at;
            ac.at_text = c["at"].Scalar();
          }
          if (auto f = r.string(c, "rule", cw, false)) ac.rule_filter = *f;
          if (!c["firing"].IsDefined()) {
            r.error(c, path(cw, "firing") + ": required (use [] when nothing may fire)");
          }
          ac.firing = expected_list(r, c["firing"], path(cw, "firing"));
          ac.resolved = expected_list(r, c["resolved"], path(cw, "resolved"));
          tc.checks.push_back(std::move(ac));
        }
        std::stable_sort(tc.checks.begin(), tc.checks.end(),
                         [](const AlertCheck& a, const AlertCheck& b) { return a.at < b.at; });
      }
      out.tests.push_back(std::move(tc));
    }
  }
  if (!r.ok()) return diags;
  return out;
}

std::vector<RuleTestFailure> run_rule_tests(const RuleTestFile& file,
                                            std::shared_ptr<const RuleSet> rules,
                                            const std::shared_ptr<const Calendar>& calendar) {
  std::vector<RuleTestFailure> failures;
  const Engine engine(std::move(rules), calendar);
  const int offset = calendar->offset_minutes();
  EventDecoder decoder;
  for (const RuleTestCase& tc : file.tests) {
    Replayer replay(engine);
    std::map<std::string, Alert> last;  // alert id -> latest transition
    std::vector<Alert> out;
    struct Pending {
      Event event;
      Timestamp arrival;
    };
    std::vector<Pending> pending;
    bool broken = false;
    for (const TestEvent& te : tc.events) {
      auto decoded = decoder.decode(te.json);
      if (auto* err = std::get_if<DecodeError>(&decoded)) {
        failures.push_back({tc.name, file.file + ":" + std::to_string(te.line) +
                                         ": event is not valid: " + err->str()});
        broken = true;
        continue;
      }
      Event e = std::move(std::get<Event>(decoded));
      const Timestamp arrival = te.arrives_at.value_or(e.occurred_at);
      pending.push_back(Pending{std::move(e), arrival});
    }
    if (broken) continue;
    std::stable_sort(pending.begin(), pending.end(),
                     [](const Pending& a, const Pending& b) { return a.arrival < b.arrival; });
    std::size_t next = 0;
    for (const AlertCheck& ac : tc.checks) {
      while (next < pending.size() && pending[next].arrival <= ac.at) {
        replay.feed(pending[next].event, pending[next].arrival, out);
        ++next;
      }
      replay.advance(ac.at, out);
      for (Alert& a : out) last[a.alert_id] = std::move(a);
      out.clear();
      std::vector<const Alert*> firing, resolved;
      for (const auto& [id, a] : last) {
        if (ac.rule_filter && a.rule_id != *ac.rule_filter) continue;
        (a.firing ? firing : resolved).push_back(&a);
      }
      const bool ok_firing = same_set(ac.firing, firing, true);
      const bool ok_resolved = same_set(ac.resolved, resolved, false);
      if (ok_firing && ok_resolved) continue;
      std::string msg = file.file + ":" + std::to_string(ac.line) + ": at " + ac.at_text +
                        (ac.rule_filter ? " (rule " + *ac.rule_filter + ")" : "") + "\n";
      auto list = [&](const char* title, const auto& xs) {
        msg += std::string("    ") + title + ":\n";
        if (xs.empty()) msg += "      (none)\n";
        for (const auto* x : xs) msg += "      - " + describe(*x, offset) + "\n";
      };
      std::vector<const ExpectedAlert*> wf, wr;
      for (const auto& x : ac.firing) wf.push_back(&x);
      for (const auto& x : ac.resolved) wr.push_back(&x);
      if (!ok_firing) {
        list("expected firing", wf);
        list("got firing", firing);
      }
      if (!ok_resolved) {
        list("expected resolved (at least)", wr);
        list("got resolved", resolved);
      }
      failures.push_back({tc.name, msg});
    }
  }
  return failures;
}

}  // namespace rules
