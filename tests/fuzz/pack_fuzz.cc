// The rule-pack loader (rules/include/rules/pack.h) on arbitrary YAML: every outcome is a pack or
// diagnostics, never a crash; a pack that loads also combines into a rule set on its own.
#include <variant>

#include "check.h"
#include "rules/pack.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto loaded = rules::RulePack::load(approvald::fuzz::as_text(data, size), "pack.yaml");
  if (auto* diags = std::get_if<rules::Diagnostics>(&loaded)) {
    approvald::fuzz::check(!diags->empty(), "a refused pack says why");
    return 0;
  }
  auto pack = std::get<std::shared_ptr<const rules::RulePack>>(std::move(loaded));
  approvald::fuzz::check(pack != nullptr, "a loaded pack is not null");
  (void)rules::RuleSet::combine({pack});
  return 0;
}
