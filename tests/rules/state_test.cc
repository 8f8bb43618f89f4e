#include "rules/state.h"

#include <catch2/catch.hpp>

#include "support/fixtures.h"

using testing::Ev;

namespace {

rules::CaseState sample_state() {
  const rules::Engine engine(testing::statutory_rules(), testing::cn_calendar());
  rules::CaseState s;
  for (
      const auto& e : {
          Ev{.type = "received", .when = "2026-03-02T09:00:00+08:00", .id = "s1"}.event(),
          Ev{.type = "accepted",
          .when = "2026-03-03T09:00:00+08:00",
          .data =
                 R"({"promised":{"working_days":3},"note":"已受理","ratio":1.25,"tags":["a","b"],"flag":true,"nothing":null})",
          .id = "s2"}
              .event(),
          Ev{.type = "decided",
          .when = "2026-03-20T09:00:00+08:00",
          .data = R"({"outcome":"approved"})",
          .id = "s3",
          .officer = ""}
              .event(),
      }) {
    s = engine.apply(std::move(s), e, testing::at("2026-04-01T00:00:00+08:00")).state;
  }
  return s;
}

}  // namespace

TEST_CASE("case state round-trips through its encoding", "[state]") {
  const auto s = sample_state();
  REQUIRE_FALSE(s.alerts.empty());
  const std::string bytes = s.encode();
  std::string why;
  const auto back = rules::CaseState::decode(bytes, &why);
  INFO(why);
  REQUIRE(back);
  CHECK(back->encode() == bytes);
  CHECK(back->case_id == "C1");
  REQUIRE(back->events.size() == 3);
  CHECK(back->events[1].data_field("ratio")->real == 1.25);
  CHECK(back->events[1].data_field("tags")->integer == 2);
  CHECK(back->events[1].data_field("note")->text == "已受理");
  CHECK(back->events[2].officer.empty());
  CHECK(back->events[2].agency == "AG1");
  CHECK(back->alerts.size() == s.alerts.size());
  // Compact: well under the size of the JSON it came from.
  CHECK(bytes.size() < 600);
}

TEST_CASE("a truncated or corrupted state is refused, never crashes", "[state]") {
  const std::string bytes = sample_state().encode();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::string why;
    INFO("prefix " << n);
    CHECK_FALSE(rules::CaseState::decode(bytes.substr(0, n), &why));
    CHECK_FALSE(why.empty());
  }
  // Flip every byte in turn: decoding may succeed (a different but valid state) or fail, but must
  // stay within bounds (the sanitizer build checks that).
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string mutated = bytes;
    mutated[i] = static_cast<char>(mutated[i] ^ 0x5A);
    std::string why;
    (void)rules::CaseState::decode(mutated, &why);
  }
  std::string why;
  CHECK_FALSE(rules::CaseState::decode(std::string("B\x01", 2), &why));
  CHECK(why == "not a case state (bad magic byte)");
  CHECK_FALSE(rules::CaseState::decode(bytes + "x", &why));
  CHECK(why == "trailing bytes after case state");
  std::string other_version = bytes;
  other_version[1] = 9;
  CHECK_FALSE(rules::CaseState::decode(other_version, &why));
  CHECK(why == "unknown case state version");
}
