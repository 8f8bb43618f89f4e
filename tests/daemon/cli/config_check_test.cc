// `config check`: what `run` verifies at start, found without starting.
#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "cli/commands.h"
#include "config/check.h"
#include "kafka/validate.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using testing::source_path;
using testing::TempDir;

namespace {

// A configuration that `run` would start with: the shipped packs and calendar.
approvald::config::Config valid_config(const TempDir& tmp) {
  approvald::config::Config c;
  c.data_dir = (tmp.path / "data").string();
  c.rules.packs = {source_path("rules/packs/cn-admin-licensing"),
                   source_path("rules/packs/example-penalty-benchmark")};
  c.rules.calendar = source_path("config/calendars/cn-mainland.yaml");
  c.http.rules_token_file = tmp.write("token", "s3cret\n").string();
  return c;
}

}  // namespace

TEST_CASE("config check passes what run would start with", "[cli]") {
  TempDir tmp;
  std::ostringstream out, err;
  CHECK(approvald::cli::check_config("a.yaml", valid_config(tmp), out, err) == 0);
  CHECK(err.str().empty());
  CHECK_THAT(out.str(), Catch::StartsWith("ok    a.yaml"));
  CHECK_FALSE(fs::exists(tmp.path / "data"));  // checking creates nothing
}

TEST_CASE("config check lists every problem run would meet, with its key path", "[cli]") {
  TempDir tmp;
  auto c = valid_config(tmp);
  c.http.listen = "localhost:8080";
  c.data_dir = tmp.write("not-a-dir", "x").string();
  c.rules.packs = {source_path("rules/packs/cn-admin-licensing"),
                   (tmp.path / "missing-pack").string(),
                   tmp.write("bad/pack.yaml", "pack: p\nversion: '1'\nrules: 7\n").string()};
  c.rules.calendar = (tmp.path / "missing.yaml").string();
  c.http.rules_token_file = tmp.write("blank-token", " \n").string();
  c.kafka.properties = {{"no.such.property", "1"},
                        {"message.timeout.ms", "-5"},
                        {"acks", "all"}};  // valid: not reported
  std::ostringstream out, err;
  CHECK(approvald::cli::check_config("a.yaml", c, out, err) == 1);
  const std::string e = err.str();
  INFO(e);
  CHECK(out.str().empty());
  CHECK_THAT(e, Catch::Contains("a.yaml: http.listen: 'localhost:8080': 'localhost' is not an IP "
                                "address"));
  CHECK_THAT(e, Catch::Contains("a.yaml: data_dir: " + c.data_dir +
                                ": exists and is not a "
                                "directory"));
  CHECK_THAT(e, Catch::Contains("a.yaml: rules.packs[1]: " + (tmp.path / "missing-pack").string() +
                                ": cannot open"));
  CHECK_THAT(e, Catch::Contains("a.yaml: rules.packs[2]: " + c.rules.packs[2] + ":3:"));
  CHECK_THAT(e, Catch::Contains("a.yaml: rules.calendar: " + c.rules.calendar + ": cannot open"));
  CHECK_THAT(e, Catch::Contains("a.yaml: http.rules_token_file: " + c.http.rules_token_file +
                                ": is empty"));
  CHECK_THAT(e, Catch::Contains("a.yaml: kafka.properties.no.such.property: No such "
                                "configuration property: \"no.such.property\"\n"));
  CHECK_THAT(e, Catch::Contains("a.yaml: kafka.properties.message.timeout.ms: Configuration "
                                "property \"message.timeout.ms\" value -5 is outside allowed "
                                "range"));
  CHECK_THAT(e, !Catch::Contains("kafka.properties.acks"));
  CHECK_THAT(e, Catch::EndsWith(" errors\n"));
}

TEST_CASE("config check combines the packs as run does", "[cli]") {
  TempDir tmp;
  auto c = valid_config(tmp);
  // The same pack twice: each loads, together their rule ids collide.
  c.rules.packs = {source_path("rules/packs/cn-admin-licensing"),
                   source_path("rules/packs/cn-admin-licensing")};
  std::ostringstream out, err;
  CHECK(approvald::cli::check_config("a.yaml", c, out, err) == 1);
  INFO(err.str());
  CHECK_THAT(err.str(), Catch::StartsWith("a.yaml: rules: "));
}

TEST_CASE("config check refuses a token file that is missing or a directory", "[cli]") {
  TempDir tmp;
  auto c = valid_config(tmp);
  c.http.rules_token_file = (tmp.path / "nope").string();
  std::ostringstream out, err;
  CHECK(approvald::cli::check_config("a.yaml", c, out, err) == 1);
  CHECK_THAT(err.str(), Catch::Contains("http.rules_token_file: " + c.http.rules_token_file +
                                        ": does not exist"));
  c.http.rules_token_file = tmp.path.string();
  std::ostringstream out2, err2;
  CHECK(approvald::cli::check_config("a.yaml", c, out2, err2) == 1);
  CHECK_THAT(err2.str(), Catch::Contains(": not a regular file"));
  // Not configured: PUT /api/v1/rules is disabled, which is no error.
  c.http.rules_token_file.clear();
  std::ostringstream out3, err3;
  CHECK(approvald::cli::check_config("a.yaml", c, out3, err3) == 0);
}

TEST_CASE("listen addresses are checked as the server binds them", "[cli]") {
  using approvald::config::listen_problem;
  CHECK_FALSE(listen_problem("127.0.0.1:8080"));
  CHECK_FALSE(listen_problem("0.0.0.0:0"));
  CHECK_FALSE(listen_problem("::1:8080"));
  CHECK(listen_problem("127.0.0.1").value() == "'127.0.0.1' is not host:port");
  CHECK_THAT(listen_problem("127.0.0.1:65536").value(), Catch::Contains("from 0 to 65535"));
  CHECK_THAT(listen_problem("127.0.0.1:80x").value(), Catch::Contains("from 0 to 65535"));
  CHECK_THAT(listen_problem("127.0.0.1:").value(), Catch::Contains("from 0 to 65535"));
  CHECK_THAT(listen_problem(":8080").value(), Catch::Contains("no host"));
  CHECK_THAT(listen_problem("300.1.1.1:80").value(), Catch::Contains("is not an IP address"));
  CHECK_THAT(listen_problem("a\nb:80").value(), Catch::Contains("'a\\nb'"));
}

TEST_CASE("librdkafka judges each property on its own", "[cli]") {
  const auto problems = approvald::kafka::validate_properties(
      {{"linger.ms", "5"}, {"linger.ms.typo", "5"}, {"enable.idempotence", "perhaps"}});
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].name == "enable.idempotence");
  CHECK_THAT(problems[0].message, Catch::Contains("enable.idempotence"));
  CHECK(problems[1].name == "linger.ms.typo");
  CHECK(problems[1].message == "No such configuration property: \"linger.ms.typo\"");
}
