// The supervision centre's dashboard: static files compiled into the binary (no CDN, works
// offline). The daemon serves them at / beside the JSON API they call.
#pragma once

#include <string_view>

namespace approvald::dashboard {

struct Asset {
  std::string_view path;  // "/index.html", "/app.js", …
  std::string_view content_type;
  std::string_view body;
};

// The asset served at `path`, or nullptr.
const Asset* asset(std::string_view path);

}  // namespace approvald::dashboard
