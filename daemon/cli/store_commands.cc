#include <algorithm>
#include <chrono>
#include <filesystem>
#include <ostream>

#include "cli/commands.h"
#include "control/rule_source.h"
#include "files/loaders.h"
#include "rules/alert.h"
#include "rules/state.h"
#include "store/store.h"

namespace approvald::cli {

using control::read_rule_files;
using control::same_sources;

namespace {

namespace fs = std::filesystem;

// The store of `data_dir`, or nullptr with the reason on `err`.
std::unique_ptr<store::Store> open_store(const std::string& data_dir, bool read_only,
                                         std::ostream& err) {
  // RocksDB creates a missing store directory even to open it read-only: look first, so that a
  // read never writes (and a mistyped path is not mistaken for an empty store).
  const fs::path dir = fs::path(data_dir) / "store";
  std::error_code ec;
  const fs::path current = dir / "CURRENT";
  if (read_only && fs::status(current, ec).type() != fs::file_type::regular) {
    const auto st = fs::status(data_dir, ec);
    if (st.type() == fs::file_type::none) {  // neither there nor absent: unreadable
      err << data_dir << ": " << ec.message() << '\n';
    } else if (!fs::exists(st)) {
      err << data_dir << ": no such directory; nothing was read or created\n";
    } else if (!fs::is_directory(st)) {
      err << data_dir << ": not a directory\n";
    } else if (const auto cs = fs::status(current, ec); cs.type() == fs::file_type::none) {
      err << current.string() << ": " << ec.message() << '\n';
    } else {
      err << data_dir << ": holds no store (no " << current.string()
          << "); nothing was read or created\n";
    }
    return nullptr;
  }
  auto opened = store::Store::open(store::StoreOptions{.dir = dir.string(),
                                                       .block_cache_bytes = 16u << 20,
                                                       .write_buffer_bytes = 8u << 20,
                                                       .read_only = read_only});
  if (!opened) {
    err << opened.error().message << '\n';
    return nullptr;
  }
  return opened.take();
}

}  // namespace

int dump_store(const std::string& data_dir, DumpWhat what, std::ostream& out, std::ostream& err) {
  auto store = open_store(data_dir, true, err);
  if (!store) return 1;
  if (what == DumpWhat::kMarks) {
    const auto marks = store->marks();
    if (!marks) {
      err << marks.error().message << '\n';
      return 1;
    }
    for (const auto& [p, m] : marks.value()) {
      out << "mark\t" << p << '\t' << m.next_offset << '\n';
    }
    return 0;
  }
  if (what == DumpWhat::kTallies) {
    for (const auto& [key, t] : store->tallies()) {
      out << "tally\t" << key.first << '\t' << key.second << "\topen:" << t.open
          << "\tpaused:" << t.paused << "\toverdue:" << t.overdue << '\n';
    }
    return 0;
  }
  std::vector<std::string> lines;
  int bad = 0;
  const auto scanned = store->for_all_cases([&](std::int32_t partition, std::string_view id,
                                                std::string_view bytes) {
    std::string why;
    const auto s = rules::CaseState::decode(bytes, &why);
    if (!s) {
      err << "partition " << partition << " case " << id << ": " << why << '\n';
      ++bad;
      return;
    }
    std::string line = std::to_string(partition) + '\t' + std::string(id) + "\tevents:";
    for (const auto& e : s->events) line += ' ' + e.event_id;
    std::vector<std::string> alerts;
    for (const auto& a : s->alerts) {
      static constexpr const char* kStatus[] = {"firing", "resolved", "retracted"};
      alerts.push_back(rules::alert_id(s->case_id, a.rule_id, a.level, a.cycle) + '=' +
                       kStatus[static_cast<int>(a.status)] + '@' +
                       std::to_string(a.fired_at.time_since_epoch().count()));
    }
    std::sort(alerts.begin(), alerts.end());
    line += "\talerts:";
    for (const auto& a : alerts) line += ' ' + a;
    line += "\twakeup:" + (s->wakeup ? std::to_string(s->wakeup->time_since_epoch().count()) : "-");
    line += "\tstatus:" + std::to_string(s->status);
    lines.push_back(std::move(line));
  });
  if (!scanned) {
    // A partial dump must not pass for the whole store.
    err << scanned.error().message << '\n';
    return 1;
  }
  std::sort(lines.begin(), lines.end());
  for (const auto& l : lines) out << l << '\n';
  return bad == 0 ? 0 : 1;
}

int list_rules(const std::string& data_dir, std::ostream& out, std::ostream& err) {
  auto store = open_store(data_dir, true, err);
  if (!store) return 1;
  const auto in_force_read = store->current_rules();
  const auto history = store->rule_history();
  if (!in_force_read || !history) {
    err << (in_force_read ? history.error() : in_force_read.error()).message << '\n';
    return 1;
  }
  const auto& current = in_force_read.value();
  for (const auto& v : history.value()) {
    const bool in_force = current && current->number == v.number;
    out << (in_force ? "* " : "  ") << "version " << v.number << "  "
        << rules::format_rfc3339(rules::Timestamp{rules::Millis{v.applied_ms}}, 0) << "  "
        << v.rules_id << "  " << v.calendar_id << "  (" << v.source << ")\n";
  }
  if (!current) out << "no rules applied yet\n";
  return 0;
}

int apply_rules(const std::string& data_dir, const std::vector<std::string>& packs,
                const std::string& calendar, std::ostream& out, std::ostream& err) {
  config::Config c;
  c.rules.packs = packs;
  c.rules.calendar = calendar;
  auto files = read_rule_files(c);
  if (auto* d = std::get_if<rules::Diagnostics>(&files)) {
    files::print(*d, err);
    err << "refused: nothing was applied\n";
    return 1;
  }
  fs::create_directories(fs::path(data_dir) / "store");
  auto store = open_store(data_dir, false, err);
  if (!store) {
    err << "(is the daemon running? it holds the store: change its configured files and send "
           "SIGHUP)\n";
    return 1;
  }
  auto v = std::get<store::RuleVersion>(std::move(files));
  const auto cur = store->current_rules();
  if (!cur) {
    err << cur.error().message << '\n';
    return 1;
  }
  if (cur.value() && same_sources(*cur.value(), v)) {
    out << "unchanged: version " << cur.value()->number << " already holds these files\n";
    return 0;
  }
  v.applied_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  v.source = "approvald rules apply";
  const auto n = store->apply_rules(v);
  if (!n) {
    err << n.error().message << '\n';
    return 1;
  }
  out << "applied version " << n.value() << ": " << v.rules_id << "  " << v.calendar_id << '\n';
  return 0;
}

}  // namespace approvald::cli
