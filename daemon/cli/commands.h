// The offline commands of `approvald`. Each takes its streams so that tests can run it in-process.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

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

// `approvald config check FILE` once `c` parsed: what `run` verifies at start, without starting —
// the listen address, the data directory, the token files, every rule pack and the calendar
// loaded and combined, and every kafka.properties entry as librdkafka judges it. Every problem
// is printed as "FILE: key.path: message"; exit 0 or 1.
int check_config(const std::string& file, const config::Config& c, std::ostream& out,
                 std::ostream& err);

// What `store dump` prints: every case state (the default: one line per case, canonical — events
// in business-time order, alerts sorted by id — so that two stores holding the same facts print
// the same text), each partition's next offset ("mark<TAB>partition<TAB>next offset"), or the
// per-agency case counts. Opens the store read-only, so it works while the daemon runs, and
// never writes: a directory without a store is reported (exit 1) and left as it was.
enum class DumpWhat : std::uint8_t { kCases, kMarks, kTallies };
int dump_store(const std::string& data_dir, DumpWhat what, std::ostream& out, std::ostream& err);

// `approvald rules list`: the version in force and the history, oldest first.
int list_rules(const std::string& data_dir, std::ostream& out, std::ostream& err);

// `approvald rules apply` with the daemon stopped: validates the files as a whole and stores them
// as the version in force. A running daemon holds the store: change its files and send SIGHUP.
int apply_rules(const std::string& data_dir, const std::vector<std::string>& packs,
                const std::string& calendar, std::ostream& out, std::ostream& err);

// What `approvald generate` makes: the simulated service centre's cases (generate/simulation.h).
struct GenerateOptions {
  std::size_t cases = 1000;
  std::uint64_t seed = 42;
  bool keyed = false;  // each line "case_id<TAB>json", for kcat -K
  bool open_only = false;
  std::vector<std::string> violations;  // NAME=PERCENT overrides
  std::string bootstrap_servers;        // set: produce instead of writing lines
  std::string topic = "approval.events";
  double rate = 0;  // events per second when producing (0: as fast as the broker takes them)
};

// Synthetic events as JSON lines to `out`, or produced to a topic (key = case id) with a summary
// on `err`. Bad violation overrides are all reported, and nothing is generated.
int generate(const GenerateOptions& options, std::ostream& out, std::ostream& err);

}  // namespace approvald::cli
