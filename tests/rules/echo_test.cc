#include "rules/echo.h"

#include <catch2/catch.hpp>

TEST_CASE("echo keeps printable text and UTF-8 as is", "[echo]") {
  CHECK(rules::echo("plain text") == "plain text");
  CHECK(rules::echo("case 440300-2026-000123") == "case 440300-2026-000123");
  CHECK(rules::echo("营业执照") == "营业执照");
  CHECK(rules::echo("审批 ✓") == "审批 ✓");
  CHECK(rules::echo("\xc2\xa0nbsp") == "\xc2\xa0nbsp");  // U+00A0 is past the C1 range
  CHECK(rules::quoted("a'b") == "'a'b'");
}

TEST_CASE("echo escapes control characters, DEL, C1 controls, backslash and invalid UTF-8",
          "[echo]") {
  CHECK(rules::echo("a\r\nb\tc") == "a\\r\\nb\\tc");
  CHECK(rules::echo("a\r\nX-Injected: 1") == R"(a\r\nX-Injected: 1)");  // no header split
  CHECK(rules::echo(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(rules::echo("\x1b[31mred\x7f") == R"(\x1b[31mred\x7f)");
  CHECK(rules::echo("\xc2\x9b"
                    "2J") == R"(\u009b2J)");  // a CSI in C1 form
  CHECK(rules::echo("\xc2\x80\xc2\x9f") == R"(\u0080\u009f)");
  CHECK(rules::echo("back\\slash") == "back\\\\slash");
  CHECK(rules::echo("\xff\xfe ok \xe4\xb8") == R"(\xff\xfe ok \xe4\xb8)");
  CHECK(rules::echo("\xc0\xaf") == "\\xc0\\xaf");           // overlong '/'
  CHECK(rules::echo("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
  CHECK(rules::echo("\xe8\x90") == "\\xe8\\x90");           // cut sequence
}

TEST_CASE("echo cuts at the bound on a character boundary and says how long the input was",
          "[echo]") {
  CHECK(rules::echo(std::string(500 * 1024, 'x')) ==
        std::string(200, 'x') + "…[cut: 512000 bytes]");
  CHECK(rules::echo(std::string(200, 'y')) == std::string(200, 'y'));
  CHECK(rules::echo("short", 5) == "short");
  // Three-byte characters: 66 fit in 200 bytes, the 67th would straddle the bound.
  std::string cjk;
  for (int i = 0; i < 100; ++i) cjk += "审";
  CHECK(rules::echo(cjk) == cjk.substr(0, 198) + "…[cut: 300 bytes]");
  const std::string c = rules::echo(cjk, 10);
  CHECK(c == "审审审…[cut: 300 bytes]");  // 9 bytes: the fourth character is never split
  CHECK(rules::valid_utf8(c));
  // Escapes count as what they become: the output, not the input, is bounded.
  CHECK(rules::echo(std::string(100, '\n'), 10) == R"(\n\n\n\n\n)"
                                                   "…[cut: 100 bytes]");
  CHECK(rules::echo(std::string(100, '\x1b'), 10) == R"(\x1b\x1b)"
                                                     "…[cut: 100 bytes]");
}

TEST_CASE("safe leaves escapes made before single, and escapes what is raw", "[echo]") {
  const std::string once = rules::echo("a\x1b[2J\\b");
  CHECK(once == R"(a\x1b[2J\\b)");
  CHECK(rules::safe(once) == once);
  CHECK(rules::safe(rules::safe("x\\y\r\n")) == rules::safe("x\\y\r\n"));
  CHECK(rules::safe("raw \r\n\x1b \xc2\x9b \xff") == R"(raw \r\n\x1b \u009b \xff)");
  CHECK(rules::safe(std::string(300, 'z')) == std::string(200, 'z') + "…[cut: 300 bytes]");
}

TEST_CASE("utf8_prefix never ends inside a character", "[echo]") {
  CHECK(rules::utf8_prefix("审批", 4) == 3);
  CHECK(rules::utf8_prefix("审批", 6) == 6);
  CHECK(rules::utf8_prefix("审批", 2) == 0);
  CHECK(rules::utf8_prefix("abc", 2) == 2);
  CHECK(rules::utf8_prefix("\xff\xff\xff", 2) == 2);  // an invalid byte is one character
}

TEST_CASE("valid_utf8 follows RFC 3629", "[echo]") {
  CHECK(rules::valid_utf8("abc 营业 \xf0\x9f\x98\x80"));
  CHECK_FALSE(rules::valid_utf8("\xff"));
  CHECK_FALSE(rules::valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(rules::valid_utf8("\xe0\x80\x80"));      // overlong
  CHECK(rules::utf8_sequence_length("\xe5\xae\xa1", 0) == 3);
  CHECK(rules::utf8_sequence_length("\xe5\xae", 0) == 0);
}
