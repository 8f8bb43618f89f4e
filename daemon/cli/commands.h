// The offline commands of `approvald`. Each takes its streams so that tests can run it in-process.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace approvald::cli {

// `approvald rules check PATH...`: exit 0 when every pack, calendar and rule test file is valid.
int rules_check(const std::vector<std::string>& paths, std::ostream& out, std::ostream& err);

// `approvald rules test FILE...`: a directory means every *.yaml in it, a pack directory (with
// pack.yaml) the files in its tests/. Exit 0 when all pass.
int rules_test(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

struct ReplayOptions {
  std::vector<std::string> packs;
  std::string calendar;
  std::optional<std::string> until;
  std::string input = "-";  // a JSONL file, or "-" for standard input
};
// `approvald replay`: alerts as JSON lines on `out`, rejected lines and a summary on `err`.
// Exit 1 when a line was rejected (not a valid event) or refused by the engine: the alerts then
// cover only part of the log.
int replay(const ReplayOptions& opt, std::istream& in, std::ostream& out, std::ostream& err);

struct ExplainOptions {
  std::vector<std::string> packs;
  std::string calendar;
  std::string case_id;
  std::optional<std::string> at;
  std::string input = "-";
};
// `approvald explain`: every clock of one case, with its day-by-day arithmetic.
int explain(const ExplainOptions& opt, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace approvald::cli
