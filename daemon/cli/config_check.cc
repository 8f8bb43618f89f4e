#include <ostream>

#include "cli/commands.h"
#include "cli/usage.h"
#include "config/check.h"
#include "control/rule_source.h"
#include "files/loaders.h"
#include "kafka/validate.h"

namespace approvald::cli {

using control::read_rule_files;

int check_config(const std::string& file, const config::Config& c, std::ostream& out,
                 std::ostream& err) {
  std::vector<config::Problem> problems = config::check_addresses_and_files(c);
  // Each rule file on its own, so that every error names the key that points at it.
  bool loaded = true;
  auto add = [&](const std::string& key, const rules::Diagnostics& d) {
    loaded = false;
    for (const auto& x : d) problems.push_back({key, x.str()});
  };
  for (std::size_t i = 0; i < c.rules.packs.size(); ++i) {
    auto pack = files::load_pack(c.rules.packs[i]);
    if (auto* d = std::get_if<rules::Diagnostics>(&pack)) {
      add("rules.packs[" + std::to_string(i) + "]", *d);
    }
  }
  auto cal = files::load_calendar(c.rules.calendar);
  if (auto* d = std::get_if<rules::Diagnostics>(&cal)) add("rules.calendar", *d);
  // Then together, as `run` loads them: rule ids unique across the packs, and so on.
  if (loaded) {
    auto files = read_rule_files(c);
    if (auto* d = std::get_if<rules::Diagnostics>(&files)) add("rules", *d);
  }
  for (const auto& p : kafka::validate_properties(c.kafka.properties)) {
    problems.push_back({"kafka.properties." + p.name, p.message});
  }
  for (const auto& p : problems) {
    err << shown(file) << ": " << shown(p.key) << ": " << shown(p.message, 2000) << '\n';
  }
  if (!problems.empty()) {
    err << problems.size() << (problems.size() == 1 ? " error\n" : " errors\n");
    return 1;
  }
  out << "ok    " << file << " (not checked: whether the port is free and the broker reachable)\n";
  return 0;
}

}  // namespace approvald::cli
