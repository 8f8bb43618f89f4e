// Where a re-evaluation stands between turns: what is next, when a partition is done, and when
// the whole is.
#include "loop/reevaluation.h"

#include <catch2/catch.hpp>

using approvald::loop::Reevaluation;

TEST_CASE("a re-evaluation goes on after the last case done, partition by partition") {
  Reevaluation r;
  CHECK_FALSE(r.next({0, 1}));
  r.start(7);
  REQUIRE(r.next({0, 1}));
  CHECK(r.next({0, 1})->partition == 0);
  CHECK(r.next({0, 1})->after.empty());
  r.advance(0, {"a", "b"}, 2);  // a full slice: more may follow
  CHECK(r.next({0, 1})->after == "b");
  r.advance(0, {"c"}, 2);  // short: partition 0 is done
  CHECK(r.next({0, 1})->partition == 1);
  CHECK_FALSE(r.done({0, 1}));
  CHECK(r.done({0}));
  r.advance(1, {}, 2);
  CHECK(r.done({0, 1}));
  CHECK(r.cases() == 3);
}

TEST_CASE("with no partition owned a re-evaluation is not done, and a restart forgets progress") {
  Reevaluation r;
  r.start(1);
  r.advance(0, {}, 2);
  CHECK_FALSE(r.done({}));
  CHECK(r.done({0}));
  r.start(2);
  CHECK_FALSE(r.done({0}));
  CHECK(r.next({0})->after.empty());
  CHECK(r.cases() == 0);
  r.finish();
  CHECK_FALSE(r.active());
  CHECK_FALSE(r.done({0}));
}
