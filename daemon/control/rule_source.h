// Rule versions: read and validate the configured pack and calendar files, and build an engine
// from a stored version. A version that does not validate as a whole is never used.
#pragma once

#include <memory>
#include <mutex>
#include <variant>

#include "config/config.h"
#include "rules/engine.h"
#include "store/store.h"

namespace approvald::control {

// The configured files as a candidate version (texts, ids), or every problem found.
std::variant<store::RuleVersion, rules::Diagnostics> read_rule_files(const config::Config& cfg);

std::variant<std::shared_ptr<const rules::Engine>, rules::Diagnostics> build_engine(
    const store::RuleVersion& v, const rules::EngineOptions& options);

bool same_sources(const store::RuleVersion& a, const store::RuleVersion& b);

// The engine in force, shared by the loop and the HTTP thread; swapped between batches.
class EngineHolder {
 public:
  explicit EngineHolder(std::shared_ptr<const rules::Engine> e) : engine_(std::move(e)) {}
  std::shared_ptr<const rules::Engine> get() const {
    std::lock_guard lock(mu_);
    return engine_;
  }
  void set(std::shared_ptr<const rules::Engine> e) {
    std::lock_guard lock(mu_);
    engine_ = std::move(e);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const rules::Engine> engine_;
};

}  // namespace approvald::control
