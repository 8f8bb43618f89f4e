// The rule packs and calendar shipped with approvald, compiled into the binary, so that
// `approvald demo` and `approvald generate` run from anywhere with no source tree beside them.
// The daemon itself reads its configured files (they are what an operator edits).
#pragma once

#include <string_view>

namespace approvald::shipped {

struct Asset {
  std::string_view path;  // "/rules/packs/cn-admin-licensing/pack.yaml", …
  std::string_view content_type;
  std::string_view body;
};

// The file at `path` (relative to the source tree, with a leading '/'), or nullptr.
const Asset* asset(std::string_view path);

inline constexpr std::string_view kCalendar = "/config/calendars/cn-mainland.yaml";
inline constexpr std::string_view kPacks[] = {"/rules/packs/cn-admin-licensing/pack.yaml",
                                              "/rules/packs/example-penalty-benchmark/pack.yaml"};

}  // namespace approvald::shipped
