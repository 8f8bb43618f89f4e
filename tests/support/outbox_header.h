// A header of an outbox entry as a test reads it: "<missing>" when it is absent, so that a
// comparison names what was expected.
#pragma once

#include <string>

#include "ports/write_set.h"

namespace testing {

inline std::string header(const approvald::ports::OutboxEntry& o, const std::string& name) {
  for (const auto& [n, v] : o.headers) {
    if (n == name) return v;
  }
  return "<missing>";
}

}  // namespace testing
