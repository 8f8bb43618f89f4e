#include "store/store.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <set>

#include "ports/codec.h"
#include "store/keys.h"
#include "support/ok.h"
#include "support/temp_dir.h"

using approvald::ports::OutboxEntry;
using approvald::ports::PartitionMark;
using approvald::ports::TimerEntry;
using approvald::ports::WriteSet;
using approvald::store::Store;
using approvald::store::StoreOptions;
using testing::ok;

namespace {

std::unique_ptr<Store> open(const testing::TempDir& dir) {
  auto r = Store::open(StoreOptions{.dir = (dir.path / "db").string(),
                                    .block_cache_bytes = 8u << 20,
                                    .write_buffer_bytes = 4u << 20});
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r.ok());
  return r.take();
}

// The column families of an approvald from before 2026-12-04, in handle order ([3] offsets,
// [7] meta, [8] firing).
const std::vector<std::string> kOlderFamilies = {"cases",  "timers",    "outbox",      "offsets",
                                                 "rules",  "calendars", "alert_index", "meta",
                                                 "firing", "default"};

// Opens the store's RocksDB directly, as another (older or newer) approvald would, and lets `fn`
// change it: handles in kOlderFamilies' order, then any family the store has besides
// ([10] tallies, [11] performance once the store made them). `create` makes the directory with
// exactly kOlderFamilies, as the older approvald did.
void edit_raw(
    const testing::TempDir& dir,
    const std::function<void(rocksdb::DB*, std::vector<rocksdb::ColumnFamilyHandle*>&)>& fn,
    bool create = false) {
  const std::string path = (dir.path / "db").string();
  std::vector<std::string> names = kOlderFamilies;
  std::vector<std::string> listed;
  if (!create) REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &listed).ok());
  for (const auto& n : listed) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  rocksdb::DBOptions options;
  options.create_if_missing = create;
  options.create_missing_column_families = create;
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  REQUIRE(rocksdb::DB::Open(options, path, cfs, &handles, &db).ok());
  fn(db, handles);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
}

WriteSet sample_writes() {
  WriteSet w;
  w.cases.push_back({0, "C1", "state-of-C1"});
  w.cases.push_back({1, "C2", "state-of-C2"});
  w.timers_set.push_back({0, 3000, "C1"});
  w.timers_set.push_back({0, -5000, "C0"});  // before 1970: ordering must still hold
  w.timers_set.push_back({0, 1000, "C9"});
  w.timers_set.push_back({1, 2000, "C2"});
  w.outbox.push_back({0, 7, "approval.alerts", -1, "C1/r/red/1", R"({"a":1})", {}});
  w.outbox.push_back({0,
                      8,
                      "approval.events.dlq",
                      3,
                      "C1",
                      "{oops",
                      {{"approvald.reason", "not valid JSON"}, {"approvald.source.offset", "17"}}});
  w.marks[0] = PartitionMark{42, 123456, 9};
  return w;
}

}  // namespace

TEST_CASE("a commit is durable and readable after reopening", "[store]") {
  testing::TempDir dir;
  {
    auto s = open(dir);
    REQUIRE(s->commit(sample_writes()).ok());
  }
  auto s = open(dir);
  CHECK(ok(s->get_case(0, "C1")) == "state-of-C1");
  CHECK(ok(s->get_case(1, "C2")) == "state-of-C2");
  CHECK_FALSE(ok(s->get_case(1, "C1")));  // partitions do not share cases
  const auto m = ok(s->mark(0));
  REQUIRE(m);
  CHECK(m->next_offset == 42);
  CHECK(m->watermark_ms == 123456);
  CHECK(m->next_outbox_seq == 9);
  CHECK_FALSE(ok(s->mark(3)));
}

TEST_CASE("timers come back earliest first, only those due", "[store]") {
  testing::TempDir dir;
  auto s = open(dir);
  REQUIRE(s->commit(sample_writes()).ok());
  CHECK(ok(s->due_timers(0, 1000, 10)) ==
        std::vector<TimerEntry>{{0, -5000, "C0"}, {0, 1000, "C9"}});
  CHECK(ok(s->due_timers(0, 999, 10)) == std::vector<TimerEntry>{{0, -5000, "C0"}});
  CHECK(ok(s->due_timers(0, 5000, 2)).size() == 2);
  CHECK(ok(s->earliest_timer(0)) == -5000);
  CHECK(ok(s->earliest_timer(1)) == 2000);
  CHECK_FALSE(ok(s->earliest_timer(2)));
  WriteSet clear;
  clear.timers_cleared.push_back({0, -5000, "C0"});
  clear.timers_set.push_back({0, 500, "C0"});
  REQUIRE(s->commit(clear).ok());
  CHECK(ok(s->due_timers(0, 1000, 10)) == std::vector<TimerEntry>{{0, 500, "C0"}, {0, 1000, "C9"}});
  CHECK(s->timer_count(0) == 3);
}

TEST_CASE("the outbox keeps alerts in order until delivered", "[store]") {
  testing::TempDir dir;
  auto s = open(dir);
  REQUIRE(s->commit(sample_writes()).ok());
  auto out = ok(s->outbox(0, 10));
  REQUIRE(out.size() == 2);
  CHECK(out[0].seq == 7);
  CHECK(out[0].key == "C1/r/red/1");
  CHECK(out[0].value == R"({"a":1})");
  CHECK(out[0].topic == "approval.alerts");
  CHECK(out[0].headers.empty());
  CHECK(out[0].topic_partition == -1);
  CHECK(out[1].topic_partition == 3);
  CHECK(out[1].seq == 8);
  CHECK(out[1].topic == "approval.events.dlq");
  CHECK(out[1].value == "{oops");
  CHECK(out[1].headers ==
        std::vector<std::pair<std::string, std::string>>{{"approvald.reason", "not valid JSON"},
                                                         {"approvald.source.offset", "17"}});
  REQUIRE(s->delete_outbox({{0, 7}}).ok());
  CHECK(ok(s->outbox_count(0)) == 1);
  CHECK(ok(s->outbox(0, 10)).front().seq == 8);
}

TEST_CASE("dropping a partition removes only its keys", "[store]") {
  testing::TempDir dir;
  auto s = open(dir);
  REQUIRE(s->commit(sample_writes()).ok());
  REQUIRE(s->drop_partition(0).ok());
  CHECK_FALSE(ok(s->get_case(0, "C1")));
  CHECK_FALSE(ok(s->mark(0)));
  CHECK(s->timer_count(0) == 0);
  CHECK(ok(s->outbox_count(0)) == 0);
  CHECK(ok(s->get_case(1, "C2")) == "state-of-C2");
  CHECK(s->timer_count(1) == 1);
}

TEST_CASE("every case of a partition can be listed", "[store]") {
  testing::TempDir dir;
  auto s = open(dir);
  WriteSet w;
  for (int i = 0; i < 50; ++i) w.cases.push_back({2, "K" + std::to_string(i), "x"});
  w.cases.push_back({3, "other", "y"});
  REQUIRE(s->commit(w).ok());
  const auto ids = ok(s->case_ids(2, "", 1000));
  const auto states = ok(s->get_cases(2, {ids.begin(), ids.end()}));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    CHECK(ids[i].front() == 'K');
    CHECK(states[i] == "x");
  }
  CHECK(ids.size() == 50);
}

TEST_CASE("a partition's case ids come a slice at a time, after the last one reached", "[store]") {
  testing::TempDir dir;
  auto s = open(dir);
  WriteSet w;
  for (const char* id : {"A", "B", "C", "D", "E"}) w.cases.push_back({2, id, "x"});
  w.cases.push_back({3, "AA", "y"});  // the next partition: never listed with partition 2
  w.cases.push_back({1, "Z", "y"});
  REQUIRE(s->commit(w).ok());
  CHECK(ok(s->case_ids(2, "", 2)) == std::vector<std::string>{"A", "B"});
  CHECK(ok(s->case_ids(2, "B", 2)) == std::vector<std::string>{"C", "D"});
  CHECK(ok(s->case_ids(2, "D", 2)) == std::vector<std::string>{"E"});
  CHECK(ok(s->case_ids(2, "E", 2)).empty());
  // A case removed since it was reached still marks the place.
  CHECK(ok(s->case_ids(2, "BB", 9)) == std::vector<std::string>{"C", "D", "E"});
  CHECK(ok(s->case_ids(4, "", 9)).empty());
}

TEST_CASE("the rule version the cases were re-evaluated under survives reopening", "[store]") {
  testing::TempDir dir;
  {
    auto s = open(dir);
    CHECK_FALSE(ok(s->reevaluated_rules()));  // none recorded: not version 0
    REQUIRE(s->set_reevaluated_rules(3).ok());
    CHECK(ok(s->reevaluated_rules()) == std::optional<std::uint64_t>(3));
  }
  auto s = open(dir);
  CHECK(ok(s->reevaluated_rules()) == std::optional<std::uint64_t>(3));
}

TEST_CASE("a store of another schema version is refused, naming both versions", "[store]") {
  testing::TempDir dir;
  { auto s = open(dir); }
  // Rewrite the version as a future approvald would.
  edit_raw(dir, [](rocksdb::DB* db, auto& handles) {
    REQUIRE(db->Put(rocksdb::WriteOptions(), handles[7], "schema_version", "2").ok());
  });
  auto r = Store::open(StoreOptions{.dir = (dir.path / "db").string()});
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message,
             Catch::Contains("has schema version 2, this approvald reads version 1"));
}

TEST_CASE("a store that cannot be opened says where and why", "[store]") {
  testing::TempDir dir;
  const auto file = dir.write("not-a-dir", "x");
  auto r = Store::open(StoreOptions{.dir = file.string()});
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::StartsWith("opening the store at " + file.string()));
}

TEST_CASE("keys order timers by time across the sign boundary", "[store]") {
  using approvald::store::timer_key;
  CHECK(timer_key(0, -1, "a") < timer_key(0, 0, "a"));
  CHECK(timer_key(0, 0, "a") < timer_key(0, 1, "a"));
  CHECK(timer_key(0, INT64_MAX, "a") < timer_key(1, INT64_MIN, "a"));
}

TEST_CASE("timers armed below the scan floor are still found", "[store]") {
  testing::TempDir dir;
  auto s = open(dir);
  WriteSet w;
  for (int i = 0; i < 100; ++i) w.timers_set.push_back({0, 1000 + i, "K" + std::to_string(i)});
  REQUIRE(s->commit(w).ok());
  // Fire and clear the first 90: the floor moves up past their tombstones.
  WriteSet fired;
  for (const auto& t : ok(s->due_timers(0, 1089, 1000))) fired.timers_cleared.push_back(t);
  REQUIRE(fired.timers_cleared.size() == 90);
  REQUIRE(s->commit(fired).ok());
  CHECK(ok(s->due_timers(0, 1095, 100)).size() == 6);
  CHECK(ok(s->due_timers(0, 5000, 100)).front().due_ms == 1090);
  // A case re-armed earlier than anything left, and one before time zero.
  WriteSet early;
  early.timers_set.push_back({0, 10, "early"});
  early.timers_set.push_back({0, -10, "negative"});
  REQUIRE(s->commit(early).ok());
  CHECK(ok(s->earliest_timer(0)) == -10);
  const auto due = ok(s->due_timers(0, 1091, 100));
  REQUIRE(due.size() == 4);
  CHECK(due[0].case_id == "negative");
  CHECK(due[1].case_id == "early");
  // A later scan with nothing due leaves everything findable.
  CHECK(ok(s->due_timers(0, -100, 10)).empty());
  CHECK(ok(s->due_timers(0, 20, 10)).size() == 2);
}

TEST_CASE("the alert index pages through alerts with filters and keeps the latest transition",
          "[store]") {
  using approvald::ports::AlertIndexEntry;
  using approvald::store::AlertQuery;
  testing::TempDir dir;
  auto store = open(dir);
  WriteSet w;
  // 30 alerts over two partitions and three agencies; every third is red.
  for (int i = 0; i < 30; ++i) {
    const std::string id =
        "C" + std::to_string(100 + i) + "/r/" + (i % 3 == 0 ? "red" : "reminder") + "/1";
    w.alerts.push_back({i % 2, id, AlertIndexEntry::Status::kFiring,
                        static_cast<std::uint8_t>(i % 3 == 0 ? 2 : 0), "AG" + std::to_string(i % 3),
                        "r", "{\"alert_id\":\"" + id + "\"}"});
  }
  REQUIRE(store->commit(w));
  // A later transition of one alert replaces it.
  WriteSet later;
  later.alerts.push_back({0, "C100/r/red/1", AlertIndexEntry::Status::kResolved, 2, "AG0", "r",
                          R"({"alert_id":"C100/r/red/1","status":"resolved"})"});
  REQUIRE(store->commit(later));

  // Every alert exactly once, in pages of 7.
  std::vector<std::string> seen;
  AlertQuery q;
  q.limit = 7;
  int pages = 0;
  do {
    const auto page = store->alerts(q);
    CHECK(page.alerts.size() <= 7);
    seen.insert(seen.end(), page.alerts.begin(), page.alerts.end());
    q.after = page.next;
    ++pages;
  } while (!q.after.empty() && pages < 100);
  CHECK(seen.size() == 30);
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == 30);
  CHECK(pages == 5);

  AlertQuery red_firing;
  red_firing.level = 2;
  red_firing.status = AlertIndexEntry::Status::kFiring;
  CHECK(store->alerts(red_firing).alerts.size() == 9);  // 10 red, one resolved
  // Standing alerts come from the firing index, level by level in each partition: paging
  // through the reminders skips the red ones without reading them.
  AlertQuery reminders;
  reminders.level = 0;
  reminders.status = AlertIndexEntry::Status::kFiring;
  reminders.limit = 3;
  std::vector<std::string> standing;
  for (int page = 0; page < 20; ++page) {
    const auto r = store->alerts(reminders);
    for (const auto& a : r.alerts) {
      CHECK_THAT(a, Catch::Contains("/reminder/"));
      standing.push_back(a);
    }
    if (r.next.empty()) break;
    reminders.after = r.next;
  }
  CHECK(standing.size() == 20);
  CHECK(std::set<std::string>(standing.begin(), standing.end()).size() == 20);
  // A resolved alert leaves the firing index; reopening the store keeps it consistent.
  store.reset();
  store = open(dir);
  CHECK(store->alerts(red_firing).alerts.size() == 9);
  AlertQuery resolved;
  resolved.status = AlertIndexEntry::Status::kResolved;
  const auto r = store->alerts(resolved);
  REQUIRE(r.alerts.size() == 1);
  CHECK(r.alerts[0] == R"({"alert_id":"C100/r/red/1","status":"resolved"})");
  CHECK(r.next.empty());
  AlertQuery ag1;
  ag1.agency = "AG1";
  CHECK(store->alerts(ag1).alerts.size() == 10);

  // A rare filter stops at the scan budget and says where to go on.
  AlertQuery budget;
  budget.agency = "AG2";
  budget.scan_budget = 4;
  const auto first = store->alerts(budget);
  CHECK(first.alerts.size() <= 4);
  CHECK_FALSE(first.next.empty());
}

TEST_CASE(
    "per-agency case counts add up across commits, survive reopening and drop with their "
    "partition",
    "[store]") {
  using approvald::ports::CaseTally;
  testing::TempDir dir;
  {
    auto store = open(dir);
    WriteSet a;
    a.tally_changes[{0, "AG1"}] = CaseTally{3, 1, 1, 2, 1};
    a.tally_changes[{1, "AG1"}] = CaseTally{2, 0, 0};
    REQUIRE(store->commit(a));
    WriteSet b;
    b.tally_changes[{0, "AG1"}] = CaseTally{-1, 0, -1};
    b.tally_changes[{0, "AG2"}] = CaseTally{1, 0, 0};
    REQUIRE(store->commit(b));
    CHECK(store->tallies().at({0, "AG1"}) == CaseTally{2, 1, 0, 2, 1});
  }
  auto store = open(dir);
  const auto t = store->tallies();
  CHECK(t.size() == 3);
  CHECK(t.at({0, "AG1"}) == CaseTally{2, 1, 0, 2, 1});
  CHECK(t.at({1, "AG1"}) == CaseTally{2, 0, 0});
  CHECK(t.at({0, "AG2"}) == CaseTally{1, 0, 0});
  CHECK(ok(store->marks()).empty());  // the counts live beside the marks without being one
  REQUIRE(store->drop_partition(0));
  CHECK(store->tallies().size() == 1);
  store.reset();
  CHECK(open(dir)->tallies().size() == 1);
}

TEST_CASE("a partition reset replaces its state atomically and keeps its outbox", "[store]") {
  using approvald::ports::CaseTally;
  testing::TempDir dir;
  auto store = open(dir);
  WriteSet before = sample_writes();
  before.tally_changes[{0, "AG1"}] = CaseTally{5, 0, 2};
  REQUIRE(store->commit(before));

  WriteSet rebuilt;
  rebuilt.resets.push_back(0);
  rebuilt.cases.push_back({0, "C7", "state-of-C7"});
  rebuilt.timers_set.push_back({0, 9000, "C7"});
  rebuilt.tally_changes[{0, "AG1"}] = CaseTally{1, 0, 0};  // absolute after a reset
  rebuilt.marks[0] = PartitionMark{100, 5, 20, 3};
  REQUIRE(store->commit(rebuilt));

  CHECK_FALSE(ok(store->get_case(0, "C1")));
  CHECK(ok(store->get_case(0, "C7")) == "state-of-C7");
  CHECK(ok(store->get_case(1, "C2")) == "state-of-C2");  // other partitions untouched
  const auto due = ok(store->due_timers(0, 100000, 10));
  REQUIRE(due.size() == 1);
  CHECK(due[0].case_id == "C7");
  CHECK(ok(store->outbox_count(0)) == 2);  // undelivered entries stay
  CHECK(store->tallies().at({0, "AG1"}) == CaseTally{1, 0, 0});
  CHECK(ok(store->mark(0))->epoch == 3);
}

TEST_CASE("the performance table sums a period's rows, survives reopening and drops emptied rows",
          "[store]") {
  using approvald::ports::PerfCounts;
  testing::TempDir dir;
  const std::int32_t day = 20'500;
  {
    auto store = open(dir);
    WriteSet a;
    a.marks[0] = PartitionMark{1, 0, 0, 1};
    a.marks[1] = PartitionMark{1, 0, 0, 1};
    a.perf_changes[{0, day, "AG1", "IT1"}] = PerfCounts{2, 2, 1, 2, 2, 9, 1};
    a.perf_changes[{1, day + 1, "AG1", "IT1"}] = PerfCounts{1, 1, 1, 1, 1, 3, 0};
    a.perf_changes[{0, day + 5, "AG1", "IT1"}] = PerfCounts{1, 0, 0, 1, 0, 30, 4};
    a.perf_changes[{0, day, "AG2", "IT9"}] = PerfCounts{1, 1, 0, 1, 1, 7, 2};
    REQUIRE(store->commit(a));
    // A late event took one case's decision back: its contribution is subtracted.
    WriteSet b;
    b.perf_changes[{0, day, "AG2", "IT9"}] = PerfCounts{-1, -1, 0, -1, -1, -7, -2};
    REQUIRE(store->commit(b));
  }
  auto store = open(dir);
  auto rows = ok(store->performance(day, day + 1));
  REQUIRE(rows.size() == 1);  // AG2's row is gone, and day + 5 lies outside
  CHECK(rows[0].agency == "AG1");
  CHECK(rows[0].item == "IT1");
  CHECK(rows[0].counts == PerfCounts{3, 3, 2, 3, 3, 12, 1});
  rows = ok(store->performance(day, day + 5));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].counts.decided == 4);
  CHECK(rows[0].counts.working_days == 42);
  CHECK(ok(store->performance(day + 6, day + 30)).empty());
  // The marks are still found with the rows beside them.
  CHECK(ok(store->marks()).size() == 2);
  REQUIRE(store->drop_partition(0));
  rows = ok(store->performance(day, day + 5));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].counts.decided == 1);
}

TEST_CASE("a store from before the firing index gets it built when opened", "[store]") {
  using approvald::ports::AlertIndexEntry;
  testing::TempDir dir;
  {
    auto store = open(dir);
    WriteSet w;
    w.alerts.push_back({3, "C1/r/red/1", AlertIndexEntry::Status::kFiring, 2, "AG", "r", "{}"});
    w.alerts.push_back({3, "C2/r/red/1", AlertIndexEntry::Status::kResolved, 2, "AG", "r", "{}"});
    REQUIRE(store->commit(w));
  }
  // What an older approvald left: no firing entries, no note that the index exists.
  edit_raw(dir, [](rocksdb::DB* db, auto& handles) {
    REQUIRE(db->DeleteRange(rocksdb::WriteOptions(), handles[8], std::string(1, '\0'),
                            std::string(8, '\xff'))
                .ok());
    REQUIRE(db->Delete(rocksdb::WriteOptions(), handles[7], "firing_index").ok());
  });
  auto store = open(dir);
  approvald::store::AlertQuery q;
  q.status = AlertIndexEntry::Status::kFiring;
  q.level = 2;
  CHECK(store->alerts(q).alerts.size() == 1);
}

TEST_CASE(
    "a store whose offsets held the tallies and the performance table reads the same, "
    "and is split when first opened for writing",
    "[store]") {
  using approvald::ports::CaseTally;
  using approvald::ports::PerfCounts;
  testing::TempDir dir;
  const std::int32_t day = 20'500;
  // What an approvald from before left: marks, tallies ('t') and performance rows ('d') side by
  // side in "offsets", no "tallies" or "performance" family. Encoded as that version wrote them
  // (big-endian words; a mark is its next offset, watermark, outbox sequence and epoch).
  const auto words = [](std::initializer_list<std::uint64_t> ws) {
    std::string v;
    for (auto w : ws) approvald::ports::put_be64(v, w);
    return v;
  };
  edit_raw(
      dir,
      [&](rocksdb::DB* db, auto& h) {
        const rocksdb::WriteOptions wo;
        REQUIRE(db->Put(wo, h[7], "schema_version", "1").ok());
        REQUIRE(db->Put(wo, h[7], "firing_index", "1").ok());
        for (std::int32_t p : {0, 1}) {
          approvald::ports::WriteSet w;
          w.marks[p] = PartitionMark{40 + p, 0, 0, 1};
          REQUIRE(db->Put(wo, h[3], approvald::store::partition_prefix(p),
                          approvald::ports::encode_mark(w.marks[p]))
                      .ok());
        }
        REQUIRE(
            db->Put(wo, h[3], approvald::store::tally_key(0, "AG1"), words({3, 1, 1, 2, 1})).ok());
        REQUIRE(db->Put(wo, h[3], approvald::store::tally_key(1, "AG2"), words({2, 0, 0})).ok());
        REQUIRE(db->Put(wo, h[3], approvald::store::perf_key(0, day, "AG1", "IT1"),
                        words({2, 2, 1, 2, 2, 9, 1}))
                    .ok());
      },
      /*create=*/true);
  const auto check_reads = [&](Store& store) {
    const auto marks = ok(store.marks());
    REQUIRE(marks.size() == 2);
    CHECK(marks.at(1).next_offset == 41);
    const auto tallies = store.tallies();
    REQUIRE(tallies.size() == 2);
    CHECK(tallies.at({0, "AG1"}) == CaseTally{3, 1, 1, 2, 1});
    CHECK(tallies.at({1, "AG2"}) == CaseTally{2, 0, 0});
    const auto rows = ok(store.performance(day, day));
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].counts == PerfCounts{2, 2, 1, 2, 2, 9, 1});
  };
  {
    // Read-only (store dump, a second instance's queries), nothing can be created: the older
    // layout is read as it is, and left as it is.
    auto r = Store::open(StoreOptions{.dir = (dir.path / "db").string(),
                                      .block_cache_bytes = 8u << 20,
                                      .write_buffer_bytes = 4u << 20,
                                      .read_only = true});
    INFO((r ? std::string() : r.error().message));
    REQUIRE(r.ok());
    check_reads(*r.value());
  }
  {
    auto store = open(dir);
    check_reads(*store);
    // A commit after the split adds to the moved rows, not to rows started afresh.
    WriteSet w;
    w.tally_changes[{0, "AG1"}] = CaseTally{-1, 0, 0};
    w.perf_changes[{0, day, "AG1", "IT1"}] = PerfCounts{1, 1, 1, 1, 1, 4, 0};
    REQUIRE(store->commit(w));
  }
  // "offsets" holds the marks alone now; the rows live in their own families, keys unchanged.
  edit_raw(dir, [&](rocksdb::DB* db, auto& h) {
    REQUIRE(h.size() == 12);
    std::vector<std::string> keys;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), h[3]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) keys.push_back(it->key().ToString());
    REQUIRE(it->status().ok());
    CHECK(keys == std::vector<std::string>{approvald::store::partition_prefix(0),
                                           approvald::store::partition_prefix(1)});
    std::string v;
    CHECK(db->Get(rocksdb::ReadOptions(), h[10], approvald::store::tally_key(1, "AG2"), &v).ok());
    CHECK(
        db->Get(rocksdb::ReadOptions(), h[11], approvald::store::perf_key(0, day, "AG1", "IT1"), &v)
            .ok());
  });
  auto store = open(dir);
  CHECK(store->tallies().at({0, "AG1"}) == CaseTally{2, 1, 1, 2, 1});
  const auto rows = ok(store->performance(day, day));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].counts == PerfCounts{3, 3, 2, 3, 3, 13, 1});
  CHECK(ok(store->marks()).size() == 2);
}

TEST_CASE("stored bytes that do not decode are an error, never absence", "[store][faults]") {
  testing::TempDir dir;
  {
    auto s = open(dir);
    REQUIRE(s->commit(sample_writes()).ok());
    approvald::store::RuleVersion v;
    v.packs = {{"pack.yaml", "x"}};
    REQUIRE(s->apply_rules(v).ok());
  }
  // A damaged mark would otherwise read as "new partition": consumed again from offset 0 and
  // every case overwritten. A damaged rule version would be seeded over from the files.
  edit_raw(dir, [](rocksdb::DB* db, auto& handles) {
    REQUIRE(db->Put(rocksdb::WriteOptions(), handles[3], approvald::store::partition_prefix(0),
                    "\x01\x02")
                .ok());
    std::string key = "version/";
    approvald::ports::put_be64(key, 1);
    REQUIRE(db->Put(rocksdb::WriteOptions(), handles[4], key, "garbage").ok());
    // A damaged outbox entry would otherwise be skipped: an alert silently never sent.
    REQUIRE(db->Put(rocksdb::WriteOptions(), handles[2], approvald::store::outbox_key(0, 8), "\x05")
                .ok());
  });
  auto s = open(dir);
  const auto m = s->mark(0);
  REQUIRE_FALSE(m.ok());
  CHECK_THAT(m.error().message, Catch::Contains("mark of partition 0 is corrupt"));
  CHECK_FALSE(s->marks().ok());
  const auto r = s->current_rules();
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("corrupt"));
  CHECK_FALSE(s->rule_history().ok());
  CHECK_FALSE(s->apply_rules({}).ok());
  const auto o = s->outbox(0, 10);
  REQUIRE_FALSE(o.ok());
  CHECK(o.error().corrupt);
  CHECK_THAT(o.error().message, Catch::Contains("outbox entry 0/8 is corrupt"));
  CHECK(ok(s->outbox(0, 1)).size() == 1);  // the intact entry before it still reads
}
