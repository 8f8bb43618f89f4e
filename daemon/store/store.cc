#include "store/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <mutex>

#include "store/keys.h"

namespace approvald::store {
namespace {

using ports::decode_alert;
using ports::decode_mark;
using ports::encode_alert;
using ports::encode_mark;
using ports::get_chunk;
using ports::put_chunk;

// Column families, in handle order. "default" is required by RocksDB and holds nothing.
enum Cf : std::size_t {
  kCases,
  kTimers,
  kOutbox,
  kMarks,
  kRules,
  kCalendars,
  kAlertIndex,
  kMeta,
  kFiring,
  kTallies,
  kPerformance,
  kDefault
};
// "offsets" holds the partitions' marks alone since the tallies and the performance table have
// their own families (a store from before is split once at open; see split_offsets).
constexpr const char* kCfNames[] = {"cases",  "timers",    "outbox",      "offsets",
                                    "rules",  "calendars", "alert_index", "meta",
                                    "firing", "tallies",   "performance", "default"};
constexpr std::size_t kCfCount = std::size(kCfNames);
// The families whose keys start with a partition and hold its state: what a partition reset
// replaces. Its outbox is not among them (a reset keeps it); dropping a partition removes that too.
constexpr Cf kPartitionState[] = {kCases,  kTimers,  kMarks,      kAlertIndex,
                                  kFiring, kTallies, kPerformance};

Error from(const rocksdb::Status& s, const std::string& what) {
  return Error{what + ": " + s.ToString(), s.IsCorruption()};
}

// Outbox value: topic, key, headers and payload, each length-prefixed (u32).
std::string encode_outbox(const ports::OutboxEntry& e) {
  std::string v;
  put_chunk(v, e.topic);
  put_chunk(v, e.key);
  put_be32(v, static_cast<std::uint32_t>(e.headers.size()));
  for (const auto& [name, value] : e.headers) {
    put_chunk(v, name);
    put_chunk(v, value);
  }
  put_chunk(v, e.value);
  if (e.topic_partition >= 0) put_be32(v, static_cast<std::uint32_t>(e.topic_partition));
  return v;
}

bool decode_outbox(std::string_view in, ports::OutboxEntry* e) {
  if (!get_chunk(in, &e->topic) || !get_chunk(in, &e->key) || in.size() < 4) return false;
  const std::uint32_t headers = get_be32(in);
  in.remove_prefix(4);
  for (std::uint32_t i = 0; i < headers; ++i) {
    std::string name, value;
    if (!get_chunk(in, &name) || !get_chunk(in, &value)) return false;
    e->headers.emplace_back(std::move(name), std::move(value));
  }
  if (!get_chunk(in, &e->value)) return false;
  if (in.size() == 4) {
    e->topic_partition = static_cast<std::int32_t>(get_be32(in));
    return true;
  }
  return in.empty();
}

// Counters as big-endian 64-bit words, in field order.
std::string encode_counts(std::initializer_list<std::int64_t> counts) {
  std::string v;
  for (std::int64_t c : counts) put_be64(v, static_cast<std::uint64_t>(c));
  return v;
}

// The i-th word of `v`; 0 past its end (a value written before that field existed).
std::int64_t count_at(std::string_view v, std::size_t i) {
  return v.size() >= 8 * (i + 1) ? static_cast<std::int64_t>(get_be64(v.substr(8 * i, 8))) : 0;
}

std::string encode_tally(const ports::CaseTally& t) {
  return encode_counts({t.open, t.paused, t.overdue, t.red, t.yellow});
}

// Three words before the red and yellow counts existed, five since.
ports::CaseTally decode_tally(std::string_view v) {
  if (v.size() != 24 && v.size() != 40) return {};
  return {count_at(v, 0), count_at(v, 1), count_at(v, 2), count_at(v, 3), count_at(v, 4)};
}

std::string encode_perf(const ports::PerfCounts& c) {
  return encode_counts({c.decided, c.promise_cases, c.promise_on_time, c.statute_cases,
                        c.statute_on_time, c.working_days, c.alerts});
}

ports::PerfCounts decode_perf(std::string_view v) {
  return {count_at(v, 0), count_at(v, 1), count_at(v, 2), count_at(v, 3),
          count_at(v, 4), count_at(v, 5), count_at(v, 6)};
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string from_hex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return {};
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

// The first key after every key with this prefix.
std::string prefix_end(std::string prefix) {
  while (!prefix.empty()) {
    auto& c = prefix.back();
    if (static_cast<unsigned char>(c) != 0xFF) {
      c = static_cast<char>(static_cast<unsigned char>(c) + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

}  // namespace

struct Store::Impl {
  StoreOptions options;
  std::shared_ptr<rocksdb::Cache> cache;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers;
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> owned;  // as opened
  std::vector<rocksdb::ColumnFamilyHandle*> cfs;    // by Cf; may alias (read-only, see open)
  rocksdb::WriteOptions write;
  // Per partition, a time below which the timer index holds only deleted keys. Seeks start there
  // instead of at the partition's first key, so they do not wade through the tombstones of fired
  // timers (RocksDB keeps them until compaction). Lowered by commits that arm earlier timers.
  std::map<std::int32_t, std::int64_t> timer_floor;
  bool write_failed = false;  // the last commit failed: resume before the next

  // An error while the disk has less room than the options ask for.
  Status room() const {
    if (options.min_free_bytes == 0) return ok_status();
    struct statvfs fs {};
    if (::statvfs(options.dir.c_str(), &fs) != 0) return ok_status();  // RocksDB will tell
    const std::uint64_t free = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
    if (free >= options.min_free_bytes) return ok_status();
    return Error{"the disk holding " + options.dir + " has " + std::to_string(free >> 20) +
                 " MiB free, less than the " + std::to_string(options.min_free_bytes >> 20) +
                 " MiB the store keeps in reserve (store.min_free_mb): waiting for space"};
  }
  // The stored per-agency counts, mirrored so that a commit adds to them without reading and a
  // gauge or dashboard reads them without a scan.
  mutable std::mutex tally_mu;
  std::map<ports::TallyKey, ports::CaseTally> tallies;

  // The counts start from what is stored: a failed read must not start them at zero.
  rocksdb::Status load_tallies() {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cfs[kTallies]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view k(it->key().data(), it->key().size());
      // (Read-only over a store not split yet, this family is "offsets": skip its marks.)
      if (k.size() < 5 || k[4] != 't') continue;
      tallies[{static_cast<std::int32_t>(get_be32(k)), std::string(k.substr(5))}] =
          decode_tally(std::string_view(it->value().data(), it->value().size()));
    }
    return it->status();
  }
  // Until 2026-12-04 "offsets" held each partition's tallies ('t' after the partition) and
  // performance rows ('d') beside its mark. They move to their own families with their keys
  // unchanged, in one batch with the flag that says it is done: a crash meanwhile leaves the
  // store as it was, and the next open moves them again.
  rocksdb::Status split_offsets() {
    rocksdb::WriteBatch batch;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cfs[kMarks]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view k(it->key().data(), it->key().size());
      if (k.size() < 5 || (k[4] != 't' && k[4] != 'd')) continue;
      batch.Put(cfs[k[4] == 't' ? kTallies : kPerformance], it->key(), it->value());
      batch.Delete(cfs[kMarks], it->key());
    }
    if (!it->status().ok()) return it->status();
    batch.Put(cfs[kMeta], "offsets_split", "1");
    return db->Write(write, &batch);
  }
  std::int64_t floor(std::int32_t p) const {
    const auto it = timer_floor.find(p);
    return it == timer_floor.end() ? INT64_MIN : it->second;
  }

  ~Impl() {
    for (auto* h : owned) {
      if (db != nullptr) db->DestroyColumnFamilyHandle(h);
    }
    if (db != nullptr) {
      db->Close().PermitUncheckedError();
      delete db;
    }
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->cache = rocksdb::NewLRUCache(options.block_cache_bytes, options.block_cache_shard_bits);
  impl->write_buffers =
      std::make_shared<rocksdb::WriteBufferManager>(options.write_buffer_bytes, impl->cache);

  rocksdb::DBOptions db;
  db.create_if_missing = true;
  db.create_missing_column_families = true;
  db.write_buffer_manager = impl->write_buffers;
  db.max_background_jobs = 2;
  db.keep_log_file_num = 5;
  if (options.env != nullptr) db.env = options.env;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = impl->cache;
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  if (options.partitioned_index) {
    // Only a cold read's index partition comes into the cache instead of the file's whole index
    // block; the top level stays pinned.
    table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
    table.partition_filters = true;
    table.metadata_block_size = 4096;
    table.pin_top_level_index_and_filter = true;
  }

  // Read-only, nothing can be created: a store whose offsets were not split yet (written by an
  // approvald from before, not opened for writing since) is read with "offsets" standing in for
  // the tallies and the performance table, whose keys it holds unchanged.
  std::vector<std::string> present;
  if (options.read_only) {
    const auto listed = rocksdb::DB::ListColumnFamilies(db, options.dir, &present);
    if (!listed.ok()) return from(listed, "opening the store at " + options.dir);
  }
  const auto missing = [&](std::size_t cf) {
    return options.read_only && (cf == kTallies || cf == kPerformance) &&
           std::find(present.begin(), present.end(), kCfNames[cf]) == present.end();
  };
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  std::vector<std::size_t> opened;
  for (std::size_t i = 0; i < kCfCount; ++i) {
    if (missing(i)) continue;
    rocksdb::ColumnFamilyOptions cf;
    cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    cf.compression = rocksdb::kLZ4Compression;
    cf.write_buffer_size = options.write_buffer_bytes / 4;
    descriptors.emplace_back(kCfNames[i], cf);
    opened.push_back(i);
  }
  rocksdb::Status s =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db, options.dir, descriptors, &impl->owned, &impl->db)
          : rocksdb::DB::Open(db, options.dir, descriptors, &impl->owned, &impl->db);
  if (!s.ok()) return from(s, "opening the store at " + options.dir);
  impl->cfs.assign(kCfCount, nullptr);
  for (std::size_t i = 0; i < opened.size(); ++i) impl->cfs[opened[i]] = impl->owned[i];
  for (std::size_t cf : {kTallies, kPerformance}) {
    if (impl->cfs[cf] == nullptr) impl->cfs[cf] = impl->cfs[kMarks];
  }
  // The counts start from what is stored: read-only now, writable once the upgrades below ran.
  const auto with_tallies = [&]() -> Result<std::unique_ptr<Store>> {
    const auto loaded = impl->load_tallies();
    if (!loaded.ok()) return from(loaded, "reading the case counts of the store at " + options.dir);
    return std::unique_ptr<Store>(new Store(std::move(impl)));
  };
  if (options.read_only) return with_tallies();

  impl->write.sync = options.sync;
  impl->write.disableWAL = !options.wal;

  std::string version;
  s = impl->db->Get(rocksdb::ReadOptions(), impl->cfs[kMeta], "schema_version", &version);
  if (s.IsNotFound()) {
    s = impl->db->Put(impl->write, impl->cfs[kMeta], "schema_version",
                      rocksdb::Slice(kSchemaVersion.data(), kSchemaVersion.size()));
    if (!s.ok()) return from(s, "writing the schema version");
  } else if (!s.ok()) {
    return from(s, "reading the schema version");
  } else if (version != kSchemaVersion) {
    return Error{"the store at " + options.dir + " has schema version " + version +
                 ", this approvald reads version " + std::string(kSchemaVersion)};
  }
  // The firing index came after the alert index: a store from before gets it built once.
  s = impl->db->Get(rocksdb::ReadOptions(), impl->cfs[kMeta], "firing_index", &version);
  if (s.IsNotFound()) {
    rocksdb::WriteBatch batch;
    std::unique_ptr<rocksdb::Iterator> it(
        impl->db->NewIterator(rocksdb::ReadOptions(), impl->cfs[kAlertIndex]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view k(it->key().data(), it->key().size());
      ports::AlertIndexEntry a;
      if (k.size() < 4 ||
          !decode_alert(std::string_view(it->value().data(), it->value().size()), &a))
        continue;
      if (a.status != ports::AlertIndexEntry::Status::kFiring) continue;
      batch.Put(impl->cfs[kFiring],
                firing_key(static_cast<std::int32_t>(get_be32(k)), a.level, k.substr(4)),
                it->value());
    }
    batch.Put(impl->cfs[kMeta], "firing_index", "1");
    s = impl->db->Write(impl->write, &batch);
    if (!s.ok()) return from(s, "building the firing alert index");
  } else if (!s.ok()) {
    return from(s, "reading whether the firing alert index is built");
  }
  s = impl->db->Get(rocksdb::ReadOptions(), impl->cfs[kMeta], "offsets_split", &version);
  if (s.IsNotFound()) {
    s = impl->split_offsets();
    if (!s.ok()) return from(s, "moving the tallies and the performance table out of offsets");
  } else if (!s.ok()) {
    return from(s, "reading whether the offsets are split");
  }
  return with_tallies();
}

Lookup<std::string> Store::get_case(std::int32_t partition, std::string_view case_id) {
  std::string value;
  const auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cfs[kCases],
                                case_key(partition, case_id), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return from(s, "reading a case of partition " + std::to_string(partition));
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<std::optional<std::string>>> Store::get_cases(
    std::int32_t partition, const std::vector<std::string_view>& case_ids) {
  std::vector<std::string> keys;
  keys.reserve(case_ids.size());
  for (std::string_view id : case_ids) keys.push_back(case_key(partition, id));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  impl_->db->MultiGet(rocksdb::ReadOptions(), impl_->cfs[kCases], slices.size(), slices.data(),
                      values.data(), statuses.data());
  std::vector<std::optional<std::string>> out(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) {
      return from(statuses[i], "reading cases of partition " + std::to_string(partition));
    }
    out[i] = values[i].ToString();
  }
  return out;
}

Lookup<ports::PartitionMark> Store::mark(std::int32_t partition) {
  std::string value;
  const auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cfs[kMarks],
                                partition_prefix(partition), &value);
  const std::string what = "the mark of partition " + std::to_string(partition);
  if (s.IsNotFound()) return std::optional<ports::PartitionMark>();
  if (!s.ok()) return from(s, "reading " + what);
  auto m = decode_mark(value);
  if (!m) return Error{what + " is corrupt (" + std::to_string(value.size()) + " bytes)", true};
  return m;
}

Status Store::scan(std::size_t cf, std::int32_t partition,
                   const std::function<bool(std::string_view, std::string_view)>& fn) {
  const std::string begin = partition_prefix(partition);
  const std::string end = prefix_end(begin);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cfs[cf]));
  for (it->Seek(begin); it->Valid(); it->Next()) {
    if (!fn(std::string_view(it->key().data(), it->key().size()),
            std::string_view(it->value().data(), it->value().size()))) {
      return ok_status();
    }
  }
  if (!it->status().ok())
    return from(it->status(), "scanning partition " + std::to_string(partition));
  return ok_status();
}

Result<std::vector<std::string>> Store::case_ids(std::int32_t partition, std::string_view after,
                                                 std::size_t limit) {
  std::vector<std::string> out;
  const std::string end = prefix_end(partition_prefix(partition));
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  // The ids only: no reason to fill the block cache with a whole partition's states.
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cfs[kCases]));
  const std::string start = case_key(partition, after);
  for (it->Seek(start); it->Valid() && out.size() < limit; it->Next()) {
    const std::string_view k(it->key().data(), it->key().size());
    if (!after.empty() && k == start) continue;  // `after` itself was done
    out.emplace_back(k.substr(4));
  }
  if (!it->status().ok()) {
    return from(it->status(), "listing the cases of partition " + std::to_string(partition));
  }
  return out;
}

Result<std::vector<ports::TimerEntry>> Store::due_timers(std::int32_t partition,
                                                         std::int64_t upto_ms, std::size_t limit) {
  std::vector<ports::TimerEntry> out;
  const std::string begin = timer_key(partition, impl_->floor(partition), "");
  std::string end = partition_prefix(partition);
  put_be64(end, order_preserving(upto_ms) + 1);  // stop before the first timer not yet due
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cfs[kTimers]));
  for (it->Seek(begin); it->Valid() && out.size() < limit; it->Next()) {
    const std::string_view k(it->key().data(), it->key().size());
    out.push_back(ports::TimerEntry{partition, from_order_preserving(get_be64(k.substr(4, 8))),
                                    std::string(k.substr(12))});
  }
  // A read that failed part-way must not lower the floor past timers it did not see.
  if (!it->status().ok()) {
    return from(it->status(), "reading the timers of partition " + std::to_string(partition));
  }
  // Nothing live lies below the first timer found, or below `upto_ms` if none was.
  if (impl_->floor(partition) < upto_ms || !out.empty()) {
    impl_->timer_floor[partition] = out.empty() ? upto_ms + 1 : out.front().due_ms;
  }
  return out;
}

Lookup<std::int64_t> Store::earliest_timer(std::int32_t partition) {
  const std::string begin = timer_key(partition, impl_->floor(partition), "");
  const std::string end = prefix_end(partition_prefix(partition));
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cfs[kTimers]));
  it->Seek(begin);
  if (!it->Valid()) {
    if (!it->status().ok()) {
      return from(it->status(), "reading the timers of partition " + std::to_string(partition));
    }
    return std::optional<std::int64_t>();
  }
  return std::optional<std::int64_t>(from_order_preserving(
      get_be64(std::string_view(it->key().data(), it->key().size()).substr(4, 8))));
}

std::size_t Store::timer_count(std::int32_t partition) {
  std::size_t n = 0;
  // A diagnostic count (tests, dump): a failed scan counts what it saw.
  scan(kTimers, partition, [&](std::string_view, std::string_view) { return ++n, true; }).ok();
  return n;
}

Result<std::vector<ports::OutboxEntry>> Store::outbox(std::int32_t partition, std::size_t limit,
                                                      std::uint64_t from_seq) {
  std::vector<ports::OutboxEntry> out;
  const std::string begin = outbox_key(partition, from_seq);
  const std::string end = prefix_end(partition_prefix(partition));
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cfs[kOutbox]));
  for (it->Seek(begin); it->Valid() && out.size() < limit; it->Next()) {
    const std::string_view k(it->key().data(), it->key().size());
    ports::OutboxEntry e;
    e.partition = partition;
    e.seq = get_be64(k.substr(4, 8));
    if (!decode_outbox(std::string_view(it->value().data(), it->value().size()), &e)) {
      return Error{"outbox entry " + std::to_string(partition) + "/" + std::to_string(e.seq) +
                       " is corrupt (" + std::to_string(it->value().size()) + " bytes)",
                   true};
    }
    out.push_back(std::move(e));
  }
  if (!it->status().ok()) {
    return from(it->status(), "reading the outbox of partition " + std::to_string(partition));
  }
  return out;
}

std::uint64_t Store::estimated_timers() {
  std::uint64_t n = 0;
  impl_->db->GetIntProperty(impl_->cfs[kTimers], "rocksdb.estimate-num-keys", &n);
  return n;
}

Result<std::size_t> Store::outbox_count(std::int32_t partition) {
  std::size_t n = 0;
  auto s = scan(kOutbox, partition, [&](std::string_view, std::string_view) { return ++n, true; });
  if (!s) return s.error();
  return n;
}

Status Store::delete_outbox(const std::vector<std::pair<std::int32_t, std::uint64_t>>& entries) {
  if (entries.empty()) return ok_status();
  if (auto r = impl_->room(); !r) return r;  // sent again later: harmless
  rocksdb::WriteBatch batch;
  for (const auto& [p, seq] : entries) batch.Delete(impl_->cfs[kOutbox], outbox_key(p, seq));
  rocksdb::WriteOptions lazy = impl_->write;
  lazy.sync = false;
  const auto s = impl_->db->Write(lazy, &batch);
  if (!s.ok()) return from(s, "deleting delivered outbox entries");
  return ok_status();
}

Status Store::commit(const ports::WriteSet& w) {
  if (auto r = impl_->room(); !r) return r;
  // After a failed write RocksDB refuses further writes until it has recovered: from a full disk
  // it recovers by itself once space is freed (the caller's retries then succeed); for other
  // recoverable errors each retry asks it to resume. A hard I/O error on the log is not
  // recoverable in place: the retries keep failing, loudly, until the daemon is restarted.
  if (impl_->write_failed) {
    const auto resumed = impl_->db->Resume();
    // Busy: RocksDB is already recovering by itself (a full disk); the write below tells.
    if (!resumed.ok() && !resumed.IsBusy()) {
      return from(resumed, "resuming writes after a failed one");
    }
    impl_->write_failed = false;
  }
  rocksdb::WriteBatch batch;
  // A partition rebuilt from the changelog: its old state goes first, in the same batch.
  for (std::int32_t p : w.resets) {
    const std::string begin = partition_prefix(p);
    const std::string end = prefix_end(begin);
    for (std::size_t cf : kPartitionState) {
      batch.DeleteRange(impl_->cfs[cf], begin, end);
    }
  }
  for (const auto& c : w.cases) {
    batch.Put(impl_->cfs[kCases], case_key(c.partition, c.case_id), c.bytes);
  }
  for (const auto& t : w.timers_cleared) {
    batch.Delete(impl_->cfs[kTimers], timer_key(t.partition, t.due_ms, t.case_id));
  }
  for (const auto& t : w.timers_set) {
    batch.Put(impl_->cfs[kTimers], timer_key(t.partition, t.due_ms, t.case_id), "");
  }
  // Lowered before the write: a floor that is too low only costs a longer seek.
  for (const auto& t : w.timers_set) {
    if (t.due_ms < impl_->floor(t.partition)) impl_->timer_floor[t.partition] = t.due_ms;
  }
  for (const auto& o : w.outbox) {
    batch.Put(impl_->cfs[kOutbox], outbox_key(o.partition, o.seq), encode_outbox(o));
  }
  for (const auto& a : w.alerts) {
    const std::string value = encode_alert(a);
    batch.Put(impl_->cfs[kAlertIndex], alert_index_key(a.partition, a.alert_id), value);
    // Firing alerts also by (partition, level): "what stands now" stays a short read however
    // long the history of resolved alerts grows.
    // (An alert's id names its level, so the level never changes.)
    if (a.status == ports::AlertIndexEntry::Status::kFiring) {
      batch.Put(impl_->cfs[kFiring], firing_key(a.partition, a.level, a.alert_id), value);
    } else {
      batch.Delete(impl_->cfs[kFiring], firing_key(a.partition, a.level, a.alert_id));
    }
  }
  std::vector<std::pair<ports::TallyKey, ports::CaseTally>> tallies;
  const auto reset = [&w](std::int32_t p) {
    return std::find(w.resets.begin(), w.resets.end(), p) != w.resets.end();
  };
  {
    std::lock_guard lock(impl_->tally_mu);
    for (const auto& [key, change] : w.tally_changes) {
      const auto it = impl_->tallies.find(key);
      ports::CaseTally t =
          it == impl_->tallies.end() || reset(key.first) ? ports::CaseTally{} : it->second;
      t += change;
      batch.Put(impl_->cfs[kTallies], tally_key(key.first, key.second), encode_tally(t));
      tallies.emplace_back(key, t);
    }
  }
  // Decisions are a small share of events: reading each changed row here is cheap. The main loop
  // is the only writer, so nothing changes it between this read and the write.
  for (const auto& [key, change] : w.perf_changes) {
    const auto& [p, day, agency, item] = key;
    const std::string k = perf_key(p, day, agency, item);
    ports::PerfCounts c;
    std::string old;
    if (!reset(p)) {
      // A row that cannot be read must fail the commit, not restart the row from zero.
      const auto got = impl_->db->Get(rocksdb::ReadOptions(), impl_->cfs[kPerformance], k, &old);
      if (got.ok()) {
        c = decode_perf(old);
      } else if (!got.IsNotFound()) {
        return from(got, "reading a performance row");
      }
    }
    c += change;
    if (c.zero()) {
      batch.Delete(impl_->cfs[kPerformance], k);
    } else {
      batch.Put(impl_->cfs[kPerformance], k, encode_perf(c));
    }
  }
  for (const auto& [partition, m] : w.marks) {
    batch.Put(impl_->cfs[kMarks], partition_prefix(partition), encode_mark(m));
  }
  const auto s = impl_->db->Write(impl_->write, &batch);
  if (!s.ok()) {
    impl_->write_failed = true;
    return from(s, "committing a batch");
  }
  std::lock_guard lock(impl_->tally_mu);
  std::erase_if(impl_->tallies, [&](const auto& kv) { return reset(kv.first.first); });
  for (auto& [key, t] : tallies) impl_->tallies[key] = t;
  for (std::int32_t p : w.resets) impl_->timer_floor.erase(p);
  return ok_status();
}

std::map<ports::TallyKey, ports::CaseTally> Store::tallies() const {
  std::lock_guard lock(impl_->tally_mu);
  return impl_->tallies;
}

Result<std::vector<PerfRow>> Store::performance(std::int32_t from_day, std::int32_t to_day) {
  std::map<std::pair<std::string, std::string>, ports::PerfCounts> sum;
  const auto held = marks();
  if (!held) return held.error();
  for (const auto& [p, m] : held.value()) {
    const std::string begin = perf_day_prefix(p, from_day);
    const std::string end = perf_day_prefix(p, to_day + 1);
    std::unique_ptr<rocksdb::Iterator> it(
        impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cfs[kPerformance]));
    for (it->Seek(begin); it->Valid() && it->key().compare(end) < 0; it->Next()) {
      const std::string_view k(it->key().data(), it->key().size());
      const std::string_view rest = k.substr(begin.size());
      const auto zero = rest.find('\0');
      if (zero == std::string_view::npos) continue;
      sum[{std::string(rest.substr(0, zero)), std::string(rest.substr(zero + 1))}] +=
          decode_perf(std::string_view(it->value().data(), it->value().size()));
    }
    if (!it->status().ok()) return from(it->status(), "reading the performance table");
  }
  std::vector<PerfRow> rows;
  rows.reserve(sum.size());
  for (auto& [key, c] : sum) rows.push_back({key.first, key.second, c});
  return rows;
}

Status Store::for_each_alert(const std::function<void(const ports::AlertIndexEntry&)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cfs[kAlertIndex]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ports::AlertIndexEntry a;
    const std::string_view k(it->key().data(), it->key().size());
    if (k.size() < 4 || !decode_alert(std::string_view(it->value().data(), it->value().size()), &a))
      continue;
    a.partition = static_cast<std::int32_t>(get_be32(k));
    a.alert_id = std::string(k.substr(4));
    fn(a);
  }
  if (!it->status().ok()) return from(it->status(), "reading the alert index");
  return ok_status();
}

AlertPage Store::alerts(const AlertQuery& q) {
  AlertPage page;
  // Standing alerts come from the firing index (keys: partition | level | id), which skips to
  // the wanted level in each partition; everything else pages through the whole alert index.
  const bool firing = q.status == ports::AlertIndexEntry::Status::kFiring;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cfs[firing ? kFiring : kAlertIndex]));
  const std::string after = from_hex(q.after);
  if (after.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(after);
    if (it->Valid() && it->key() == after) it->Next();
  }
  std::size_t scanned = 0;
  std::string last;  // the last key looked at
  while (it->Valid()) {
    if (page.alerts.size() >= q.limit || scanned >= q.scan_budget) {
      page.next = to_hex(last);  // more may follow: resume after the last entry looked at
      return page;
    }
    const std::string_view key(it->key().data(), it->key().size());
    if (firing && q.level && key.size() >= 5 && static_cast<std::uint8_t>(key[4]) != *q.level) {
      const auto p = static_cast<std::int32_t>(get_be32(key));
      // Before the level in this partition: go to it; past it: on to the next partition.
      it->Seek(static_cast<std::uint8_t>(key[4]) < *q.level ? firing_key(p, *q.level, "")
                                                            : prefix_end(partition_prefix(p)));
      continue;
    }
    ++scanned;
    last.assign(key.data(), key.size());
    ports::AlertIndexEntry a;
    const bool decoded = decode_alert(std::string_view(it->value().data(), it->value().size()), &a);
    it->Next();
    if (!decoded) continue;
    if ((q.status && a.status != *q.status) || (q.level && a.level != *q.level) ||
        (!q.agency.empty() && a.agency != q.agency) ||
        (!q.rule_id.empty() && a.rule_id != q.rule_id)) {
      continue;
    }
    page.alerts.push_back(std::move(a.json));
  }
  page.next.clear();
  return page;
}

Status Store::drop_partition(std::int32_t partition) {
  if (auto r = impl_->room(); !r) return r;
  const std::string begin = partition_prefix(partition);
  const std::string end = prefix_end(begin);
  rocksdb::WriteBatch batch;
  batch.DeleteRange(impl_->cfs[kOutbox], begin, end);
  for (std::size_t cf : kPartitionState) batch.DeleteRange(impl_->cfs[cf], begin, end);
  impl_->timer_floor.erase(partition);
  const auto s = impl_->db->Write(impl_->write, &batch);
  if (!s.ok()) return from(s, "dropping partition " + std::to_string(partition));
  std::lock_guard lock(impl_->tally_mu);
  std::erase_if(impl_->tallies, [&](const auto& kv) { return kv.first.first == partition; });
  return ok_status();
}

namespace {

// A rule version's value: number, time, source, ids, calendar and packs, each length-prefixed.
std::string encode_rules(const RuleVersion& v) {
  std::string out;
  put_be64(out, v.number);
  put_be64(out, order_preserving(v.applied_ms));
  put_chunk(out, v.source);
  put_chunk(out, v.rules_id);
  put_chunk(out, v.calendar_id);
  put_chunk(out, v.calendar.first);
  put_chunk(out, v.calendar.second);
  put_be32(out, static_cast<std::uint32_t>(v.packs.size()));
  for (const auto& [name, text] : v.packs) {
    put_chunk(out, name);
    put_chunk(out, text);
  }
  return out;
}

std::optional<RuleVersion> decode_rules(std::string_view in) {
  RuleVersion v;
  if (in.size() < 16) return std::nullopt;
  v.number = get_be64(in.substr(0, 8));
  v.applied_ms = from_order_preserving(get_be64(in.substr(8, 8)));
  in.remove_prefix(16);
  if (!get_chunk(in, &v.source) || !get_chunk(in, &v.rules_id) || !get_chunk(in, &v.calendar_id) ||
      !get_chunk(in, &v.calendar.first) || !get_chunk(in, &v.calendar.second) || in.size() < 4) {
    return std::nullopt;
  }
  const std::uint32_t n = get_be32(in);
  in.remove_prefix(4);
  for (std::uint32_t i = 0; i < n; ++i) {
    std::string name, text;
    if (!get_chunk(in, &name) || !get_chunk(in, &text)) return std::nullopt;
    v.packs.emplace_back(std::move(name), std::move(text));
  }
  if (!in.empty()) return std::nullopt;
  return v;
}

std::string version_key(std::uint64_t n) {
  std::string k = "version/";
  put_be64(k, n);
  return k;
}

}  // namespace

Lookup<RuleVersion> Store::current_rules() {
  std::string current;
  auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cfs[kRules], "current", &current);
  if (s.IsNotFound()) return std::optional<RuleVersion>();  // a new store: nothing in force yet
  if (!s.ok()) return from(s, "reading which rule version is in force");
  std::string value;
  s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cfs[kRules], current, &value);
  // "current" names a version that must exist: its absence is damage, not a new store.
  if (!s.ok()) return from(s, "reading the rule version in force");
  auto v = decode_rules(value);
  if (!v) return Error{"the rule version in force is corrupt", true};
  return v;
}

Result<std::vector<RuleVersion>> Store::rule_history() {
  std::vector<RuleVersion> out;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cfs[kRules]));
  for (it->Seek("version/"); it->Valid() && it->key().starts_with("version/"); it->Next()) {
    auto v = decode_rules(std::string_view(it->value().data(), it->value().size()));
    if (!v) return Error{"rule version " + std::to_string(out.size() + 1) + " is corrupt", true};
    out.push_back(std::move(*v));
  }
  if (!it->status().ok()) return from(it->status(), "reading the rule history");
  return out;
}

Result<std::uint64_t> Store::apply_rules(RuleVersion v) {
  if (auto r = impl_->room(); !r) return r.error();
  // A history that cannot be read must not make this "version 1" over the real one.
  const auto history = rule_history();
  if (!history) return history.error();
  v.number = history.value().empty() ? 1 : history.value().back().number + 1;
  const std::string key = version_key(v.number);
  rocksdb::WriteBatch batch;
  batch.Put(impl_->cfs[kRules], key, encode_rules(v));
  batch.Put(impl_->cfs[kRules], "current", key);
  const auto s = impl_->db->Write(impl_->write, &batch);
  if (!s.ok()) return from(s, "storing rule version " + std::to_string(v.number));
  return v.number;
}

Lookup<std::uint64_t> Store::reevaluated_rules() {
  std::string value;
  auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cfs[kRules], "reevaluated", &value);
  if (s.IsNotFound()) return std::optional<std::uint64_t>();
  if (!s.ok()) return from(s, "reading which rule version the cases were re-evaluated under");
  if (value.size() != 8) return Error{"the re-evaluated rule version is corrupt", true};
  return std::optional<std::uint64_t>(get_be64(value));
}

Status Store::set_reevaluated_rules(std::uint64_t version) {
  if (auto r = impl_->room(); !r) return r.error();
  std::string value;
  put_be64(value, version);
  const auto s = impl_->db->Put(impl_->write, impl_->cfs[kRules], "reevaluated", value);
  if (!s.ok())
    return from(s, "recording the re-evaluation under rule version " + std::to_string(version));
  return ok_status();
}

Result<std::map<std::int32_t, ports::PartitionMark>> Store::marks() {
  std::map<std::int32_t, ports::PartitionMark> out;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cfs[kMarks]));
  // A mark is its partition's only key here (in a store read before its offsets were split, its
  // tallies and performance rows follow it): jump to the next partition.
  for (it->SeekToFirst(); it->Valid();) {
    const std::string_view k(it->key().data(), it->key().size());
    if (k.size() < 4) {
      it->Next();
      continue;
    }
    const auto p = static_cast<std::int32_t>(get_be32(k));
    if (k.size() == 4) {
      const auto m = decode_mark(std::string_view(it->value().data(), it->value().size()));
      if (!m) return Error{"the mark of partition " + std::to_string(p) + " is corrupt", true};
      out[p] = *m;
    }
    it->Seek(prefix_end(partition_prefix(p)));
  }
  if (!it->status().ok()) return from(it->status(), "reading the partition marks");
  return out;
}

Status Store::for_all_cases(
    const std::function<void(std::int32_t, std::string_view, std::string_view)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cfs[kCases]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view k(it->key().data(), it->key().size());
    if (k.size() < 4) continue;
    fn(static_cast<std::int32_t>(get_be32(k)), k.substr(4),
       std::string_view(it->value().data(), it->value().size()));
  }
  if (!it->status().ok()) return from(it->status(), "reading the cases");
  return ok_status();
}

Store::Memory Store::memory() {
  Memory m;
  m.block_cache = impl_->cache->GetUsage();
  m.block_cache_pinned = impl_->cache->GetPinnedUsage();
  m.memtables = property("rocksdb.cur-size-all-mem-tables");
  m.table_readers = property("rocksdb.estimate-table-readers-mem");
  return m;
}

std::uint64_t Store::property(const std::string& name) {
  std::uint64_t total = 0;
  for (auto* cf : impl_->owned) {
    std::uint64_t v = 0;
    if (impl_->db->GetIntProperty(cf, name, &v)) total += v;
  }
  return total;
}

}  // namespace approvald::store
