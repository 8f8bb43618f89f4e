// `approvald replay` and `approvald explain`: offline audits of an event log in event time.
#include <fstream>
#include <istream>
#include <map>
#include <ostream>

#include "cli/commands.h"
#include "files/loaders.h"
#include "rules/clock.h"
#include "rules/echo.h"
#include "rules/replay.h"

namespace approvald::cli {

using files::kMaxEventLineBytes;
using files::load_calendar;
using files::load_rules;
using files::print;
using files::read_line;
using files::unreadable_event_log;

namespace {

struct Setup {
  std::shared_ptr<const rules::RuleSet> rules;
  std::shared_ptr<const rules::Calendar> calendar;
};

std::optional<Setup> load_setup(const std::vector<std::string>& packs, const std::string& calendar,
                                std::ostream& err) {
  if (packs.empty()) {
    err << "--pack: at least one rule pack is needed\n";
    return std::nullopt;
  }
  std::vector<std::filesystem::path> paths(packs.begin(), packs.end());
  auto rs = load_rules(paths);
  auto cal = load_calendar(calendar);
  bool ok = true;
  if (auto* d = std::get_if<rules::Diagnostics>(&rs)) ok = print(*d, err) == 0;
  if (auto* d = std::get_if<rules::Diagnostics>(&cal)) ok = print(*d, err) == 0 && ok;
  if (!ok) return std::nullopt;
  return Setup{std::get<0>(rs), std::get<0>(cal)};
}

std::optional<rules::Timestamp> parse_time_flag(const std::optional<std::string>& s,
                                                const char* flag, std::ostream& err, bool* ok) {
  *ok = true;
  if (!s) return std::nullopt;
  std::string why;
  const auto t = rules::parse_rfc3339(*s, &why);
  if (!t) {
    err << flag << ": " << why << ": '" << rules::echo(*s) << "'\n";
    *ok = false;
    return std::nullopt;
  }
  return t->at;
}

// Reads JSON lines, reporting each bad one with its line number; calls `fn` for each good event.
template <typename F>
std::size_t read_events(const std::string& input, std::istream& stdin_stream, std::ostream& err,
                        bool* opened, F&& fn) {
  std::ifstream file;
  std::istream* in = &stdin_stream;
  *opened = true;
  if (input != "-") {
    if (const auto why = unreadable_event_log(input)) {
      err << input << ": " << *why << '\n';
      *opened = false;
      return 0;
    }
    file.open(input);
    if (!file) {
      err << input << ": cannot open\n";
      *opened = false;
      return 0;
    }
    in = &file;
  }
  const std::string name = input == "-" ? "<stdin>" : input;
  rules::EventDecoder decoder;
  std::string line;
  std::size_t lineno = 0, rejected = 0;
  bool too_long = false;
  while (read_line(*in, line, kMaxEventLineBytes, &too_long)) {
    ++lineno;
    if (too_long) {
      err << name << ':' << lineno << ": rejected: line longer than " << kMaxEventLineBytes
          << " bytes\n";
      ++rejected;
      continue;
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto d = decoder.decode(line);
    if (auto* e = std::get_if<rules::DecodeError>(&d)) {
      // The reason quotes the line: bounded and escaped (rules/echo.h), a terminal reads it.
      err << name << ':' << lineno << ": rejected: " << rules::safe(e->str()) << '\n';
      ++rejected;
      continue;
    }
    fn(std::get<rules::Event>(std::move(d)), name, lineno);
  }
  return rejected;
}

const char* weekday_name(rules::Date d) {
  static constexpr const char* kNames[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  return kNames[rules::weekday_of(d)];
}

std::string day(rules::Date d) { return rules::format_date(d) + " (" + weekday_name(d) + ")"; }

void explain_cycle(const rules::Rule& rule, const rules::ClockSpec& spec, const rules::Cycle& c,
                   const rules::Calendar& cal, rules::Timestamp now, std::ostream& out) {
  const int off = cal.offset_minutes();
  const auto fmt = [off](rules::Timestamp t) { return rules::format_rfc3339(t, off); };
  const bool days = spec.limit.unit != rules::Unit::kHours;
  const std::string unit(to_string(spec.limit.unit));
  out << "\nclock " << rule.id << " - " << rule.title << "   (cycle " << c.number << ")\n";
  out << "  started   " << fmt(c.start) << " by " << to_string(c.start_event->type) << ' '
      << c.start_event->event_id << '\n';
  if (days) {
    out << "            the start day " << rules::format_date(rules::local_date(c.start, off))
        << " is not counted; day 1 is the first "
        << (spec.limit.unit == rules::Unit::kWorkingDays ? "working " : "") << "day after it\n";
  }
  out << "  limit     " << c.limit << ' ' << unit;
  if (!spec.limit.from_field.empty()) out << " (from " << spec.limit.from_field << ")";
  if (c.extension > 0) out << " + extension " << c.extension << " = " << c.limit + c.extension;
  out << '\n';
  for (const auto& id : c.extension_events) out << "  extended  by event " << id << '\n';
  for (const auto& p : c.pauses) {
    out << "  paused    " << fmt(p.from) << " -> "
        << (p.to ? fmt(*p.to) : std::string("(still paused)"));
    if (!p.key.empty()) out << "  [" << p.key << "]";
    out << "  excludes " << p.excluded << ' ' << unit << '\n';
  }
  if (days && c.due_date) {
    // Day by day from the start to the due date, so that the count can be checked by hand.
    const rules::Date s = rules::local_date(c.start, off);
    out << "  counting\n";
    std::int64_t n = 0;
    for (rules::Date d = s + 1; d <= *c.due_date; ++d) {
      bool paused = false;
      for (const auto& p : c.pauses) {
        const rules::Date a = rules::local_date(p.from, off);
        const rules::Date b = p.to ? rules::local_date(*p.to, off) : INT32_MAX;
        paused = paused || (d > a && d <= b);
      }
      const bool counts = spec.limit.unit == rules::Unit::kCalendarDays || cal.is_working_day(d);
      out << "    " << day(d) << "  ";
      if (paused) {
        out << "paused (not counted)";
      } else if (counts) {
        out << "day " << ++n;
      } else {
        out << "-";
      }
      out << "   " << cal.describe(d) << '\n';
    }
  }
  if (c.due_at) {
    out << "  due       " << fmt(*c.due_at);
    if (c.provisional) out << "  PROVISIONAL: crosses a year without a published holiday schedule";
    out << '\n';
  } else {
    out << "  due       none while paused: the clock waits for the pause to end\n";
  }
  for (std::size_t i = 0; i < spec.stages.size(); ++i) {
    const auto& st = spec.stages[i];
    out << "  stage     " << to_string(st.level) << ' '
        << (st.at_due ? std::string("when the due time passes")
                      : std::to_string(st.before) + ' ' + unit + " before due")
        << ": "
        << (c.stage_fire[i] ? "fires at " + fmt(*c.stage_fire[i]) : std::string("not scheduled"))
        << '\n';
  }
  if (c.stop) {
    const bool late = c.due_at && *c.stop > *c.due_at;
    out << "  stopped   " << fmt(*c.stop) << " by " << c.stop_reason << ' '
        << (c.stop_event != nullptr ? c.stop_event->event_id : "")
        << (late ? "  LATE" : "  in time") << '\n';
  } else if (c.paused_at_end()) {
    out << "  status    paused at " << fmt(now) << '\n';
  } else {
    const bool over = c.due_at && now > *c.due_at;
    out << "  status    running at " << fmt(now) << (over ? "  OVERDUE" : "") << '\n';
  }
}

}  // namespace

int replay(const ReplayOptions& opt, std::istream& in, std::ostream& out, std::ostream& err) {
  const auto setup = load_setup(opt.packs, opt.calendar, err);
  if (!setup) return 1;
  bool ok = true;
  const auto until = parse_time_flag(opt.until, "--until", err, &ok);
  if (!ok) return 1;
  const rules::Engine engine(setup->rules, setup->calendar);
  rules::Replayer rp(engine);
  const int off = setup->calendar->offset_minutes();
  std::vector<rules::Alert> alerts;
  std::size_t events = 0, duplicates = 0, refused = 0, firing = 0, resolved = 0;
  std::optional<rules::Timestamp> last;
  auto flush = [&] {
    for (const auto& a : alerts) {
      out << a.to_json(off) << '\n';
      a.firing ? ++firing : ++resolved;
    }
    alerts.clear();
  };
  bool opened = false;
  const std::size_t rejected =
      read_events(opt.input, in, err, &opened,
                  [&](rules::Event e, const std::string& name, std::size_t lineno) {
                    ++events;
                    if (!last || e.occurred_at > *last) last = e.occurred_at;
                    std::string why;
                    switch (rp.feed(std::move(e), alerts, &why)) {
                      case rules::Replayer::Fed::kDuplicate:
                        ++duplicates;
                        break;
                      case rules::Replayer::Fed::kRefused:
                        ++refused;
                        err << name << ':' << lineno << ": refused: " << rules::safe(why) << '\n';
                        break;
                      case rules::Replayer::Fed::kApplied:
                        break;
                    }
                    flush();
                  });
  if (!opened) return 1;
  if (until || last) rp.advance(until ? *until : *last, alerts);
  flush();
  std::size_t open_alerts = 0, open_cases = 0, paused = 0, overdue = 0;
  for (const auto& s : rp.cases()) {
    for (const auto& a : s.alerts) open_alerts += a.firing();
    open_cases += (s.status & rules::kCaseOpen) != 0;
    paused += (s.status & rules::kCasePaused) != 0;
    overdue += (s.status & rules::kCaseOverdue) != 0;
  }
  err << "replay: " << events << " events (" << duplicates << " duplicates, " << rejected
      << " rejected, " << refused << " refused) in " << rp.cases().size() << " cases; " << firing
      << " alerts fired, " << resolved << " resolved; " << open_alerts << " firing at "
      << (events > 0 || until ? rules::format_rfc3339(rp.now(), off) : std::string("-")) << "; "
      << open_cases << " cases open (" << paused << " paused, " << overdue << " overdue)\n";
  // A line the daemon would have dead-lettered means the audit did not see the whole log.
  return rejected == 0 && refused == 0 ? 0 : 1;
}

int explain(const ExplainOptions& opt, std::istream& in, std::ostream& out, std::ostream& err) {
  const auto setup = load_setup(opt.packs, opt.calendar, err);
  if (!setup) return 1;
  bool ok = true;
  const auto at = parse_time_flag(opt.at, "--at", err, &ok);
  if (!ok) return 1;
  const rules::Engine engine(setup->rules, setup->calendar);
  rules::Replayer rp(engine);
  std::vector<rules::Alert> transitions;
  std::optional<rules::Timestamp> last;
  bool opened = false;
  read_events(opt.input, in, err, &opened, [&](rules::Event e, const std::string&, std::size_t) {
    if (e.case_id != opt.case_id) return;
    if (!last || e.occurred_at > *last) last = e.occurred_at;
    rp.feed(std::move(e), transitions);
  });
  if (!opened) return 1;
  if (rp.find(opt.case_id) == nullptr) {
    err << "case " << rules::echo(opt.case_id) << ": no events in " << opt.input << '\n';
    return 1;
  }
  const rules::Timestamp now = at ? *at : *last;
  rp.advance(now, transitions);
  const rules::CaseState& s = *rp.find(opt.case_id);
  const auto& cal = *setup->calendar;
  const int off = cal.offset_minutes();
  out << "case " << s.case_id << "   agency " << s.agency << "   item " << s.item << '\n';
  out << "rules " << setup->rules->id() << "   calendar " << cal.id() << " (" << cal.time_zone()
      << ")\n";
  out << "as of " << rules::format_rfc3339(now, off) << (at ? "" : " (the case's last event)")
      << '\n';
  out << "\nevents (business-time order)\n";
  for (const auto& e : s.events) {
    out << "  " << rules::format_rfc3339(e.occurred_at, off) << "  " << to_string(e.type) << "  "
        << e.event_id;
    for (const auto& f : e.data) {
      if (f.value.kind != rules::Value::Kind::kList) out << "  " << f.path << '=' << f.value.text;
    }
    out << '\n';
  }
  for (const rules::Rule* r : setup->rules->rules()) {
    const auto* spec = std::get_if<rules::ClockSpec>(&r->spec);
    if (spec == nullptr) continue;
    for (const auto& c : rules::evaluate_clock(*spec, s.events, cal)) {
      explain_cycle(*r, *spec, c, cal, now, out);
    }
  }
  out << "\nalerts\n";
  if (transitions.empty()) out << "  (none)\n";
  for (const auto& a : transitions) {
    out << "  " << (a.firing ? "FIRING   " : "resolved ")
        << rules::format_rfc3339(a.firing ? a.fired_at : *a.resolved_at, off) << "  " << a.alert_id;
    if (!a.resolution.empty()) out << "  (" << a.resolution << ')';
    if (!a.reason.empty()) out << "  " << a.reason;
    out << '\n';
  }
  return 0;
}

}  // namespace approvald::cli
