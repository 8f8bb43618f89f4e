// approvald: real-time electronic supervision of administrative approvals.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"

#ifndef APPROVALD_VERSION
#define APPROVALD_VERSION "0.1.0"
#endif

int main(int argc, char** argv) {
  CLI::App app{"approvald - electronic supervision of administrative approvals (行政审批电子监察)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", APPROVALD_VERSION);

  auto* rules_cmd = app.add_subcommand("rules", "Validate and test rule packs and calendars");
  rules_cmd->require_subcommand(1);
  std::vector<std::string> check_paths, test_files;
  auto* check = rules_cmd->add_subcommand("check", "Validate packs, calendars and rule test files");
  check->add_option("paths", check_paths, "Pack directories or YAML files")->required();
  auto* test = rules_cmd->add_subcommand("test", "Run rule unit tests");
  test->add_option("files", test_files, "Rule test files or directories of them")->required();

  approvald::cli::ReplayOptions ro;
  auto* replay = app.add_subcommand("replay", "Audit an event log offline, in event time");
  replay->add_option("--pack", ro.packs, "Rule pack directory (repeatable)")->required();
  replay->add_option("--calendar", ro.calendar, "Calendar YAML file")->required();
  replay->add_option("--until", ro.until, "Advance the clock to this RFC 3339 time at the end");
  replay->add_option("events", ro.input, "JSONL event log, or - for standard input");

  approvald::cli::ExplainOptions eo;
  auto* explain = app.add_subcommand("explain", "Show the clock arithmetic of one case");
  explain->add_option("--pack", eo.packs, "Rule pack directory (repeatable)")->required();
  explain->add_option("--calendar", eo.calendar, "Calendar YAML file")->required();
  explain->add_option("--case", eo.case_id, "Case id")->required();
  explain->add_option("--at", eo.at, "Evaluate at this RFC 3339 time (default: the last event)");
  explain->add_option("events", eo.input, "JSONL event log, or - for standard input");

  CLI11_PARSE(app, argc, argv);

  if (check->parsed()) return approvald::cli::rules_check(check_paths, std::cout, std::cerr);
  if (test->parsed()) return approvald::cli::rules_test(test_files, std::cout, std::cerr);
  if (replay->parsed()) return approvald::cli::replay(ro, std::cin, std::cout, std::cerr);
  if (explain->parsed()) return approvald::cli::explain(eo, std::cin, std::cout, std::cerr);
  return 2;
}
