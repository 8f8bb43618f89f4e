#include "base/log.h"

#include <catch2/catch.hpp>

TEST_CASE("log fields are valid JSON with no raw control character, and bounded", "[log]") {
  namespace log = approvald::log;
  CHECK(log::escape("a\"b\\c\nd") == R"(a\"b\\c\nd)");
  CHECK(log::escape("\x1b[2J") == R"(\u001b[2J)");
  CHECK(log::escape("\xc2\x9b") == R"(\u009b)");
  CHECK(log::escape("\x7f") == R"(\u007f)");
  CHECK(log::escape("bad \xff") == R"(bad \\xff)");  // the text \xff: still valid JSON
  CHECK(log::escape("审批") == "审批");
  const std::string out = log::escape(std::string(10000, 'y'));
  CHECK(out == std::string(log::kMaxField, 'y') + "…[cut: 10000 bytes]");
}
