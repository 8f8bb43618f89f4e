#include "control/rule_source.h"

#include <filesystem>

#include "files/loaders.h"

namespace approvald::control {

namespace fs = std::filesystem;

std::variant<store::RuleVersion, rules::Diagnostics> read_rule_files(const config::Config& cfg) {
  store::RuleVersion v;
  rules::Diagnostics diags;
  auto read = [&](const fs::path& p, std::pair<std::string, std::string>* out) {
    std::string why;
    const auto text = files::read_file(p, &why);
    if (!text) {
      diags.push_back(rules::Diagnostic{p.string(), 0, 0, why});
      return;
    }
    *out = {p.string(), *text};
  };
  for (const auto& pack : cfg.rules.packs) {
    std::error_code ec;
    const fs::path file =
        fs::is_directory(pack, ec) ? fs::path(pack) / "pack.yaml" : fs::path(pack);
    std::pair<std::string, std::string> src;
    read(file, &src);
    if (!src.first.empty()) v.packs.push_back(std::move(src));
  }
  read(cfg.rules.calendar, &v.calendar);
  if (!diags.empty()) return diags;
  auto engine = build_engine(v, {});
  if (auto* d = std::get_if<rules::Diagnostics>(&engine)) return *d;
  const auto& e = *std::get<0>(engine);
  v.rules_id = e.rules().id();
  v.calendar_id = e.calendar().id();
  return v;
}

std::variant<std::shared_ptr<const rules::Engine>, rules::Diagnostics> build_engine(
    const store::RuleVersion& v, const rules::EngineOptions& options) {
  rules::Diagnostics diags;
  std::vector<std::shared_ptr<const rules::RulePack>> packs;
  for (const auto& [name, text] : v.packs) {
    auto p = rules::RulePack::load(text, name);
    if (auto* d = std::get_if<rules::Diagnostics>(&p)) {
      diags.insert(diags.end(), d->begin(), d->end());
    } else {
      packs.push_back(std::get<0>(std::move(p)));
    }
  }
  auto cal = rules::Calendar::load(v.calendar.second, v.calendar.first);
  if (auto* d = std::get_if<rules::Diagnostics>(&cal))
    diags.insert(diags.end(), d->begin(), d->end());
  if (!diags.empty()) return diags;
  auto set = rules::RuleSet::combine(std::move(packs));
  if (auto* d = std::get_if<rules::Diagnostics>(&set)) return *d;
  return std::make_shared<const rules::Engine>(std::get<0>(set), std::get<0>(cal), options);
}

bool same_sources(const store::RuleVersion& a, const store::RuleVersion& b) {
  auto texts = [](const store::RuleVersion& v) {
    std::vector<std::string> t;
    for (const auto& p : v.packs) t.push_back(p.second);
    t.push_back(v.calendar.second);
    return t;
  };
  return texts(a) == texts(b);
}

}  // namespace approvald::control
