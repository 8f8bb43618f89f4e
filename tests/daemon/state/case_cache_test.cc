#include "state/case_cache.h"

#include <catch2/catch.hpp>

#include "pipeline/pipeline.h"
#include "support/fake_store.h"
#include "support/fixtures.h"
#include "support/sample_log.h"

using approvald::ports::WriteSet;
using approvald::state::CaseCache;
using testing::FakeStore;
using testing::ok;

namespace {

// A FakeStore that counts the reads reaching it, single and batched.
class CountingStore : public FakeStore {
 public:
  approvald::Lookup<std::string> get_case(std::int32_t p, std::string_view id) override {
    ++reads;
    return FakeStore::get_case(p, id);
  }
  approvald::Result<std::vector<std::optional<std::string>>> get_cases(
      std::int32_t p, const std::vector<std::string_view>& ids) override {
    ++batched_calls;
    return FakeStore::get_cases(p, ids);  // the port's default: get_case each (counted above)
  }
  int reads = 0;
  int batched_calls = 0;
};

WriteSet writes(std::int32_t p, const std::string& id, const std::string& bytes) {
  WriteSet w;
  w.cases.push_back({p, id, bytes});
  return w;
}

// What a commit does: the store first, the cache once the store holds it.
void commit(CountingStore& store, CaseCache& cache, const WriteSet& w) {
  store.commit(w);
  cache.apply(w);
}

}  // namespace

TEST_CASE("a case read once is served from memory, and so is a case known to be absent",
          "[state]") {
  CountingStore store;
  store.commit(writes(0, "C1", "state-1"));
  CaseCache cache(store, 1 << 20);
  CHECK(ok(cache.get_case(0, "C1")) == std::optional<std::string>("state-1"));
  CHECK(ok(cache.get_case(0, "C1")) == std::optional<std::string>("state-1"));
  CHECK(!ok(cache.get_case(0, "NEW")).has_value());
  CHECK(!ok(cache.get_case(0, "NEW")).has_value());
  CHECK(store.reads == 2);
  CHECK(cache.stats().hits == 2);
  CHECK(cache.stats().misses == 2);
  // The same id in another partition is another case.
  CHECK(!ok(cache.get_case(1, "C1")).has_value());
  CHECK(store.reads == 3);
}

TEST_CASE("a failed read is never cached, neither as a state nor as absence", "[state]") {
  CountingStore store;
  store.commit(writes(0, "C1", "state-1"));
  CaseCache cache(store, 1 << 20);
  store.fail_all_reads = true;
  CHECK(!cache.get_case(0, "C1"));
  CHECK(!cache.get_case(0, "C2"));
  CHECK(!cache.prefetch(0, {"C1", "C2"}));
  store.fail_all_reads = false;
  CHECK(ok(cache.get_case(0, "C1")) == std::optional<std::string>("state-1"));
  CHECK(!ok(cache.get_case(0, "C2")).has_value());
  CHECK(cache.stats().hits == 0);
}

TEST_CASE("the cache learns a commit's states, and forgets a reset or forgotten partition",
          "[state]") {
  CountingStore store;
  CaseCache cache(store, 1 << 20);
  CHECK(!ok(cache.get_case(0, "C1")).has_value());  // absent, and remembered as absent
  commit(store, cache, writes(0, "C1", "state-1"));
  CHECK(ok(cache.get_case(0, "C1")) == std::optional<std::string>("state-1"));
  commit(store, cache, writes(0, "C1", "state-2"));
  CHECK(ok(cache.get_case(0, "C1")) == std::optional<std::string>("state-2"));
  CHECK(store.reads == 1);

  // A partition rebuilt from the changelog: its cases are read from the store again.
  WriteSet reset;
  reset.resets.push_back(0);
  store.cases[{0, "C1"}] = "rebuilt";
  commit(store, cache, reset);
  CHECK(ok(cache.get_case(0, "C1")) == std::optional<std::string>("rebuilt"));
  // Dropped behind the cache's back (a hand-over): forget() makes it read again.
  store.cases.erase({0, "C1"});
  cache.forget(0);
  CHECK(!ok(cache.get_case(0, "C1")).has_value());
  CHECK(store.reads == 3);
  CHECK(cache.stats().entries == 1);
}

TEST_CASE("past its budget the cache drops the least recently used cases, which are read again",
          "[state]") {
  CountingStore store;
  const std::string bytes(400, 'x');
  for (int i = 0; i < 100; ++i) store.commit(writes(0, "C" + std::to_string(i), bytes));
  // Room for about ten entries.
  const std::size_t budget = 10 * CaseCache::cost(4 + 3, bytes.size());
  CaseCache cache(store, budget);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 100; ++i) {
      CHECK(ok(cache.get_case(0, "C" + std::to_string(i))) == std::optional<std::string>(bytes));
      CHECK(cache.stats().bytes <= budget);
    }
  }
  CHECK(cache.stats().entries <= 10);
  CHECK(cache.stats().evictions > 250);
  // A recently used case survives a stream of others; the oldest does not.
  const int before = store.reads;
  (void)cache.get_case(0, "C99");
  CHECK(store.reads == before);
  (void)cache.get_case(0, "C0");
  CHECK(store.reads == before + 1);
}

TEST_CASE("prefetch reads only the cases not held, in one call", "[state]") {
  CountingStore store;
  store.commit(writes(0, "A", "a"));
  store.commit(writes(0, "B", "b"));
  CaseCache cache(store, 1 << 20);
  (void)cache.get_case(0, "A");
  REQUIRE(cache.prefetch(0, {"A", "B", "C"}));
  CHECK(store.batched_calls == 1);
  CHECK(store.reads == 3);  // A once before, then B and C together
  CHECK(ok(cache.get_case(0, "B")) == std::optional<std::string>("b"));
  CHECK(!ok(cache.get_case(0, "C")).has_value());
  CHECK(store.reads == 3);
}

TEST_CASE("a budget of 0 turns the cache off", "[state]") {
  CountingStore store;
  store.commit(writes(0, "C1", "state-1"));
  CaseCache cache(store, 0);
  (void)cache.get_case(0, "C1");
  (void)cache.get_case(0, "C1");
  REQUIRE(cache.prefetch(0, {"C1"}));
  CHECK(store.reads == 2);
  CHECK(cache.stats().entries == 0);
}

TEST_CASE("the pipeline over a small cache reproduces approvald replay on the sample log",
          "[state][pipeline]") {
  // Evictions and hits on every path (events, timers) must not change one alert.
  REQUIRE(testing::sample_lines().size() > 50);
  const auto eng =
      std::make_shared<const rules::Engine>(testing::statutory_rules(), testing::cn_calendar());
  CountingStore store;
  CaseCache cache(store, 4096);  // a handful of cases: most reads miss, some hit
  approvald::pipeline::Pipeline p(eng, cache);
  const auto got =
      testing::feed_sample_log(p, store, [&](const WriteSet& w) { commit(store, cache, w); });
  CHECK(got == testing::sample_replay_alerts(*eng));
  CHECK(cache.stats().hits > 0);
  CHECK(cache.stats().evictions > 0);
  CHECK(cache.stats().bytes <= 4096);
}

TEST_CASE("prefetch keeps the held cases it was asked for when it makes room", "[state]") {
  CountingStore store;
  for (const char* id : {"A", "B", "C"}) store.commit(writes(0, id, "s"));
  CaseCache cache(store, 2 * CaseCache::cost(5, std::string("s").capacity()));  // two entries
  (void)cache.get_case(0, "A");
  (void)cache.get_case(0, "B");  // A is now the least recently used
  REQUIRE(cache.prefetch(0, {"A", "C"}));
  const int before = store.reads;
  (void)cache.get_case(0, "A");  // kept: the batch needs it
  (void)cache.get_case(0, "C");
  CHECK(store.reads == before);
  (void)cache.get_case(0, "B");  // evicted instead
  CHECK(store.reads == before + 1);
}
