#include "http/echo.h"

#include <boost/json.hpp>

namespace approvald::http {

std::string echo(std::string_view input, std::size_t limit) {
  std::string out;
  std::size_t i = 0;
  for (; i < input.size() && out.size() < limit; ++i) {
    const auto c = static_cast<unsigned char>(input[i]);
    if (c < 0x20 || c == 0x7f) {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (i < input.size()) {
    // Do not end inside a UTF-8 sequence: drop continuation bytes and their lead.
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
    out += "…(cut, " + std::to_string(input.size()) + " bytes)";
  }
  return out;
}

std::string error_json(std::string_view message) {
  boost::json::object o;
  o["error"] = message;
  return boost::json::serialize(o);
}

}  // namespace approvald::http
