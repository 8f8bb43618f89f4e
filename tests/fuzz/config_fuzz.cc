// The configuration loader (daemon/config/config.h) on arbitrary YAML: a configuration or
// diagnostics naming the key, never a crash. Parsing reads no file, so any base directory does.
#include <variant>

#include "check.h"
#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed = approvald::config::parse(approvald::fuzz::as_text(data, size), "approvald.yaml",
                                         "/etc/approvald");
  if (auto* diags = std::get_if<rules::Diagnostics>(&parsed)) {
    approvald::fuzz::check(!diags->empty(), "a refused configuration says why");
  }
  return 0;
}
