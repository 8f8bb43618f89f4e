// A load-time problem in a calendar, rule pack or test file, located for the person who wrote it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace rules {

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when the problem has no place in the file
  int column = 0;  // 1-based
  std::string message;
  // Non-zero only on the closing line of a file with more diagnostics than are kept
  // (kMaxDiagnosticsPerFile): how many were left out.
  std::size_t omitted = 0;

  // "file:line:col: message"
  std::string str() const;
};

using Diagnostics = std::vector<Diagnostic>;

// Diagnostics kept per file; past it one more line says how many were left out, so that a file
// with a million mistakes costs a screenful, not a gigabyte.
inline constexpr std::size_t kMaxDiagnosticsPerFile = 100;

// Appends `x`, or, once its file has kMaxDiagnosticsPerFile in `d`, counts it on that file's
// closing line ("… and N more errors").
void add_bounded(Diagnostics& d, Diagnostic x);

// "… and N more errors (only the first 100 are shown)"
std::string more_errors(std::size_t omitted);

// How many problems `d` stands for: each diagnostic one, a closing line the number it left out.
std::size_t problem_count(const Diagnostics& d);

}  // namespace rules
