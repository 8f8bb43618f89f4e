// Where a re-evaluation under new rules stands: which rule version it re-judges for, and per
// partition the last case it reached or that it is done. The loop walks it a slice per turn, so
// that events keep flowing and the consumer keeps its group meanwhile (ADR 0011: a million open
// cases re-judged in one turn stalled the loop for minutes and cost every partition).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace approvald::loop {

class Reevaluation {
 public:
  // Starts over from the first case of every partition: a newer version makes what was re-judged
  // under the one before stale.
  void start(std::uint64_t version);
  bool active() const { return version_ != 0; }
  std::uint64_t version() const { return version_; }
  std::size_t cases() const { return cases_; }

  struct Next {
    std::int32_t partition;
    std::string after;  // the last case done; "" for none yet
  };
  // Where to go on among the partitions owned now; none when every one of them is done. A
  // partition revoked meanwhile is skipped (its next owner has its own rules), and one assigned
  // meanwhile is walked too, from its first case.
  std::optional<Next> next(const std::vector<std::int32_t>& owned) const;
  // A slice of `partition` was re-judged and committed; a slice shorter than asked (`limit`)
  // reached the partition's end.
  void advance(std::int32_t partition, const std::vector<std::string>& ids, std::size_t limit);
  // Done with every partition owned now, and owning one: with none, the cases this instance will
  // own are still to come.
  bool done(const std::vector<std::int32_t>& owned) const;
  void finish();

 private:
  std::uint64_t version_ = 0;
  std::size_t cases_ = 0;
  std::map<std::int32_t, std::string> reached_;  // last case done per partition
  std::set<std::int32_t> finished_;              // partitions walked to their end
};

}  // namespace approvald::loop
