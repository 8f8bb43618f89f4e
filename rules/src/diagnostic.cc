#include "rules/diagnostic.h"

namespace rules {

std::string Diagnostic::str() const {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line) + ':' + std::to_string(column);
  }
  out += ": ";
  out += message;
  return out;
}

std::string more_errors(std::size_t omitted) {
  return "\xE2\x80\xA6 and " + std::to_string(omitted) + " more errors (only the first " +
         std::to_string(kMaxDiagnosticsPerFile) + " are shown)";
}

void add_bounded(Diagnostics& d, Diagnostic x) {
  std::size_t kept = 0;
  for (Diagnostic& y : d) {
    if (y.file != x.file) continue;
    if (y.omitted != 0) {
      y.message = more_errors(++y.omitted);
      return;
    }
    ++kept;
  }
  if (kept < kMaxDiagnosticsPerFile) {
    d.push_back(std::move(x));
  } else {
    d.push_back(Diagnostic{x.file, 0, 0, more_errors(1), 1});
  }
}

std::size_t problem_count(const Diagnostics& d) {
  std::size_t n = 0;
  for (const Diagnostic& x : d) n += x.omitted != 0 ? x.omitted : 1;
  return n;
}

}  // namespace rules
