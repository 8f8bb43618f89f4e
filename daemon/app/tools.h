// Operator tools that need the store or the generator: `approvald store dump` and
// `approvald generate`.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace approvald::app {

// One line per case, canonical (events in business-time order, alerts sorted by id), so that
// two stores holding the same facts print the same text.
// With `marks_only`, one line per partition: "mark<TAB>partition<TAB>next offset". Opens the store
// read-only, so it works while the daemon runs.
int dump_store(const std::string& data_dir, bool marks_only, std::ostream& out, std::ostream& err);

// Synthetic events as JSON lines; with `keyed`, each line is "case_id<TAB>json" for kcat -K.
int generate(std::size_t cases, std::uint64_t seed, bool keyed, std::ostream& out);

}  // namespace approvald::app
