// Unwrapping a Result in a test: its value, or the test fails (by the exception, which Catch2
// reports with the error's message).
#pragma once

#include <stdexcept>

#include "base/result.h"

namespace testing {

template <typename T>
T ok(approvald::Result<T> r) {
  if (!r) throw std::runtime_error("unexpected error: " + r.error().message);
  return r.take();
}

}  // namespace testing
