#include "loaders.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>

namespace approvald::cli {

namespace fs = std::filesystem;

std::optional<std::string> read_file(const fs::path& p, std::string* err) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    *err = "cannot open: " + std::string(std::strerror(errno));
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

template <typename T, typename F>
Loaded<T> load_with(const fs::path& p, F&& parse) {
  std::string err;
  auto text = read_file(p, &err);
  if (!text) return rules::Diagnostics{rules::Diagnostic{p.string(), 0, 0, err}};
  return parse(*text, p.string());
}

}  // namespace

Loaded<rules::RulePack> load_pack(const fs::path& p) {
  std::error_code ec;
  const fs::path file = fs::is_directory(p, ec) ? p / "pack.yaml" : p;
  return load_with<rules::RulePack>(file, [](const std::string& t, std::string name) {
    return rules::RulePack::load(t, std::move(name));
  });
}

Loaded<rules::Calendar> load_calendar(const fs::path& p) {
  return load_with<rules::Calendar>(p, [](const std::string& t, std::string name) {
    return rules::Calendar::load(t, std::move(name));
  });
}

Loaded<rules::RuleSet> load_rules(const std::vector<fs::path>& paths) {
  rules::Diagnostics all;
  std::vector<std::shared_ptr<const rules::RulePack>> packs;
  for (const auto& p : paths) {
    auto loaded = load_pack(p);
    if (auto* d = std::get_if<rules::Diagnostics>(&loaded)) {
      all.insert(all.end(), d->begin(), d->end());
    } else {
      packs.push_back(std::get<0>(std::move(loaded)));
    }
  }
  if (!all.empty()) return all;
  return rules::RuleSet::combine(std::move(packs));
}

std::size_t print(const rules::Diagnostics& d, std::ostream& err) {
  for (const auto& x : d) err << x.str() << '\n';
  return d.size();
}

}  // namespace approvald::cli
