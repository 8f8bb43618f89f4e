// A load-time problem in a calendar, rule pack or test file, located for the person who wrote it.
#pragma once

#include <string>
#include <vector>

namespace rules {

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when the problem has no place in the file
  int column = 0;  // 1-based
  std::string message;

  // "file:line:col: message"
  std::string str() const;
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace rules
