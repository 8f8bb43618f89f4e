#include "cli/commands.h"

#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "files/loaders.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using testing::source_path;

namespace {

using testing::TempDir;

const std::string kCalendar = source_path("config/calendars/cn-mainland.yaml");
const std::string kPack = source_path("rules/packs/cn-admin-licensing");

std::string line(const std::string& id, const std::string& case_id, const std::string& type,
                 const std::string& when, const std::string& data = "{}") {
  return R"({"schema":"approval.event/v1","event_id":")" + id + R"(","case_id":")" + case_id +
         R"(","type":")" + type + R"(","occurred_at":")" + when +
         R"(","agency":"AG","item":"AG-FOOD-1","data":)" + data + "}\n";
}

}  // namespace

TEST_CASE("rules check passes the shipped packs and calendar", "[cli]") {
  std::ostringstream out, err;
  CHECK(approvald::cli::rules_check(
            {kPack, source_path("rules/packs/example-penalty-benchmark"), kCalendar}, out, err) ==
        0);
  CHECK_THAT(out.str(), Catch::Contains("pack cn-admin-licensing@2026.1, 9 rules"));
  CHECK_THAT(out.str(), Catch::Contains("calendar cn-mainland@2026, 2 published years"));
  CHECK(err.str().empty());
}

TEST_CASE("rules check lists every error of every file and exits 1", "[cli]") {
  TempDir tmp;
  const auto pack = tmp.write("bad/pack.yaml",
                              "pack: p\nversion: '1'\nrules:\n  - {id: a, title: t, kind: check, "
                              "level: blue, on: nothing}\n");
  const auto cal =
      tmp.write("cal.yaml", "calendar: c\nversion: '1'\ntime_zone: Mars/Olympus\nyears: {}\n");
  const auto other = tmp.write("other.yaml", "hello: world\n");
  std::ostringstream out, err;
  CHECK(approvald::cli::rules_check({pack.parent_path().string(), cal.string(), other.string(),
                                     (tmp.path / "missing.yaml").string()},
                                    out, err) == 1);
  const std::string e = err.str();
  INFO(e);
  CHECK_THAT(e, Catch::Contains(pack.string() + ":4:"));
  CHECK_THAT(e, Catch::Contains("'blue' is not reminder, yellow or red"));
  CHECK_THAT(e, Catch::Contains("unknown event type 'nothing'"));
  CHECK_THAT(e, Catch::Contains("'Mars/Olympus' is not supported"));
  CHECK_THAT(e, Catch::Contains("other.yaml: not a rule pack"));
  CHECK_THAT(e, Catch::Contains("missing.yaml: cannot open"));
  CHECK_THAT(e, Catch::EndsWith("6 errors\n"));
}

TEST_CASE("rules test runs the shipped packs' tests and fails a wrong expectation", "[cli]") {
  std::ostringstream out, err;
  CHECK(approvald::cli::rules_test({kPack + "/tests"}, out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains(" passed, 0 failed"));

  TempDir tmp;
  const auto t = tmp.write("t.yaml", "rule_packs: [" + kPack + "]\ncalendar: " + kCalendar + R"(
tests:
  - name: expects the wrong level
    events:
      - {case: C, type: received, at: "2026-02-12T10:00:00+08:00", agency: A, item: I}
    alerts:
      - {at: "2026-02-27T00:00:00+08:00", rule: alp-32-acceptance, firing: [{rule: alp-32-acceptance, level: yellow, case: C}]}
)");
  std::ostringstream out2, err2;
  CHECK(approvald::cli::rules_test({t.string()}, out2, err2) == 1);
  CHECK_THAT(out2.str(), Catch::Contains("FAIL  " + t.string() + ": expects the wrong level"));
  CHECK_THAT(out2.str(), Catch::Contains("0 passed, 1 failed"));
}

TEST_CASE("rules test PACKDIR runs the pack's tests, not pack.yaml", "[cli]") {
  std::ostringstream out, err;
  CHECK(approvald::cli::rules_test({kPack}, out, err) == 0);
  INFO(err.str());
  CHECK(err.str().empty());
  CHECK_THAT(out.str(), Catch::Contains("ok    " + kPack + "/tests/"));
  CHECK_THAT(out.str(), Catch::Contains(" passed, 0 failed\n"));

  // A pack without tests, a directory without test files, and pack.yaml named itself: each said.
  TempDir tmp;
  tmp.write("bare/pack.yaml", "pack: p\n");
  fs::create_directories(tmp.path / "empty");
  std::ostringstream out2, err2;
  CHECK(approvald::cli::rules_test(
            {(tmp.path / "bare").string(), (tmp.path / "empty").string(), kPack + "/pack.yaml"},
            out2, err2) == 1);
  const std::string e = err2.str();
  INFO(e);
  CHECK_THAT(e, Catch::Contains("bare: a pack without tests (no tests/*.yaml)"));
  CHECK_THAT(e, Catch::Contains("empty: no *.yaml test files"));
  CHECK_THAT(e, Catch::Contains("pack.yaml: a rule pack, not a rule test file"));
  CHECK_THAT(out2.str(), Catch::Contains("0 passed, 0 failed, 3 files could not be run"));
}

TEST_CASE("replay writes alerts in firing order and reports bad lines by number", "[cli]") {
  TempDir tmp;
  const auto log = tmp.write(
      "events.jsonl",
      line("e1", "K1", "accepted", "2026-09-18T10:02:00+08:00") + "{oops\n" +
          line("e2", "K2", "received", "2026-10-20T09:00:00+08:00") +
          line("e3", "K3", "received", "2026-10-20T09:00:00") + "\n" +
          line("e2", "K2", "received", "2026-10-20T09:00:00+08:00") +
          line("e4", "K1", "decided", "2026-10-26T10:00:00+08:00", R"({"outcome":"approved"})"));
  approvald::cli::ReplayOptions opt{{kPack}, kCalendar, std::nullopt, log.string()};
  std::istringstream in;
  std::ostringstream out, err;
  // Two rejected lines: the audit saw only part of the log, and says so by its exit code.
  REQUIRE(approvald::cli::replay(opt, in, out, err) == 1);
  const std::string e = err.str();
  INFO(e);
  CHECK_THAT(e, Catch::Contains("events.jsonl:2: rejected: not valid JSON"));
  CHECK_THAT(e, Catch::Contains("events.jsonl:4: rejected: occurred_at: missing UTC offset"));
  CHECK_THAT(e,
             Catch::Contains("replay: 4 events (1 duplicates, 2 rejected, 0 refused) in 2 cases"));
  std::vector<std::string> lines;
  std::istringstream s(out.str());
  for (std::string l; std::getline(s, l);) lines.push_back(l);
  REQUIRE(lines.size() >= 3);
  CHECK_THAT(lines[0],
             Catch::Contains(R"("alert_id":"K1/alp-42-decision/reminder/1","status":"firing")"));
  CHECK_THAT(out.str(),
             Catch::Contains(R"("alert_id":"K1/alp-42-decision/red/1","status":"firing")"));
  CHECK_THAT(out.str(),
             Catch::Contains(
                 R"("due_at":"2026-10-22T23:59:59+08:00","fired_at":"2026-10-23T00:00:00+08:00")"));
  // K2's acceptance deadline falls after the log ends: the clock stops at the last event.
  CHECK_THAT(out.str(), !Catch::Contains("K2/alp-32-acceptance/red"));

  opt.until = "2026-11-01T00:00:00+08:00";
  std::ostringstream out2, err2;
  REQUIRE(approvald::cli::replay(opt, in, out2, err2) == 1);
  CHECK_THAT(out2.str(), Catch::Contains("K2/alp-32-acceptance/red/1"));
}

TEST_CASE("replay exits 0 only when every line was applied or a duplicate", "[cli]") {
  TempDir tmp;
  const std::string good = line("e1", "K1", "received", "2026-02-12T10:00:00+08:00");
  const auto clean = tmp.write("clean.jsonl", good + good);
  approvald::cli::ReplayOptions opt{{kPack}, kCalendar, std::nullopt, clean.string()};
  std::istringstream in;
  std::ostringstream out, err;
  CHECK(approvald::cli::replay(opt, in, out, err) == 0);
  CHECK_THAT(err.str(), Catch::Contains("(1 duplicates, 0 rejected, 0 refused)"));

  opt.input = tmp.write("one-bad.jsonl", good + "{\"schema\":1}\n").string();
  std::ostringstream out2, err2;
  CHECK(approvald::cli::replay(opt, in, out2, err2) == 1);
  CHECK_THAT(err2.str(), Catch::Contains("one-bad.jsonl:2: rejected: "));
  CHECK_THAT(err2.str(), Catch::Contains("replay: 1 events (0 duplicates, 1 rejected, 0 refused)"));
}

TEST_CASE("replay reads standard input and refuses bad flags", "[cli]") {
  std::istringstream in(line("e1", "K1", "received", "2026-02-12T10:00:00+08:00"));
  std::ostringstream out, err;
  approvald::cli::ReplayOptions opt{{kPack}, kCalendar, "2026-03-01T00:00:00+08:00", "-"};
  REQUIRE(approvald::cli::replay(opt, in, out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("K1/alp-32-acceptance/red/1"));

  opt.until = "next week";
  std::ostringstream out2, err2;
  CHECK(approvald::cli::replay(opt, in, out2, err2) == 1);
  CHECK_THAT(err2.str(), Catch::Contains("--until: not an RFC 3339"));
  opt.until.reset();
  opt.packs = {"/nonexistent/pack"};
  std::ostringstream out3, err3;
  CHECK(approvald::cli::replay(opt, in, out3, err3) == 1);
  CHECK_THAT(err3.str(),
             Catch::Contains("/nonexistent/pack: cannot open: No such file or directory"));
}

TEST_CASE("explain shows the day-by-day arithmetic of a case", "[cli]") {
  TempDir tmp;
  const auto log = tmp.write("events.jsonl",
                             line("e1", "K1", "accepted", "2026-09-18T10:02:00+08:00") +
                                 line("e2", "K1", "procedure_started", "2026-09-21T10:00:00+08:00",
                                      R"({"procedure":"hearing"})") +
                                 line("e3", "K1", "procedure_ended", "2026-09-23T10:00:00+08:00",
                                      R"({"procedure":"hearing"})") +
                                 line("x1", "OTHER", "received", "2026-09-18T10:00:00+08:00"));
  approvald::cli::ExplainOptions opt{
      {kPack}, kCalendar, "K1", "2026-10-30T00:00:00+08:00", log.string()};
  std::istringstream in;
  std::ostringstream out, err;
  REQUIRE(approvald::cli::explain(opt, in, out, err) == 0);
  const std::string o = out.str();
  INFO(o);
  CHECK_THAT(o, Catch::Contains("clock alp-42-decision"));
  CHECK_THAT(o, Catch::Contains("the start day 2026-09-18 is not counted"));
  CHECK_THAT(o, Catch::Contains("2026-09-20 (Sun)  day 1   make-up working day for 国庆节"));
  CHECK_THAT(o, Catch::Contains("2026-09-22 (Tue)  paused (not counted)"));
  CHECK_THAT(o, Catch::Contains("[hearing]  excludes 2 working_days"));
  // Two excluded days move 10-22 to 10-26 (10-24 and 10-25 are a weekend).
  CHECK_THAT(o, Catch::Contains("due       2026-10-26T23:59:59+08:00"));
  CHECK_THAT(o, Catch::Contains("status    running at 2026-10-30T00:00:00+08:00  OVERDUE"));
  CHECK_THAT(o, Catch::Contains("FIRING   2026-10-27T00:00:00+08:00  K1/alp-42-decision/red/1"));
  CHECK_THAT(o, !Catch::Contains("OTHER"));

  opt.case_id = "NOPE";
  std::ostringstream out2, err2;
  CHECK(approvald::cli::explain(opt, in, out2, err2) == 1);
  CHECK_THAT(err2.str(), Catch::Contains("case NOPE: no events"));
}

TEST_CASE("the sample log exercises every statutory rule", "[cli]") {
  approvald::cli::ReplayOptions opt{{kPack, source_path("rules/packs/example-penalty-benchmark")},
                                    kCalendar,
                                    "2026-12-01T00:00:00+08:00",
                                    source_path("config/samples/events.jsonl")};
  std::istringstream in;
  std::ostringstream out, err;
  REQUIRE(approvald::cli::replay(opt, in, out, err) == 0);
  INFO(err.str());
  CHECK_THAT(err.str(), Catch::Contains("(1 duplicates, 0 rejected, 0 refused)"));
  for (const char* rule :
       {"alp-32-acceptance", "alp-32-one-time-notice", "alp-38-reason", "alp-42-decision",
        "alp-42-extension", "alp-44-certificate", "alp-58-fee", "promise-deadline",
        "proc-decision-without-acceptance", "penalty-benchmark"}) {
    INFO(rule);
    CHECK_THAT(out.str(), Catch::Contains(std::string(R"("status":"firing","level")")) &&
                              Catch::Contains(std::string(R"("rule_id":")") + rule + "\""));
  }
  // The late-reported hearing retracts a red card that the decision had already resolved.
  CHECK_THAT(out.str(),
             Catch::Contains(
                 R"("alert_id":"440300-2026-000180/alp-42-decision/red/1","status":"resolved")") &&
                 Catch::Contains(R"("resolution":"retracted")"));
  // The silent case breaches on its own timer.
  CHECK_THAT(out.str(),
             Catch::Contains(
                 R"("alert_id":"440300-2026-000230/alp-42-decision/red/1","status":"firing")"));
}

TEST_CASE("rules check refuses what is not a regular file instead of reading it forever", "[cli]") {
  TempDir tmp;
  const auto fifo = tmp.path / "fifo.yaml";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);  // nobody writes to it: opening must not wait
  fs::create_directories(tmp.path / "dir.yaml");
  std::ostringstream out, err;
  // /dev/zero ended in std::bad_alloc (exit 134) after eating all memory.
  CHECK(approvald::cli::rules_check({"/dev/zero", fifo.string()}, out, err) == 1);
  const std::string e = err.str();
  INFO(e);
  CHECK_THAT(e, Catch::Contains("/dev/zero: not a regular file (a character device)"));
  CHECK_THAT(e, Catch::Contains(fifo.string() + ": not a regular file (a FIFO)"));
  // A calendar or a pack file that is a directory says so too.
  approvald::cli::ReplayOptions opt{{kPack}, (tmp.path / "dir.yaml").string(), std::nullopt, "-"};
  std::istringstream in;
  std::ostringstream out2, err2;
  CHECK(approvald::cli::replay(opt, in, out2, err2) == 1);
  CHECK_THAT(err2.str(), Catch::Contains("dir.yaml: not a regular file (a directory)"));
}

TEST_CASE("rules check and rules test refuse a file larger than the bound", "[cli]") {
  TempDir tmp;
  const auto big = tmp.write("big.yaml", "pack: p\n");
  fs::resize_file(big, approvald::files::kMaxFileBytes + 1);  // sparse: costs no disk
  const auto ok = tmp.write("ok.yaml", "calendar: c\n");
  fs::resize_file(ok, approvald::files::kMaxFileBytes);  // at the bound: read, then found wrong
  std::ostringstream out, err;
  CHECK(approvald::cli::rules_check({big.string()}, out, err) == 1);
  CHECK(err.str() == big.string() + ": larger than 1048576 bytes\n1 error\n");
  std::ostringstream out2, err2;
  CHECK(approvald::cli::rules_test({big.string()}, out2, err2) != 0);
  CHECK_THAT(err2.str(), Catch::Contains(big.string() + ": larger than 1048576 bytes"));
  std::string why;
  CHECK(approvald::files::read_file(ok, &why).value_or("").size() ==
        approvald::files::kMaxFileBytes);
}

TEST_CASE("replay bounds the length of a line and refuses a device as its log", "[cli]") {
  TempDir tmp;
  const auto log = tmp.write(
      "events.jsonl", line("e1", "K1", "received", "2026-02-12T10:00:00+08:00") +
                          std::string(approvald::files::kMaxEventLineBytes + 10, 'x') + "\n" +
                          line("e2", "K2", "received", "2026-02-12T10:00:00+08:00"));
  approvald::cli::ReplayOptions opt{{kPack}, kCalendar, "2026-03-01T00:00:00+08:00", log.string()};
  std::istringstream in;
  std::ostringstream out, err;
  approvald::cli::replay(opt, in, out, err);
  INFO(err.str());
  CHECK_THAT(err.str(),
             Catch::Contains("events.jsonl:2: rejected: line longer than 1048576 bytes"));
  CHECK(err.str().size() < 1000);
  // The lines around it are read as usual.
  CHECK_THAT(out.str(), Catch::Contains("K1/alp-32-acceptance/red/1"));
  CHECK_THAT(out.str(), Catch::Contains("K2/alp-32-acceptance/red/1"));

  opt.input = "/dev/zero";
  std::ostringstream out2, err2;
  CHECK(approvald::cli::replay(opt, in, out2, err2) == 1);
  CHECK_THAT(err2.str(),
             Catch::Contains("/dev/zero: not a regular file or FIFO (a character device)"));
}

TEST_CASE("rules check counts every error of a file whose list was cut", "[cli]") {
  TempDir tmp;
  std::string text =
      "calendar: c\nversion: '1'\ntime_zone: Asia/Shanghai\nyears:\n  2026:\n    notice: n\n"
      "    holidays:\n";
  for (int i = 0; i < 3000; ++i)
    text += "      - {name: h" + std::to_string(i) + ", from: 2026-10-01}\n";
  const auto cal = tmp.write("cal.yaml", text);
  std::ostringstream out, err;
  CHECK(approvald::cli::rules_check({cal.string()}, out, err) == 1);
  const std::string e = err.str();
  CHECK(std::count(e.begin(), e.end(), '\n') == 102);  // 100, the closing line, the total
  CHECK_THAT(e, Catch::EndsWith(cal.string() +
                                ": \xE2\x80\xA6 and 2899 more errors (only the first 100 are "
                                "shown)\n2999 errors\n"));
}

TEST_CASE("replay's rejection lines are bounded and escaped: no terminal escape reaches stderr",
          "[cli]") {
  TempDir tmp;
  // A C1 CSI (the decoder refuses C0 control characters) and 500 KB.
  const std::string type = "\\u009b2J" + std::string(500 * 1024, 'x');
  const auto log = tmp.write(
      "events.jsonl",
      R"({"schema":"approval.event/v1","event_id":"e1","case_id":"C1","type":")" + type +
          R"(","occurred_at":"2026-03-10T09:00:00+08:00","agency":"A","item":"I"})" + "\n");
  approvald::cli::ReplayOptions opt{{kPack}, kCalendar, std::nullopt, log.string()};
  std::istringstream in;
  std::ostringstream out, err;
  (void)approvald::cli::replay(opt, in, out, err);
  const std::string e = err.str();
  const std::string first = e.substr(0, e.find('\n'));
  CHECK_THAT(first, Catch::Contains(R"(rejected: type: unknown event type '\u009b2Jxxx)"));
  CHECK_THAT(first, Catch::Contains("…[cut: "));
  CHECK(first.size() < 600);
  CHECK(e.find("\xc2\x9b") == std::string::npos);
}
