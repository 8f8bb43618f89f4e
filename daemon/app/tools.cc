#include "app/tools.h"

#include <algorithm>
#include <filesystem>
#include <ostream>

#include "generate/workload.h"
#include "rules/alert.h"
#include "rules/state.h"
#include "store/store.h"

namespace approvald::app {

int dump_store(const std::string& data_dir, bool marks_only, std::ostream& out, std::ostream& err) {
  auto opened = store::Store::open(
      store::StoreOptions{.dir = (std::filesystem::path(data_dir) / "store").string(),
                          .block_cache_bytes = 16u << 20,
                          .write_buffer_bytes = 8u << 20,
                          .read_only = true});
  if (!opened) {
    err << opened.error().message << '\n';
    return 1;
  }
  if (marks_only) {
    for (const auto& [p, m] : opened.value()->marks()) {
      out << "mark\t" << p << '\t' << m.next_offset << '\n';
    }
    return 0;
  }
  std::vector<std::string> lines;
  int bad = 0;
  opened.value()->for_all_cases([&](std::int32_t partition, std::string_view id,
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
    lines.push_back(std::move(line));
  });
  std::sort(lines.begin(), lines.end());
  for (const auto& l : lines) out << l << '\n';
  return bad == 0 ? 0 : 1;
}

int generate(std::size_t cases, std::uint64_t seed, bool keyed, std::ostream& out) {
  const auto w = bench::make_workload(cases, seed);
  for (const auto& line : w.lines) {
    if (keyed) {
      // The case id is the 4th field of the generator's fixed layout; parse it the safe way.
      const auto p = line.find("\"case_id\":\"");
      const auto q = line.find('"', p + 11);
      out << line.substr(p + 11, q - p - 11) << '\t';
    }
    out << line << '\n';
  }
  return 0;
}

}  // namespace approvald::app
