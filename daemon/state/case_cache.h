// The case states of the partitions this instance owns, held in memory in front of the store
// (issue 10, docs/adr/0011): a read that hits costs a hash lookup instead of a RocksDB Get, and
// the states that miss in one poll batch are fetched together (one MultiGet). Entries are the
// states' compact encoding (rules::CaseState::encode, one allocation per case), bounded by a
// byte budget; past it the least recently used cases are dropped, to be read again from the
// store. Absence is cached too: a new case costs no read once it was looked up.
//
// The store stays the truth, written by every commit as before (write-through): the cache only
// learns what a commit wrote *after* the store accepted it (apply), so a failed commit that is
// retried meets the states as stored, and a read error is never cached. Not thread-safe: the
// loop's thread owns it; other threads read the store.
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "ports/write_set.h"

namespace approvald::state {

struct CaseCacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;     // looked up in the store
  std::uint64_t evictions = 0;  // dropped to stay within the budget
  std::size_t entries = 0;
  std::size_t bytes = 0;  // charged against the budget (keys, values and per-entry overhead)
};

class CaseCache final : public ports::CaseReader {
 public:
  // `budget_bytes` 0 turns the cache off: every read goes to the store.
  CaseCache(ports::CaseReader& store, std::size_t budget_bytes);

  Lookup<std::string> get_case(std::int32_t partition, std::string_view case_id) override;
  // Reads the cases not held yet in one call to the store; a failed read is returned and
  // nothing of it is cached (the pipeline's own read then meets the error again).
  Status prefetch(std::int32_t partition, const std::vector<std::string_view>& case_ids) override;

  // What a commit wrote, once the store has it: states replace the held ones, a partition reset
  // forgets the partition.
  void apply(const ports::WriteSet& committed);
  // Forgets a partition (assigned, revoked, rebuilt or dropped behind the cache's back).
  void forget(std::int32_t partition);

  const CaseCacheStats& stats() const { return stats_; }

  // What one entry costs beyond its key (held twice: map and LRU list) and value: the map and
  // list nodes, a bucket, the strings' headers. An estimate on the high side, so that many
  // small entries cannot exceed the budget unseen.
  static constexpr std::size_t kEntryOverhead = 192;
  static std::size_t cost(std::size_t key_bytes, std::size_t value_capacity) {
    return 2 * key_bytes + value_capacity + kEntryOverhead;
  }

 private:
  struct Entry {
    std::int32_t partition = 0;
    bool present = false;  // false: the store holds no such case
    std::string bytes;
    std::list<std::string>::iterator lru;  // position in lru_ (front: most recent)
  };
  static std::string key(std::int32_t partition, std::string_view case_id);
  static std::size_t cost(const std::string& key, const Entry& e) {
    return cost(key.size(), e.bytes.capacity());
  }
  // Holds (or replaces) a case's state and marks it most recently used.
  void put(std::string key, std::int32_t partition, const std::optional<std::string>& bytes);
  void erase(std::unordered_map<std::string, Entry>::iterator it);
  void trim();

  ports::CaseReader& store_;
  std::size_t budget_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;
  CaseCacheStats stats_;
};

}  // namespace approvald::state
