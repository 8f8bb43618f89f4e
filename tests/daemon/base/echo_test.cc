#include "base/echo.h"

#include <catch2/catch.hpp>

#include "base/log.h"

namespace echo = approvald::echo;

TEST_CASE("echo::text keeps printable text and UTF-8 as it is", "[echo]") {
  CHECK(echo::text("case 440300-2026-000123") == "case 440300-2026-000123");
  CHECK(echo::text("审批 ✓") == "审批 ✓");
}

TEST_CASE("echo::text escapes control characters, DEL, C1 controls, backslashes, bad UTF-8",
          "[echo]") {
  CHECK(echo::text("a\r\nX-Injected: 1") == R"(a\r\nX-Injected: 1)");
  CHECK(echo::text("\x1b[31mred\x7f") == R"(\x1b[31mred\x7f)");
  CHECK(echo::text("\xc2\x9b"
                   "2J") == R"(\u009b2J)");  // a CSI in C1 form
  CHECK(echo::text("back\\slash") == R"(back\\slash)");
  CHECK(echo::text("\xff\xfe ok \xe4\xb8") == R"(\xff\xfe ok \xe4\xb8)");
  CHECK(echo::text("\xed\xa0\x80") == R"(\xed\xa0\x80)");  // a surrogate is not UTF-8
  CHECK(echo::text(std::string("nul\0byte", 8)) == R"(nul\x00byte)");
}

TEST_CASE("echo::text cuts at the bound on a character boundary and marks the cut", "[echo]") {
  const std::string big(500 * 1024, 'x');
  const std::string out = echo::text(big);
  CHECK(out == std::string(200, 'x') + "…[cut, 512000 bytes]");
  // Three-byte characters: 66 fit in 200 bytes, the 67th would straddle the bound.
  std::string cjk;
  for (int i = 0; i < 100; ++i) cjk += "审";
  CHECK(echo::text(cjk) == cjk.substr(0, 198) + "…[cut, 300 bytes]");
  // Escapes count as what they become.
  CHECK(echo::text(std::string(100, '\n'), 10) == R"(\n\n\n\n\n)"
                                                  "…[cut, 100 bytes]");
  CHECK(echo::text("short", 5) == "short");
}

TEST_CASE("echo::utf8_prefix never ends inside a character", "[echo]") {
  CHECK(echo::utf8_prefix("审批", 4) == 3);
  CHECK(echo::utf8_prefix("审批", 6) == 6);
  CHECK(echo::utf8_prefix("abc", 2) == 2);
  CHECK(echo::utf8_prefix("\xff\xff\xff", 2) == 2);
}

TEST_CASE("log fields are valid JSON with no raw control character, and bounded", "[echo][log]") {
  namespace log = approvald::log;
  CHECK(log::escape("a\"b\\c\nd") == R"(a\"b\\c\nd)");
  CHECK(log::escape("\x1b[2J") == R"(\u001b[2J)");
  CHECK(log::escape("\xc2\x9b") == R"(\u009b)");
  CHECK(log::escape("\x7f") == R"(\u007f)");
  CHECK(log::escape("bad \xff") == R"(bad \\xff)");  // the text \xff: still valid JSON
  CHECK(log::escape("审批") == "审批");
  const std::string out = log::escape(std::string(10000, 'y'));
  CHECK(out == std::string(log::kMaxField, 'y') + "…[cut, 10000 bytes]");
}

TEST_CASE("echo::safe leaves escapes made before single, and escapes what is raw", "[echo]") {
  const std::string once = echo::text("a\x1b[2J\\b");
  CHECK(once == R"(a\x1b[2J\\b)");
  CHECK(echo::safe(once) == once);
  CHECK(echo::safe("raw \r\n\x1b \xc2\x9b") == R"(raw \r\n\x1b \u009b)");
}
