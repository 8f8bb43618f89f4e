// The JSON served by the HTTP API, as pure functions of the state (testable without sockets).
#pragma once

#include <cstdint>
#include <string>

#include "rules/engine.h"

namespace approvald::web {

// GET /api/v1/cases/{id}: the events, every clock with its arithmetic, and the alerts.
std::string case_json(const rules::CaseState& state, const rules::Engine& engine,
                      std::int64_t now_ms);

}  // namespace approvald::web
