#include "rules/echo.h"

#include <catch2/catch.hpp>

TEST_CASE("echo keeps printable text and UTF-8 as is", "[echo]") {
  CHECK(rules::echo("plain text") == "plain text");
  CHECK(rules::echo("营业执照") == "营业执照");
  CHECK(rules::quoted("a'b") == "'a'b'");
}

TEST_CASE("echo escapes control characters, backslash and invalid UTF-8", "[echo]") {
  CHECK(rules::echo("a\r\nb\tc") == "a\\r\\nb\\tc");
  CHECK(rules::echo(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(rules::echo("\x1b[31m") == "\\x1b[31m");
  CHECK(rules::echo("\x7f") == "\\x7f");
  CHECK(rules::echo("back\\slash") == "back\\\\slash");
  CHECK(rules::echo("\xff\xfe") == "\\xff\\xfe");
  CHECK(rules::echo("\xc0\xaf") == "\\xc0\\xaf");           // overlong '/'
  CHECK(rules::echo("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
  CHECK(rules::echo("\xe8\x90") == "\\xe8\\x90");           // cut sequence
}

TEST_CASE("echo cuts long input on a character boundary and says how long it was", "[echo]") {
  const std::string long_text(1000, 'x');
  const std::string e = rules::echo(long_text);
  CHECK(e.size() < 240);
  CHECK(e.rfind(std::string(200, 'x'), 0) == 0);
  CHECK_THAT(e, Catch::EndsWith("[cut: 1000 bytes]"));
  std::string cjk;
  for (int i = 0; i < 100; ++i) cjk += "证";  // 3 bytes each
  const std::string c = rules::echo(cjk, 10);
  CHECK(c.rfind("证证证证", 0) == 0);  // 12 bytes: the last character is never split
  CHECK(rules::valid_utf8(c));
  CHECK(rules::echo(std::string(200, 'y')) == std::string(200, 'y'));
}

TEST_CASE("valid_utf8 follows RFC 3629", "[echo]") {
  CHECK(rules::valid_utf8("abc 营业 \xf0\x9f\x98\x80"));
  CHECK_FALSE(rules::valid_utf8("\xff"));
  CHECK_FALSE(rules::valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(rules::valid_utf8("\xe0\x80\x80"));      // overlong
}
