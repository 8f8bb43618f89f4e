// The durable state of approvald in RocksDB: case states, the timer index, the alert outbox and
// each partition's mark (input offset, event-time watermark, outbox sequence), written together
// by one atomic commit. Memory is bounded by one shared block cache that also carries the
// memtables (write-buffer manager), however many cases are open.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "ports/write_set.h"

namespace rocksdb {
class Env;
}

namespace approvald::store {

struct StoreOptions {
  std::string dir;
  std::size_t block_cache_bytes = 128u << 20;
  std::size_t write_buffer_bytes = 64u << 20;  // charged to the block cache
  bool sync =
      true;  // fsync the WAL on every commit (false: survive a process crash, not power loss)
  bool wal = true;         // never off in production: the WAL is the only durable log of a commit
  bool read_only = false;  // inspect a store another process has open (a snapshot at open)
  // The file system under the store; null is the machine's. Tests put a fault-injecting one here.
  rocksdb::Env* env = nullptr;
  // Writes are refused (an error, retried by the caller) while the file system holding `dir` has
  // less free space than this: RocksDB is never driven into a full disk, whose write errors it
  // does not recover from in place. 0: no check.
  std::uint64_t min_free_bytes = 0;
  // Table files written with a two-level index and filters, whose partitions come into the block
  // cache one by one. The daemon turns it on (store.partitioned_index, decided by alternating runs:
  // docs/performance.md, issue 10 step 6); off here for the tools and benchmarks that open a store
  // on their own. A file's index kind is fixed when it is written and both are read alike.
  bool partitioned_index = false;
  // The block cache in 2^n shards (-1: RocksDB's choice, 64 shards of 2 MiB for 128 MiB). A
  // block larger than a shard can be read but not kept, so fewer, larger shards keep the big
  // one-block indexes cached at the price of more contention, which one loop thread hardly makes.
  int block_cache_shard_bits = -1;
};

// A version of the rules in force: the pack and calendar sources, exactly as validated.
struct RuleVersion {
  std::uint64_t number = 0;  // 1, 2, … in order of application
  std::int64_t applied_ms = 0;
  std::string source;  // where it came from: "seeded from configuration", "SIGHUP", …
  std::vector<std::pair<std::string, std::string>> packs;  // (file name, YAML text)
  std::pair<std::string, std::string> calendar;            // (file name, YAML text)
  std::string rules_id;                                    // "cn-admin-licensing@2026.1,…"
  std::string calendar_id;                                 // "cn-mainland@2026"
};

// A page of the alert index: filters, where the previous page ended, and the page size.
struct AlertQuery {
  std::optional<ports::AlertIndexEntry::Status> status;
  std::optional<std::uint8_t> level;  // rules::Level
  std::string agency;                 // empty: any
  std::string rule_id;                // empty: any
  std::string after;                  // a page's `next` cursor; empty: from the start
  std::size_t limit = 100;
  std::size_t scan_budget = 200000;  // index entries read at most, so a rare filter stays cheap
};

// One row of the performance table.
struct PerfRow {
  std::string agency;
  std::string item;
  ports::PerfCounts counts;
};

struct AlertPage {
  std::vector<std::string> alerts;  // the alerts as published (JSON objects)
  std::string next;                 // cursor for the next page; empty at the end of the index
};

class Store final : public ports::CaseReader {
 public:
  static constexpr std::string_view kSchemaVersion = "1";

  // Opens or creates the store. Refuses a store written with another schema version.
  static Result<std::unique_ptr<Store>> open(const StoreOptions& options);
  ~Store() override;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Every read answers found, not found or an error (a failed read, or stored bytes that do not
  // decode): never "not found" for a read that failed.
  Lookup<std::string> get_case(std::int32_t partition, std::string_view case_id) override;
  Result<std::vector<std::optional<std::string>>> get_cases(
      std::int32_t partition, const std::vector<std::string_view>& case_ids) override;
  Lookup<ports::PartitionMark> mark(std::int32_t partition);

  // Timers due at or before `upto_ms`, earliest first, at most `limit`.
  Result<std::vector<ports::TimerEntry>> due_timers(std::int32_t partition, std::int64_t upto_ms,
                                                    std::size_t limit);
  Lookup<std::int64_t> earliest_timer(std::int32_t partition);
  std::size_t timer_count(std::int32_t partition);  // exact: scans the partition's index
  // RocksDB's estimate of armed timers in every partition: free, for a gauge.
  std::uint64_t estimated_timers();

  // Undelivered alerts, oldest first, from sequence `from_seq` on. A failed read is an error,
  // never an empty outbox (a drain would take it for delivered); an entry that does not decode
  // is a corrupt one.
  Result<std::vector<ports::OutboxEntry>> outbox(std::int32_t partition, std::size_t limit,
                                                 std::uint64_t from_seq = 0);
  Result<std::size_t> outbox_count(std::int32_t partition);
  // Deletes delivered entries in one write, without waiting for the disk: after a power loss
  // an entry whose deletion was lost is delivered again (same key), which consumers tolerate.
  Status delete_outbox(const std::vector<std::pair<std::int32_t, std::uint64_t>>& entries);

  // Applies everything in one atomic write.
  Status commit(const ports::WriteSet& writes);

  // Removes every key of a partition (a partition this instance no longer owns).
  Status drop_partition(std::int32_t partition);

  // Up to `limit` case ids of a partition after `after` in key order ("": from the first), so a
  // re-evaluation can walk a partition a slice at a time.
  Result<std::vector<std::string>> case_ids(std::int32_t partition, std::string_view after,
                                            std::size_t limit);

  // Rule versions: the one in force, all of them (the audit history), and applying a new one
  // (stored and made current in one write).
  Lookup<RuleVersion> current_rules();
  Result<std::vector<RuleVersion>> rule_history();
  Result<std::uint64_t> apply_rules(RuleVersion version);
  // The last rule version under which every open case was re-evaluated (0: none recorded yet),
  // so a re-evaluation cut short by a crash starts again at the next start.
  Lookup<std::uint64_t> reevaluated_rules();
  Status set_reevaluated_rules(std::uint64_t version);

  // The alert index, one entry per alert id with its latest transition, in (partition, id)
  // order. Safe to call from another thread.
  AlertPage alerts(const AlertQuery& query);

  // Every entry of the alert index (to seed the dashboard's counts at start).
  Status for_each_alert(const std::function<void(const ports::AlertIndexEntry&)>& fn);

  // Open, paused and overdue cases per (partition, agency), as of the last commit. Safe to call
  // from another thread.
  std::map<ports::TallyKey, ports::CaseTally> tallies() const;

  // The performance table: decided cases per (agency, item) whose decision's local date lies in
  // [from_day, to_day] (rules::Date numbers), summed over the partitions held. Safe to call from
  // another thread.
  Result<std::vector<PerfRow>> performance(std::int32_t from_day, std::int32_t to_day);

  // Every partition's mark.
  Result<std::map<std::int32_t, ports::PartitionMark>> marks();

  // Every case of every partition: fn(partition, case_id, state bytes).
  Status for_all_cases(
      const std::function<void(std::int32_t, std::string_view, std::string_view)>& fn);

  // Where RocksDB's memory is: the shared block cache (which also carries the memtables'
  // reservations), its pinned part, the memtables themselves and the table readers' indexes
  // and filters outside the cache.
  struct Memory {
    std::uint64_t block_cache = 0;
    std::uint64_t block_cache_pinned = 0;
    std::uint64_t memtables = 0;
    std::uint64_t table_readers = 0;
  };
  Memory memory();

  // A RocksDB integer property summed over the column families (e.g.
  // "rocksdb.estimate-pending-compaction-bytes", "rocksdb.total-sst-files-size").
  std::uint64_t property(const std::string& name);

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  // Visits a partition's keys of one column family while fn returns true; an error if the
  // iteration stopped on a failed read rather than at the end.
  Status scan(std::size_t cf, std::int32_t partition,
              const std::function<bool(std::string_view key, std::string_view value)>& fn);

  std::unique_ptr<Impl> impl_;
};

}  // namespace approvald::store
