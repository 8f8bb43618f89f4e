#include "web/alert_feed.h"

#include <catch2/catch.hpp>
#include <thread>

#include "support/fixtures.h"

using approvald::ports::AlertIndexEntry;
using approvald::web::AlertFeed;
using S = AlertIndexEntry::Status;

namespace {

std::int64_t ms(const std::string& t) { return testing::at(t).time_since_epoch().count(); }

AlertIndexEntry entry(const std::string& id, S status, std::uint8_t level,
                      const std::string& fired_at, const std::string& agency = "AG1") {
  return {0,
          id,
          status,
          level,
          agency,
          "alp-42-decision",
          R"({"alert_id":")" + id + R"(","fired_at":")" + fired_at + R"("})"};
}

}  // namespace

TEST_CASE("hourly counts place each alert once by when it fired, and drop retracted ones",
          "[feed]") {
  AlertFeed feed;
  const std::int64_t now = ms("2026-03-10T12:30:00+08:00");
  feed.publish({entry("A/red/1", S::kFiring, 2, "2026-03-10T11:10:00+08:00"),
                entry("B/yellow/1", S::kFiring, 1, "2026-03-10T11:50:00+08:00"),
                entry("C/reminder/1", S::kFiring, 0, "2026-03-10T12:05:00+08:00"),
                entry("D/red/1", S::kFiring, 2, "2026-03-08T09:00:00+08:00")},  // too old
               now);
  // The same alert announced again (resolved) and one retracted: no double count, one fewer.
  feed.publish({entry("A/red/1", S::kResolved, 2, "2026-03-10T11:10:00+08:00"),
                entry("B/yellow/1", S::kRetracted, 1, "2026-03-10T11:50:00+08:00")},
               now);
  const auto hours = feed.hourly(now, 24);
  REQUIRE(hours.size() == 24);
  CHECK(hours.back().hour_ms == ms("2026-03-10T12:00:00+08:00"));
  CHECK(hours.front().hour_ms == ms("2026-03-09T13:00:00+08:00"));
  const auto& eleven = hours[hours.size() - 2];
  CHECK(eleven.by_level[2] == 1);
  CHECK(eleven.by_level[1] == 0);
  CHECK(hours.back().by_level[0] == 1);
  std::int64_t total = 0;
  for (const auto& h : hours) total += h.by_level[0] + h.by_level[1] + h.by_level[2];
  CHECK(total == 2);
}

TEST_CASE("followers get the items after their last one, waiting for new ones", "[feed]") {
  AlertFeed feed(3);
  const std::int64_t now = ms("2026-03-10T12:30:00+08:00");
  for (int i = 0; i < 5; ++i) {
    feed.publish({entry("X" + std::to_string(i), S::kFiring, 2, "2026-03-10T12:00:00+08:00")}, now);
  }
  // The ring keeps the last three.
  auto items = feed.since(0, 100, 0);
  REQUIRE(items.size() == 3);
  CHECK(items.front().seq == 3);
  CHECK(feed.latest(2).back().seq == 5);
  // A waiter gets what is published while it waits (or just before: the same answer).
  std::thread later(
      [&] { feed.publish({entry("Y", S::kFiring, 1, "2026-03-10T12:00:00+08:00", "AG2")}, now); });
  items = feed.since(5, 100, 10000);
  later.join();
  REQUIRE(items.size() == 1);
  CHECK(items[0].agency == "AG2");
  CHECK(items[0].seq == 6);
  // Closing releases waiters at once.
  feed.close();
  CHECK(feed.since(6, 100, 60000).empty());
}
