// Operator tools that need the store or the generator: `approvald store dump` and
// `approvald generate`.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace approvald::app {

// One line per case, canonical (events in business-time order, alerts sorted by id), so that
// two stores holding the same facts print the same text.
// With `marks_only`, one line per partition: "mark<TAB>partition<TAB>next offset". Opens the store
// read-only, so it works while the daemon runs.
// What `store dump` prints: every case state (the default), each partition's next offset, or
// the per-agency case counts.
enum class DumpWhat : std::uint8_t { kCases, kMarks, kTallies };
int dump_store(const std::string& data_dir, DumpWhat what, std::ostream& out, std::ostream& err);

// `approvald rules list`: the version in force and the history, oldest first.
int list_rules(const std::string& data_dir, std::ostream& out, std::ostream& err);

// `approvald rules apply` with the daemon stopped: validates the files as a whole and stores them
// as the version in force. A running daemon holds the store: change its files and send SIGHUP.
int apply_rules(const std::string& data_dir, const std::vector<std::string>& packs,
                const std::string& calendar, std::ostream& out, std::ostream& err);

// Synthetic events as JSON lines; with `keyed`, each line is "case_id<TAB>json" for kcat -K.
int generate(std::size_t cases, std::uint64_t seed, bool keyed, bool open_only, std::ostream& out);

// The same events produced to a topic (key = case id) at `rate` events per second (0: as fast as
// the broker takes them); a summary goes to `err`.
int produce_generated(std::size_t cases, std::uint64_t seed, bool open_only,
                      const std::string& bootstrap_servers, const std::string& topic, double rate,
                      std::ostream& err);

}  // namespace approvald::app
