// Usage errors, through the real binary (main.cc wires the commands), and the validators.
#include "cli/usage.h"

#include <catch2/catch.hpp>
#include <regex>

#include "approvald_version.h"
#include "run_binary.h"
#include "support/temp_dir.h"

using testing::run_approvald;
using testing::TempDir;

TEST_CASE("an unknown or missing command exits 2, names it and lists the commands", "[cli]") {
  TempDir tmp;
  const auto bogus = run_approvald({"bogus"}, tmp.path);
  CHECK(bogus.exit_code == 2);
  CHECK_THAT(bogus.err, Catch::StartsWith("approvald: unknown command 'bogus'\ncommands:\n"));
  CHECK_THAT(bogus.err, Catch::Contains("  replay ") && Catch::Contains("  generate "));

  const auto sub = run_approvald({"rules", "chek", "x"}, tmp.path);
  CHECK(sub.exit_code == 2);
  CHECK_THAT(sub.err, Catch::StartsWith("approvald rules: unknown command 'chek'"));
  CHECK_THAT(sub.err, Catch::Contains("  check ") && Catch::Contains("  apply "));

  const auto none = run_approvald({"store"}, tmp.path);
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.err, Catch::StartsWith("approvald store: a command is required"));
  CHECK_THAT(none.err, Catch::Contains("  dump "));

  // What is echoed cannot reach the terminal as an escape sequence.
  const auto esc = run_approvald({"\x1b[31mred"}, tmp.path);
  CHECK(esc.exit_code == 2);
  CHECK_THAT(esc.err, Catch::Contains("unknown command '\\x1b[31mred'"));
}

TEST_CASE("a negative or malformed number is refused at once, naming the option", "[cli]") {
  TempDir tmp;
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      // CLI11 converted "-3" with strtoull: 2^64 - 3 cases, ten minutes before anyone noticed.
      {{"generate", "--cases", "-3"},
       "approvald generate: --cases: '-3' is not a whole number (0 or more)"},
      {{"generate", "--cases=-3"}, "--cases: '-3' is not a whole number"},
      {{"generate", "--seed", "-1"}, "--seed: '-1' is not a whole number"},
      {{"generate", "--cases", "1e3"}, "--cases: '1e3' is not a whole number"},
      {{"generate", "--rate", "-1", "--produce", "127.0.0.1:9"},
       "approvald generate: --rate: '-1' is not a number of 0 or more"},
      {{"generate", "--rate", "nan"}, "--rate: 'nan' is not a number of 0 or more"},
      {{"demo", "--seed", "-1"}, "approvald demo: --seed: '-1' is not a whole number"},
      {{"demo", "--duration", "-5"}, "--duration: '-5' is not a whole number from 0 to"},
      {{"demo", "--duration", "99999999999"}, "--duration: '99999999999' is not a whole number"},
      {{"demo", "--speed", "-1"}, "--speed: '-1' is not a number of 1 or more"},
      {{"demo", "--cases-per-day", "-1"}, "--cases-per-day: '-1' is not a number of 0 or more"},
      {{"demo", "--http-listen", "localhost:8080"},
       "approvald demo: --http-listen: 'localhost:8080': 'localhost' is not an IP address"},
      {{"run", "--config", "c.yaml", "--http-listen", "127.0.0.1:99999"},
       "approvald run: --http-listen: '127.0.0.1:99999': the port must be a number from 0 to"},
  };
  for (const auto& c : cases) {
    INFO(c.args[0] << ' ' << c.args[1]);
    const auto r = run_approvald(c.args, tmp.path, "", std::chrono::seconds(30));
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(c.message));
    CHECK(r.out.empty());
  }
}

TEST_CASE("other usage errors exit 2 with CLI11's reason and the command", "[cli]") {
  TempDir tmp;
  const auto r = run_approvald({"replay", "--calendar", "c.yaml"}, tmp.path);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::StartsWith("approvald replay: --pack is required\n"));
  CHECK_THAT(r.err, Catch::Contains("approvald replay --help"));
  const auto x =
      run_approvald({"store", "dump", "--data-dir", "d", "--marks", "--tallies"}, tmp.path);
  CHECK(x.exit_code == 2);
  CHECK_THAT(x.err, Catch::StartsWith("approvald store dump: "));
  // Help is not an error.
  const auto h = run_approvald({"generate", "--help"}, tmp.path);
  CHECK(h.exit_code == 0);
  CHECK_THAT(h.out, Catch::Contains("--cases"));
}

TEST_CASE("the version flag and the package say the project's version with the revision", "[cli]") {
  TempDir tmp;
  const auto r = run_approvald({"--version"}, tmp.path);
  CHECK(r.exit_code == 0);
  CHECK(r.out == std::string("approvald ") + APPROVALD_VERSION_STRING + "\n");
  // The project's version from CMakeLists.txt, then "+revision" in a checkout.
  CHECK_THAT(APPROVALD_VERSION_STRING, Catch::StartsWith(APPROVALD_PROJECT_VERSION));
  CHECK(std::regex_match(APPROVALD_VERSION_STRING,
                         std::regex(R"(\d+\.\d+\.\d+(\+[0-9A-Za-z]+(\.[0-9A-Za-z]+)*)?)")));
  const std::string cpack =
      testing::slurp(std::string(APPROVALD_BINARY_DIR) + "/CPackConfig.cmake");
  CHECK_THAT(cpack, Catch::Contains(std::string("set(CPACK_PACKAGE_VERSION \"") +
                                    APPROVALD_VERSION_STRING + "\")"));
}

TEST_CASE("validators check the text before CLI11 converts it", "[cli]") {
  auto check = [](const CLI::Validator& v, std::string s) { return v(s); };
  const auto whole = approvald::cli::whole_number();
  CHECK(check(whole, "0").empty());
  CHECK(check(whole, "18446744073709551615").empty());
  CHECK(check(whole, "18446744073709551616") != "");
  CHECK(check(whole, "-0") != "");
  CHECK(check(whole, "+1") != "");
  CHECK(check(whole, " 1") != "");
  CHECK(check(whole, "") != "");
  CHECK(check(approvald::cli::whole_number(10), "11") == "'11' is not a whole number from 0 to 10");
  const auto rate = approvald::cli::number_at_least(0);
  CHECK(check(rate, "0").empty());
  CHECK(check(rate, "2.5").empty());
  CHECK(check(rate, "-0.1") == "'-0.1' is not a number of 0 or more");
  CHECK(check(rate, "inf") != "");
  CHECK(check(rate, "1x") != "");
}

TEST_CASE("shown() bounds and escapes what it echoes", "[cli]") {
  using approvald::cli::shown;
  CHECK(shown("plain") == "plain");
  CHECK(shown("a\r\nb\x1b\x7f") == "a\\r\\nb\\x1b\\x7f");
  CHECK(shown(std::string(300, 'x')) == std::string(200, 'x') + "…[cut: 300 bytes]");
  // Cut between characters, never inside one: 审 is three bytes.
  CHECK(shown("ab审", 3) == "ab…[cut: 5 bytes]");
}
