// The store under a failing disk: a read that fails is an error (never "not found"), and a
// write that failed for want of space succeeds once there is space again, without a restart.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "store/store.h"
#include "support/faulty_fs.h"
#include "support/ok.h"
#include "support/temp_dir.h"

using approvald::ports::PartitionMark;
using approvald::ports::WriteSet;
using approvald::store::RuleVersion;
using approvald::store::Store;
using approvald::store::StoreOptions;
using testing::ok;

namespace {

struct Faulty {
  testing::TempDir dir;
  std::shared_ptr<testing::FaultyFs> fs = std::make_shared<testing::FaultyFs>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);

  std::unique_ptr<Store> open() {
    auto r = Store::open(StoreOptions{.dir = (dir.path / "db").string(),
                                      .block_cache_bytes = 8u << 20,
                                      .write_buffer_bytes = 4u << 20,
                                      .env = env.get()});
    INFO((r ? std::string() : r.error().message));
    REQUIRE(r.ok());
    return r.take();
  }
};

WriteSet one_case() {
  WriteSet w;
  w.cases.push_back({0, "C1", "state-of-C1"});
  w.timers_set.push_back({0, 1000, "C1"});
  w.marks[0] = PartitionMark{42, 123456, 9};
  w.outbox.push_back({0, 3, "approval.alerts", -1, "C1/r/red/1", "{}", {}});
  return w;
}

}  // namespace

TEST_CASE("a read that fails is an error, never absence", "[store][faults]") {
  Faulty f;
  {
    auto s = f.open();
    REQUIRE(s->commit(one_case()).ok());
    RuleVersion v;
    v.packs = {{"pack.yaml", "x"}};
    v.calendar = {"cal.yaml", "y"};
    REQUIRE(s->apply_rules(v).ok());
  }
  // Reopened, what was written lies in table files (the log is flushed on recovery).
  auto s = f.open();
  f.fs->fail_reads = true;
  const auto c = s->get_case(0, "C1");
  REQUIRE_FALSE(c.ok());
  CHECK_THAT(c.error().message, Catch::Contains("injected read error"));
  // A batched read with one found and one absent case fails as a whole, never as absence.
  CHECK_FALSE(s->get_cases(0, {"C1", "C9"}).ok());
  // (The marks were read into the cache at open, with the counts beside them: they still answer.)
  CHECK_FALSE(s->current_rules().ok());
  CHECK_FALSE(s->rule_history().ok());
  CHECK_FALSE(s->due_timers(0, 5000, 10).ok());
  CHECK_FALSE(s->earliest_timer(0).ok());
  CHECK_FALSE(s->outbox(0, 10).ok());        // an empty outbox would count as delivered
  CHECK_FALSE(s->case_ids(0, "", 10).ok());  // a re-evaluation would skip the partition
  // A version applied while the history cannot be read would become "version 1" again.
  RuleVersion v2;
  v2.packs = {{"pack.yaml", "z"}};
  CHECK_FALSE(s->apply_rules(v2).ok());

  f.fs->fail_reads = false;
  CHECK(ok(s->get_case(0, "C1")) == "state-of-C1");
  const auto both = ok(s->get_cases(0, {"C9", "C1"}));
  REQUIRE(both.size() == 2);
  CHECK_FALSE(both[0]);
  CHECK(both[1] == "state-of-C1");
  CHECK(ok(s->mark(0))->next_offset == 42);
  CHECK(ok(s->current_rules())->number == 1);
  CHECK(ok(s->due_timers(0, 5000, 10)).size() == 1);
  CHECK(ok(s->outbox(0, 10)).size() == 1);
  // Absent is still absent.
  CHECK_FALSE(ok(s->get_case(0, "C9")));
  CHECK_FALSE(ok(s->mark(5)));
}

TEST_CASE("a commit that failed for want of space succeeds once there is space again",
          "[store][faults]") {
  Faulty f;
  auto s = f.open();
  f.fs->fail_writes = true;
  const auto failed = s->commit(one_case());
  REQUIRE_FALSE(failed.ok());
  CHECK_THAT(failed.error().message, Catch::Contains("space"));
  CHECK_FALSE(ok(s->get_case(0, "C1")));  // nothing half-written
  f.fs->fail_writes = false;
  // The caller retries the same write set, as the daemon's loop does, backing off; the store
  // resumes by itself (RocksDB may be busy recovering for a moment: bounded retries). (A hard
  // I/O error on the log is not recovered from in place: that takes a restart; see
  // docs/operations.md.)
  approvald::Status retried = approvald::Error{"not tried"};
  for (int i = 0; i < 500 && !retried.ok(); ++i) {
    retried = s->commit(one_case());
    if (!retried.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  INFO((retried ? std::string() : retried.error().message));
  REQUIRE(retried.ok());
  CHECK(ok(s->get_case(0, "C1")) == "state-of-C1");
  WriteSet more;
  more.cases.push_back({0, "C2", "state-of-C2"});
  REQUIRE(s->commit(more).ok());
}
